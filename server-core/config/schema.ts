// The config model: the single source of truth for what a user can configure.
// nginx-shaped (server → Site, location → Location) so nginx import/export maps directly.
// Every field documents its default (nginx's where nginx has one) and its unit in the name (`…S`
// seconds, `…Bytes`). Certificates are state, not config: the cert service keeps them, sites
// reference them by id or `auto`. The store keeps each applied config as a version.
// Objects are strict: an unknown field (a typo such as `lisen`) is reported, never silently dropped.
// Semantic rules that span fields (duplicate names, alias traversal…) live in `semantic-checks.ts`.
import { z } from 'zod';
import { pcreProblem } from './pcre.js';

/** Current shape version of a stored config document. Bump with a converter in `upgrade.ts`. */
export const CONFIG_SCHEMA_VERSION = 1;

const port = z.number().int().min(0, 'a port is a number from 0 to 65535').max(65535, 'a port is a number from 0 to 65535');

/** `server_name` entry: exact (`a.test`), leading wildcard (`*.a.test`), trailing (`a.*`) or regex (`~^re$`). */
export const serverName = z
  .string()
  .min(1, 'a server name cannot be empty')
  .max(253, 'a server name is at most 253 characters (the DNS limit, RFC 1035)')
  .refine((s) => !/\s/.test(s), 'a server name cannot contain spaces');

/** A listen entry (nginx `listen`). Omitted `listen` means the stack's HTTP port, as nginx means 80. */
export const listenSchema = z.strictObject({
  port,
  /** Serve TLS on this port (nginx `listen … ssl`); the site's `tls` block says which certificate. Default false. */
  tls: z.boolean().default(false),
  /** Offer HTTP/2 by ALPN on a TLS port (nginx `http2`), with HTTP/1.1 fallback. Default true. */
  http2: z.boolean().default(true),
  /** nginx `default_server`: answers requests whose Host matches no site on this port. Default false. */
  defaultServer: z.boolean().default(false),
});

/** nginx location modifiers: `=` exact, `^~` prefix that stops regex search, `~` regex, `~*` case-insensitive regex, none = prefix. */
export const locationMatchSchema = z.strictObject({
  kind: z.enum(['exact', 'prefix', 'prefix-stop', 'regex', 'regex-i']),
  /** The URI (exact / prefix kinds) or the regular expression (regex kinds, without nginx's `~`). */
  path: z.string().min(1, 'a location needs a path (or a regex)'),
});

export const staticHandlerSchema = z.strictObject({
  type: z.literal('static'),
  /** nginx `root`: the file is root + URI. Defaults to the site's root. */
  root: z.string().min(1).optional(),
  /** nginx `alias`: the location's path is replaced by alias. Exclusive with root. */
  alias: z.string().min(1).optional(),
  /** nginx `index`. Defaults to the site's index. */
  index: z.array(z.string().min(1)).optional(),
  /** nginx `autoindex`. Default false. */
  autoindex: z.boolean().default(false),
  /** nginx `try_files`: candidates, the last one a URI or `=CODE`. Empty means off. */
  tryFiles: z.array(z.string().min(1)).default([]),
  /** nginx `expires` in seconds (Cache-Control max-age + Expires); -1 = `expires epoch`. Unset = no header. */
  expiresS: z.number().int().min(-1).optional(),
  /** On-the-fly gzip/brotli for text types, and precompressed `.gz`/`.br` siblings (nginx `gzip`, `gzip_static`). Default true. */
  compress: z.boolean().default(true),
  /** nginx `add_header` on successful responses. */
  addHeaders: z.record(z.string().min(1), z.string()).default({}),
});

export const returnHandlerSchema = z.strictObject({
  type: z.literal('return'),
  /** nginx `return CODE [URL|TEXT]`. 301/302/303/307/308 take a URL. */
  status: z.number().int().min(100, 'an HTTP status code is from 100 to 999').max(999, 'an HTTP status code is from 100 to 999'),
  /** Redirect target for 3xx, or body text for other codes. Default empty. */
  body: z.string().default(''),
});

const seconds = (max: number) => z.number().positive('a duration is a positive number of seconds').max(max);
const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'a header name is a token (RFC 9110 §5.1): letters, digits and !#$%&\'*+.^_`|~-');

/** nginx `proxy_/uwsgi_/fastcgi_connect_timeout`, `…_read_timeout` (between two reads), `…_send_timeout` (between two writes). Defaults 60 s. */
const upstreamTimeouts = {
  connectTimeoutS: seconds(3600).default(60),
  readTimeoutS: seconds(86_400).default(60),
  sendTimeoutS: seconds(86_400).default(60),
};

/** nginx `proxy_pass`: to an upstream group (by id) or one URL. */
export const proxyHandlerSchema = z.strictObject({
  type: z.literal('proxy'),
  /** An upstream id (nginx `proxy_pass http://NAME`). Exclusive with `url`. */
  upstream: z.string().min(1).optional(),
  /**
   * A single origin, `http://host:port[/path]` (nginx `proxy_pass URL`; a path replaces the location prefix).
   * As in nginx, `http://UPSTREAM_ID[/path]` (no port) goes to that upstream group, with the path replacement.
   */
  url: z.string().url('a proxy URL looks like http://127.0.0.1:3000').optional(),
  /** nginx `proxy_set_header`; values may use $variables. An empty value removes the header. */
  setHeaders: z.record(headerName, z.string()).default({}),
  /** nginx `proxy_hide_header`: response headers not passed to the client. */
  hideHeaders: z.array(headerName).default([]),
  ...upstreamTimeouts,
  /** Tunnel WebSocket upgrades (nginx needs `proxy_set_header Upgrade/Connection` for this). Default true. */
  websocket: z.boolean().default(true),
});

/** nginx `uwsgi_pass` + `include uwsgi_params`: the uwsgi binary protocol to an app server. */
export const uwsgiHandlerSchema = z.strictObject({
  type: z.literal('uwsgi'),
  /** An upstream id whose protocol is `uwsgi`. */
  upstream: z.string().min(1),
  /** nginx `uwsgi_param`: extra or overriding variables; values may use $variables. */
  params: z.record(z.string().min(1), z.string()).default({}),
  ...upstreamTimeouts,
});

/** nginx `fastcgi_pass`: FastCGI to PHP-FPM and friends. */
export const fastcgiHandlerSchema = z.strictObject({
  type: z.literal('fastcgi'),
  /** An upstream id whose protocol is `fastcgi`. */
  upstream: z.string().min(1),
  /** nginx `fastcgi_param`: extra or overriding params; values may use $variables. */
  params: z.record(z.string().min(1), z.string()).default({}),
  /** nginx `fastcgi_split_path_info`, e.g. `^(.+\\.php)(/.+)$`. */
  splitPathInfo: z.string().min(1).optional(),
  /** nginx `fastcgi_index`. Default `index.php`. */
  index: z.string().min(1).default('index.php'),
  /** Document root for SCRIPT_FILENAME; defaults to the site's root. */
  root: z.string().min(1).optional(),
  ...upstreamTimeouts,
});

/** Shorthand for "the upstream of app X", with the app's protocol. */
export const appHandlerSchema = z.strictObject({
  type: z.literal('app'),
  /** An app id from `apps`. */
  app: z.string().min(1),
});

export const handlerSchema = z.discriminatedUnion('type', [
  staticHandlerSchema,
  returnHandlerSchema,
  proxyHandlerSchema,
  uwsgiHandlerSchema,
  fastcgiHandlerSchema,
  appHandlerSchema,
]);

/**
 * nginx `rewrite REGEX REPLACEMENT [FLAG]` (ngx_http_rewrite_module): REGEX (PCRE, run as a
 * JavaScript RegExp) is matched against the normalised URI without its query; `$1`…`$9`, named
 * captures and Berth's variables expand in REPLACEMENT. A replacement starting with `http://`,
 * `https://` or `$scheme` redirects (302; 301 with `permanent`); one ending in `?` drops the
 * request's arguments. Flags: `last` searches the locations again with the new URI, `break`
 * serves it in the current location, `redirect`/`permanent` answer 302/301, `none` goes on to the next rule.
 */
export const rewriteSchema = z.strictObject({
  pattern: z
    .string()
    .min(1, 'a rewrite needs a regex')
    .superRefine((s, ctx) => {
      const problem = pcreProblem(s);
      if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
    }),
  /** nginx refuses an empty replacement ("empty replacement"). */
  replacement: z.string().min(1, 'a rewrite needs a replacement (a URI, or a URL to redirect to)'),
  flag: z.enum(['none', 'last', 'break', 'redirect', 'permanent']).default('none'),
});

/** A status an error page may replace: nginx takes 300–599 and refuses 499 (its "client closed the request", never sent). */
const errorPageCode = z
  .number({ error: 'a status code is a number such as 404' })
  .int('a status code is a whole number')
  .min(300, 'an error page replaces a status from 300 to 599')
  .max(599, 'an error page replaces a status from 300 to 599')
  .refine((n) => n !== 499, '499 is never sent (nginx logs it when the client closed the connection); nginx refuses an error page for it');

/**
 * nginx `error_page CODE… [=[RESPONSE]] TARGET`: the answer Berth gives instead of its own page for
 * those statuses — the ones it makes itself (404 of a missing file, 403, 405, 413, 502/504 from an
 * upstream, deny, basic auth, limit_req, `return CODE` without text…), and an upstream's own when
 * the location has `interceptErrors`. An error while serving the page gets the built-in page
 * (nginx's `recursive_error_pages off`).
 */
export const errorPageSchema = z.strictObject({
  /** The statuses this page replaces (300–599). */
  codes: z.array(errorPageCode).min(1, 'an error page needs at least one status code'),
  /**
   * A URI (`/50x.html`, may carry `?args` and $variables): an internal redirect to it, which may
   * select an `internal` location; the method becomes GET (HEAD stays HEAD) and the request's own
   * args are dropped. Anything else (`https://example.test/oops`): a redirect there, 302 unless
   * `response` is 301, 302, 303, 307 or 308. Named locations (`@name`) are not in Berth's model.
   */
  target: z.string().min(1, 'an error page needs a target: a URI such as /50x.html, or a URL to redirect to'),
  /**
   * nginx `=CODE`: the status the page is sent with; `page` is nginx's bare `=`: the status of the
   * page's own answer (a proxied page's upstream status, 200 for a file). Absent: the original error's status.
   */
  response: z.union([z.literal('page'), z.number({ error: 'a response code is a number such as 200, or `page`' }).int('a status code is a whole number').min(200, 'a response code is from 200 to 599').max(599, 'a response code is from 200 to 599')]).optional(),
});

export const locationSchema = z.strictObject({
  match: locationMatchSchema,
  handler: handlerSchema,
  /**
   * nginx `internal`: a client request that selects this location gets 404; only internal
   * redirects reach it (X-Accel-Redirect from an upstream, try_files fallback, index, error pages). Default false.
   */
  internal: z.boolean().default(false),
  /** nginx `rewrite` inside the location, in order: run after the location is chosen, before access and content (and before a `return`). */
  rewrites: z.array(rewriteSchema).optional(),
  /**
   * nginx `error_page` in a location: its own list replaces the site's whole list (nginx does not
   * merge them). Absent or empty: the site's error pages apply.
   */
  errorPages: z.array(errorPageSchema).optional(),
  /**
   * nginx `proxy_intercept_errors` / `uwsgi_intercept_errors` / `fastcgi_intercept_errors`: an
   * upstream answer whose status has an error page here is replaced by that page (only
   * WWW-Authenticate of a 401 is kept); other answers pass through. Proxy, uwsgi, FastCGI and app
   * locations only. Default false: upstream answers always pass through.
   */
  interceptErrors: z.boolean().default(false),
});

export const tlsSchema = z.strictObject({
  /** `auto`: a leaf for the site's names from Berth's local CA, renewed automatically; otherwise a certificate id. */
  certificate: z.union([z.literal('auto'), z.string().regex(/^[a-z0-9][a-z0-9.-]{0,99}$/, 'a certificate id')]).default('auto'),
  /** Redirect plain-HTTP requests for this site to HTTPS with 301. Default false. */
  redirectHttp: z.boolean().default(false),
  /** Strict-Transport-Security max-age in seconds; 0 = no header (the default: HSTS on localhost names sticks in browsers). */
  hstsMaxAgeS: z.number().int().min(0).max(63_072_000).default(0),
});

/** `all`, an IPv4/IPv6 address, or a CIDR block (nginx `allow`/`deny` argument). */
const accessSource = z.string().min(1);

export const accessSchema = z.strictObject({
  /** nginx `allow`/`deny`, checked in order; the first match decides; no match allows. */
  rules: z.array(z.strictObject({ action: z.enum(['allow', 'deny']), source: accessSource })).default([]),
  /** nginx `auth_basic` + `auth_basic_user_file` (bcrypt, apr1 and SHA entries). */
  basicAuth: z.strictObject({ realm: z.string().min(1).max(200), htpasswdFile: z.string().min(1) }).optional(),
});

export const limitsSchema = z.strictObject({
  /** nginx `client_max_body_size`: larger bodies get 413; 0 = no limit. Default 1 MiB (nginx's 1m). */
  maxBodyBytes: z.number().int().min(0).default(1_048_576),
  /** nginx `client_header_timeout`: 408 when the headers take longer. Default 60 s. */
  headerTimeoutS: seconds(3600).default(60),
  /** nginx `client_body_timeout`: between two reads of the body. Default 60 s. */
  bodyTimeoutS: seconds(3600).default(60),
  /** nginx `keepalive_timeout`. Default 75 s. */
  keepaliveTimeoutS: z.number().min(0).max(3600).default(75),
  /** nginx `send_timeout`: a client that takes none of the response for this long is disconnected. Absent = 60 s (nginx's default). */
  sendTimeoutS: seconds(3600).optional(),
  /** nginx `limit_req`: per client IP, leaky bucket; excess beyond `burst` gets 503 (nginx's default status). */
  rateLimit: z.strictObject({ perSecond: z.number().positive().max(1_000_000), burst: z.number().int().min(0).default(0), nodelay: z.boolean().default(true) }).optional(),
});

export const siteSchema = z.strictObject({
  /** Stable id used by the API and the dashboard: lowercase letters, digits and dashes. */
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'use lowercase letters, digits and dashes (max 63)'),
  /** nginx `server_name`. At least one. */
  names: z.array(serverName).min(1, 'a site needs at least one name'),
  /** nginx `listen`. Empty means the stack's HTTP port. */
  listen: z.array(listenSchema).default([]),
  /** nginx `root`: an absolute directory. */
  root: z.string().min(1).optional(),
  /** nginx `index`. Default `index.html`. */
  index: z.array(z.string().min(1)).default(['index.html']),
  /** Write this site's access log (nginx `access_log`). Default true. */
  accessLog: z.boolean().default(true),
  /** nginx `rewrite` at server level, in order: run once the site is known, before a location is chosen (and again after an internal redirect). */
  rewrites: z.array(rewriteSchema).optional(),
  /** nginx `location` blocks. A site with none serves its root as static files. */
  locations: z.array(locationSchema).default([]),
  /** nginx `error_page` at server level: every location without its own list uses these. Default none. */
  errorPages: z.array(errorPageSchema).default([]),
  /** Certificates for this site's TLS ports. Required when a listen entry has `tls`. */
  tls: tlsSchema.optional(),
  /** nginx `allow`/`deny` and `auth_basic`. */
  access: accessSchema.default({ rules: [] }),
  /** Request limits (nginx `client_max_body_size`, timeouts, `limit_req`). */
  limits: limitsSchema.default({ maxBodyBytes: 1_048_576, headerTimeoutS: 60, bodyTimeoutS: 60, keepaliveTimeoutS: 75 }),
});

/** One server of an upstream group (nginx `server` inside `upstream`). */
export const upstreamServerSchema = z.strictObject({
  /** `host:port`, `[v6]:port`, or `unix:/path/to.sock`. */
  address: z.string().min(1),
  /** nginx `weight`. Default 1. */
  weight: z.number().int().min(1).max(1000).default(1),
  /** nginx `max_fails`: failures within `failTimeoutS` that mark the server unavailable; 0 = never. Default 1. */
  maxFails: z.number().int().min(0).max(1000).default(1),
  /** nginx `fail_timeout`: the window for max_fails and how long the server then stays out. Default 10 s. */
  failTimeoutS: z.number().positive().max(3600).default(10),
  /** nginx `backup`: used only when every primary server is unavailable. */
  backup: z.boolean().default(false),
  /** nginx `down`: never used (drained). */
  down: z.boolean().default(false),
});

/** nginx `keepalive` when none is given: idle connections per worker to an http or uwsgi upstream (fastcgi: 0). */
const DEFAULT_UPSTREAM_KEEPALIVE = 32;

/** An upstream group (nginx `upstream`). */
export const upstreamSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'use lowercase letters, digits, dashes and underscores (max 63)'),
  /** What the servers speak. Default http. */
  protocol: z.enum(['http', 'uwsgi', 'fastcgi']).default('http'),
  /** round_robin is nginx's smooth weighted round-robin; random_two is nginx's `random two least_conn`. */
  method: z.enum(['round_robin', 'least_conn', 'ip_hash', 'random_two']).default('round_robin'),
  /**
   * nginx `keepalive`: idle connections kept per worker to these servers. Default 32, but 0 for
   * fastcgi: a kept FastCGI connection (FCGI_KEEP_CONN) holds a PHP-FPM child, which waits on it for
   * the next request, so more kept than pm.max_children leaves requests from other workers waiting.
   */
  keepalive: z.number().int().min(0).max(10_000).optional(),
  servers: z.array(upstreamServerSchema).min(1, 'an upstream needs at least one server'),
  /** Active health checks; off when absent (passive checks via max_fails always run). */
  healthCheck: z
    .strictObject({
      path: z.string().startsWith('/', 'a health-check path starts with /').default('/'),
      intervalS: z.number().positive().max(3600).default(5),
      timeoutS: z.number().positive().max(600).default(2),
      /** Expected status: a class (`2xx`) or a code. Default 2xx. */
      expectStatus: z.string().regex(/^([1-5]xx|[1-5]\d\d)$/, 'a status class such as 2xx, or a code such as 204').default('2xx'),
      /** Consecutive passes to mark a server up / failures to mark it down. */
      rise: z.number().int().min(1).max(100).default(2),
      fall: z.number().int().min(1).max(100).default(3),
    })
    .optional(),
}).transform((u) => ({ ...u, keepalive: u.keepalive ?? (u.protocol === 'fastcgi' ? 0 : DEFAULT_UPSTREAM_KEEPALIVE) }));

/** An app the app server runs (uWSGI-style processes × threads). Each app gets its own upstream, named after it. */
export const appSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'use lowercase letters, digits, dashes and underscores (max 63)'),
  runtime: z.enum(['wsgi', 'uwsgi', 'gunicorn', 'node', 'php-fpm', 'command']),
  /** Absolute working directory (uwsgi `chdir`). */
  workingDir: z.string().min(1),
  /** wsgi/uwsgi/gunicorn: `module:callable`; node: a script; php-fpm: unused; command: the command line. */
  entry: z.string().default(''),
  /** Interpreter or binary: a path, or empty to detect (a virtualenv in workingDir, then PATH). */
  interpreter: z.string().default(''),
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'), z.string()).default({}),
  /** uwsgi `processes`. Default 1. */
  processes: z.number().int().min(1, 'an app needs at least 1 process').max(256).default(1),
  /** uwsgi `threads` per process. Default 1. */
  threads: z.number().int().min(1, 'an app needs at least 1 thread').max(1024).default(1),
  /** uwsgi `max-requests`: recycle a worker after this many requests; 0 = never. */
  maxRequests: z.number().int().min(0).default(0),
  /** uwsgi `harakiri`: kill a request running longer, in seconds; 0 = never. */
  harakiriS: z.number().int().min(0).default(0),
  /** Start with the stack. Default true. */
  autostart: z.boolean().default(true),
  /** Where the app listens: `unix:/path` or `127.0.0.1:port`; empty = assigned by Berth (kept stable). */
  socket: z.string().default(''),
  /** Restart the app when its code changes (development). Default false. */
  reloadOnChange: z.boolean().default(false),
});

/** The proxy's log files (nginx `error_log` level; rotation nginx leaves to logrotate). */
export const logsSchema = z.strictObject({
  /** Lowest level written to error.log (nginx `error_log FILE error`). Default error. */
  errorLevel: z.enum(['error', 'warn', 'notice', 'info']).default('error'),
  /** Rotate a log file before it passes this many bytes; 0 = never. Default 10 MiB. */
  rotateBytes: z.number().int().min(0).max(1_073_741_824).default(10_485_760),
  /** Rotated files kept per log (`x.log.1` newest … `x.log.N`). Default 5. */
  keep: z.number().int().min(1).max(100).default(5),
});

export const settingsSchema = z.strictObject({
  /** Port for sites with no explicit `listen`. Default 8080 (binding 80 is opt-in). */
  httpPort: port.default(8080),
  /** Port for TLS sites with no explicit `listen`. Default 8443. */
  httpsPort: port.default(8443),
  /** Log level and rotation; absent = the defaults of `logsSchema` (error, 10 MiB, keep 5). */
  logs: logsSchema.optional(),
});

export const configSchema = z.strictObject({
  schemaVersion: z.literal(CONFIG_SCHEMA_VERSION, {
    error: (issue) =>
      issue.input === undefined
        ? `schemaVersion is required (this Berth reads config schema version ${CONFIG_SCHEMA_VERSION})`
        : `unsupported config schemaVersion ${JSON.stringify(issue.input)}: this Berth reads version ${CONFIG_SCHEMA_VERSION}`,
  }),
  settings: settingsSchema.default({ httpPort: 8080, httpsPort: 8443 }),
  sites: z.array(siteSchema).default([]),
  upstreams: z.array(upstreamSchema).default([]),
  apps: z.array(appSchema).default([]),
});

export type BerthConfig = z.infer<typeof configSchema>;
/** What a client may send: defaults not yet filled in. */
export type BerthConfigInput = z.input<typeof configSchema>;
export type Site = z.infer<typeof siteSchema>;
export type Listen = z.infer<typeof listenSchema>;
export type Location = z.infer<typeof locationSchema>;
export type Rewrite = z.infer<typeof rewriteSchema>;
export type LocationMatch = z.infer<typeof locationMatchSchema>;
export type ErrorPage = z.infer<typeof errorPageSchema>;
export type StaticHandler = z.infer<typeof staticHandlerSchema>;
export type ReturnHandler = z.infer<typeof returnHandlerSchema>;
export type Handler = z.infer<typeof handlerSchema>;
export type ProxyHandler = z.infer<typeof proxyHandlerSchema>;
export type UwsgiHandler = z.infer<typeof uwsgiHandlerSchema>;
export type FastcgiHandler = z.infer<typeof fastcgiHandlerSchema>;
export type AppHandler = z.infer<typeof appHandlerSchema>;
export type SiteTls = z.infer<typeof tlsSchema>;
export type SiteAccess = z.infer<typeof accessSchema>;
export type SiteLimits = z.infer<typeof limitsSchema>;
export type Upstream = z.infer<typeof upstreamSchema>;
export type LogSettings = z.infer<typeof logsSchema>;
export type UpstreamServer = z.infer<typeof upstreamServerSchema>;
export type App = z.infer<typeof appSchema>;
