// The config model: the single source of truth for what a user can configure.
// nginx-shaped (server → Site, location → Location) so nginx import/export maps directly.
// Every field documents its default. Later issues add handlers (proxy, uwsgi, fastcgi, app),
// upstreams, apps and certificates here; the store keeps each applied config as a version.
// Objects are strict: an unknown field (a typo such as `lisen`) is reported, never silently dropped.
// Semantic rules that span fields (duplicate names, alias traversal…) live in `semantic-checks.ts`.
import { z } from 'zod';

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
  /** Serve TLS on this port (certificates arrive with the certificates issue). Default false. */
  tls: z.boolean().default(false),
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
});

export const returnHandlerSchema = z.strictObject({
  type: z.literal('return'),
  /** nginx `return CODE [URL|TEXT]`. 301/302/303/307/308 take a URL. */
  status: z.number().int().min(100, 'an HTTP status code is from 100 to 999').max(999, 'an HTTP status code is from 100 to 999'),
  /** Redirect target for 3xx, or body text for other codes. Default empty. */
  body: z.string().default(''),
});

export const handlerSchema = z.discriminatedUnion('type', [staticHandlerSchema, returnHandlerSchema]);

export const locationSchema = z.strictObject({
  match: locationMatchSchema,
  handler: handlerSchema,
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
  /** nginx `location` blocks. A site with none serves its root as static files. */
  locations: z.array(locationSchema).default([]),
});

export const settingsSchema = z.strictObject({
  /** Port for sites with no explicit `listen`. Default 8080 (binding 80 is opt-in). */
  httpPort: port.default(8080),
  /** Port for TLS sites with no explicit `listen`. Default 8443. */
  httpsPort: port.default(8443),
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
});

export type BerthConfig = z.infer<typeof configSchema>;
/** What a client may send: defaults not yet filled in. */
export type BerthConfigInput = z.input<typeof configSchema>;
export type Site = z.infer<typeof siteSchema>;
export type Listen = z.infer<typeof listenSchema>;
export type Location = z.infer<typeof locationSchema>;
export type LocationMatch = z.infer<typeof locationMatchSchema>;
export type StaticHandler = z.infer<typeof staticHandlerSchema>;
export type ReturnHandler = z.infer<typeof returnHandlerSchema>;
export type Handler = z.infer<typeof handlerSchema>;
