// nginx `location` → a Berth location: the match from the modifier, the handler from the content
// directives (`return` wins, as in nginx's rewrite phase; then proxy_pass, uwsgi_pass,
// fastcgi_pass; else static files). Inherited settings (add_header, gzip, expires, *_set_header,
// *_param, timeouts) are read through the scope chain, as nginx merges them.
import type { z } from 'zod';
import type { handlerSchema, locationSchema } from '../../config/schema.js';
import type { WarningSink } from '../warnings.js';
import { addressSlug, normalizeAddress } from './addresses.js';
import type { Directive } from './parser.js';
import { argValues, markers, type Scope } from './scope.js';
import { isStockParam } from './stock-files.js';
import { parseTimeS } from './units.js';
import type { UpstreamInput } from './map-upstream.js';
import { BERTH_FORWARDING_DEFAULTS } from './forwarding.js';
import { DEFAULT_SPLIT_PATH_INFO } from '../../proxy/app-protocols/fastcgi-script.js';

export type LocationInput = z.input<typeof locationSchema>;
export type HandlerInput = z.input<typeof handlerSchema>;

/** What location mapping needs from the whole import. */
export interface LocationContext {
  sink: WarningSink;
  /** nginx upstream name → its mapping (id, app it belongs to). */
  upstreamByName: ReadonlyMap<string, { id: string; appId: string | null }>;
  /** Normalised socket address → app id (apps already in Berth and from uwsgi.ini files in this import). */
  appBySocket: ReadonlyMap<string, string>;
  /** Records which protocol uses an upstream; creates one for a bare address. Returns the upstream id. */
  useUpstream(nameOrAddress: { upstreamName: string } | { address: string }, protocol: UpstreamInput['protocol'], at: Directive): string;
}

const HSTS = 'strict-transport-security';

export function mapLocationMatch(d: Directive, sink: WarningSink): LocationInput['match'] | null {
  const args = argValues(d);
  let [modifier, path] = args as [string | undefined, string | undefined];
  if (args.length === 1 && modifier !== undefined) {
    // `location =/x` and `location /x`: the modifier may be glued to the path.
    if (modifier.startsWith('=') && modifier.length > 1) [modifier, path] = ['=', modifier.slice(1)];
    else if (modifier.startsWith('@')) {
      sink.add(d, 'location', `named location "${modifier}" is not in Berth's model; not carried over (try_files/error_page targets)`);
      return null;
    } else [modifier, path] = ['', modifier];
  }
  if (path === undefined || args.length > 2) {
    sink.add(d, 'location', `cannot read "location ${args.join(' ')}"; not carried over`);
    return null;
  }
  switch (modifier) {
    case '':
      return { kind: 'prefix', path };
    case '=':
      return { kind: 'exact', path };
    case '^~':
      return { kind: 'prefix-stop', path };
    case '~':
      return { kind: 'regex', path };
    case '~*':
      return { kind: 'regex-i', path };
    default:
      sink.add(d, 'location', `unknown location modifier "${modifier}"; not carried over`);
      return null;
  }
}

/** A server- or location-level `return`, as a return handler; null when there is none (rewrites: rewrites.ts). */
export function mapReturn(scope: Scope, sink: WarningSink): HandlerInput | null {
  const ret = scope.ownList('return').at(0);
  if (ret) {
    const args = argValues(ret);
    if (args.length === 1 && /^(https?:\/\/|\$scheme)/.test(args[0] as string)) return { type: 'return', status: 302, body: args[0] as string };
    const status = Number(args[0]);
    if (!/^\d{3}$/.test(args[0] ?? '') || args.length > 2) {
      sink.add(ret, 'return', `cannot read "return ${args.join(' ')}"; not carried over`);
      return null;
    }
    return { type: 'return', status, body: args[1] ?? '' };
  }
  return null;
}

export function mapLocationHandler(d: Directive, scope: Scope, ctx: LocationContext): HandlerInput | null {
  const ret = mapReturn(scope, ctx.sink);
  if (ret) {
    for (const name of ['proxy_pass', 'uwsgi_pass', 'fastcgi_pass', 'root', 'alias', 'try_files']) {
      for (const other of scope.ownList(name)) ctx.sink.add(other, name, 'never used: the return in this location answers first (as in nginx)');
    }
    return ret;
  }
  const proxy = scope.ownList('proxy_pass').at(-1);
  if (proxy) return mapProxy(proxy, d, scope, ctx);
  const uwsgi = scope.ownList('uwsgi_pass').at(-1);
  if (uwsgi) return mapPass(uwsgi, 'uwsgi', d, scope, ctx);
  const fastcgi = scope.ownList('fastcgi_pass').at(-1);
  if (fastcgi) return mapPass(fastcgi, 'fastcgi', d, scope, ctx);
  return mapStatic(scope, ctx.sink);
}

export function mapStatic(scope: Scope, sink: WarningSink): HandlerInput {
  const h: Extract<HandlerInput, { type: 'static' }> = { type: 'static' };
  const root = scope.ownList('root').at(-1);
  const alias = scope.ownList('alias').at(-1);
  if (root) h.root = root.args[0]?.value ?? '';
  if (alias) h.alias = alias.args[0]?.value ?? '';
  const index = scope.ownList('index');
  if (index.length > 0) h.index = index.flatMap(argValues);
  const autoindex = scope.one('autoindex');
  if (autoindex) h.autoindex = autoindex.args[0]?.value === 'on';
  const tryFiles = scope.ownList('try_files').at(-1);
  if (tryFiles) {
    const list = argValues(tryFiles);
    const last = list.at(-1) ?? '';
    if (last.startsWith('@')) sink.add(tryFiles, 'try_files', `the fallback "${last}" is a named location, which Berth does not have; not carried over`);
    else h.tryFiles = list;
  }
  const expires = mapExpires(scope, sink);
  if (expires !== undefined) h.expiresS = expires;
  const headers = addHeaders(scope, sink);
  if (Object.keys(headers).length > 0) h.addHeaders = headers;
  // nginx's gzip is off unless switched on; Berth's default is on, so the import says which.
  h.compress = scope.one('gzip')?.args[0]?.value === 'on';
  return h;
}

function mapExpires(scope: Scope, sink: WarningSink): number | undefined {
  const d = scope.one('expires');
  if (!d) return undefined;
  const args = argValues(d);
  const v = args[0] ?? '';
  if (args.length !== 1 || v === 'off') return undefined;
  if (v === 'epoch') return -1;
  if (v === 'max') return 315_360_000; // nginx `expires max`: Cache-Control max-age=315360000 (10 years)
  const s = parseTimeS(v);
  if (s === null || !Number.isInteger(s)) {
    sink.add(d, 'expires', `"expires ${args.join(' ')}" is not in Berth's model (a whole number of seconds, epoch or max); not carried over`);
    return undefined;
  }
  return s;
}

/** add_header name value [always]; Strict-Transport-Security belongs to the site's TLS settings. */
export function addHeaders(scope: Scope, sink: WarningSink): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of scope.get('add_header')) {
    const [name, value, always] = argValues(d);
    if (name === undefined || value === undefined) continue;
    if (name.toLowerCase() === HSTS) continue;
    if (always !== undefined) sink.add(d, 'add_header', `"always" is not in Berth's model: the header is added to successful responses only`);
    out[name] = value;
  }
  return out;
}

function timeout(scope: Scope, name: string, sink: WarningSink): number | undefined {
  const d = scope.one(name);
  if (!d) return undefined;
  const s = parseTimeS(d.args[0]?.value ?? '');
  if (s === null || s <= 0) {
    sink.add(d, name, `"${d.args[0]?.value ?? ''}" is not a positive time; the default (60 s) is used`);
    return undefined;
  }
  return s;
}

function mapProxy(pass: Directive, loc: Directive, scope: Scope, ctx: LocationContext): HandlerInput | null {
  const target = pass.args[0]?.value ?? '';
  const h: Extract<HandlerInput, { type: 'proxy' }> = { type: 'proxy' };
  if (target.includes('$')) {
    ctx.sink.add(pass, 'proxy_pass', `"${target}" uses variables, which Berth's proxy_pass does not; this location is not carried over`);
    return null;
  }
  const m = /^(https?):\/\/([^/]+)(\/.*)?$/.exec(target);
  if (!m) {
    ctx.sink.add(pass, 'proxy_pass', `"${target}" is not an http:// or https:// URL; this location is not carried over`);
    return null;
  }
  const [, scheme, hostPart, path] = m as unknown as [string, string, string, string | undefined];
  const named = ctx.upstreamByName.get(hostPart);
  if (named) {
    if (scheme === 'https') ctx.sink.add(pass, 'proxy_pass', 'TLS to an upstream group is not in Berth\'s model; Berth speaks plain HTTP to it');
    if (named.appId) {
      if (path !== undefined) ctx.sink.add(pass, 'proxy_pass', `the URI part "${path}" after an app's upstream is not in Berth's model; requests keep their own path`);
      appProxyHeaders(scope, ctx.sink);
      return { type: 'app', app: named.appId };
    }
    const id = ctx.useUpstream({ upstreamName: hostPart }, 'http', pass);
    // `proxy_pass http://NAME/uri`: the group with the location prefix replaced, which Berth's
    // `url` says the same way (registry.ts: a host without a port naming an upstream is that group).
    if (path !== undefined) h.url = `http://${id}${path}`;
    else h.upstream = id;
  } else {
    h.url = target;
  }
  const headers: Record<string, string> = {};
  let upgrade = false;
  let connection: string | null = null;
  for (const d of scope.get('proxy_set_header')) {
    const [name, value] = argValues(d);
    if (name === undefined || value === undefined) continue;
    const lower = name.toLowerCase();
    if (BERTH_FORWARDING_DEFAULTS[lower] === value) continue; // what Berth's proxy sends by itself
    if (lower === 'upgrade' && value === '$http_upgrade') upgrade = true;
    else if (lower === 'connection') connection = value;
    else headers[name] = value;
  }
  // The WebSocket recipe (Upgrade $http_upgrade + Connection upgrade) is Berth's `websocket` switch;
  // `Connection ""` is the keepalive recipe, which Berth does by itself.
  const wsConnection = connection !== null && /^(\$connection_upgrade|upgrade)$/i.test(connection);
  h.websocket = upgrade && wsConnection;
  if (upgrade && !wsConnection) headers.Upgrade = '$http_upgrade';
  if (connection !== null && connection !== '' && !h.websocket) headers.Connection = connection;
  scope.get('proxy_http_version');
  h.setHeaders = headers;
  const hide = scope.get('proxy_hide_header').flatMap(argValues);
  if (hide.length > 0) h.hideHeaders = hide;
  const c = timeout(scope, 'proxy_connect_timeout', ctx.sink);
  const r = timeout(scope, 'proxy_read_timeout', ctx.sink);
  const s = timeout(scope, 'proxy_send_timeout', ctx.sink);
  if (c !== undefined) h.connectTimeoutS = c;
  if (r !== undefined) h.readTimeoutS = r;
  if (s !== undefined) h.sendTimeoutS = s;
  warnStaticInPass(scope, ctx.sink, 'proxy_pass', loc);
  return h;
}

/**
 * An app location (Berth's export of an HTTP app): the client's Host, the forwarding headers and
 * the WebSocket recipe are what Berth's app handler sends by itself (handlers.ts APP_HTTP), as is
 * the keepalive recipe; any other header is not carried over.
 */
function appProxyHeaders(scope: Scope, sink: WarningSink): void {
  for (const d of scope.get('proxy_set_header')) {
    const [name, value] = argValues(d);
    if (name === undefined || value === undefined) continue;
    const lower = name.toLowerCase();
    if (BERTH_FORWARDING_DEFAULTS[lower] === value) continue;
    if (lower === 'host' && value === '$http_host') continue;
    if (lower === 'upgrade' && value === '$http_upgrade') continue;
    if (lower === 'connection' && /^(\$connection_upgrade|upgrade|)$/i.test(value)) continue;
    sink.add(d, d.name, `an app location sends the client's Host, the X-Forwarded-* headers and WebSocket upgrades as Berth does; "${name} ${value}" is not carried over`);
  }
  scope.get('proxy_http_version');
}

function mapPass(pass: Directive, protocol: 'uwsgi' | 'fastcgi', loc: Directive, scope: Scope, ctx: LocationContext): HandlerInput | null {
  const target = pass.args[0]?.value ?? '';
  if (target.includes('$')) {
    ctx.sink.add(pass, pass.name, `"${target}" uses variables, which Berth does not; this location is not carried over`);
    return null;
  }
  const hostPart = target.replace(/^(uwsgi|suwsgi|fastcgi):\/\//, '');
  const named = ctx.upstreamByName.get(hostPart);
  let upstream: string | null = null;
  let app: string | null = null;
  if (named) {
    if (named.appId) app = named.appId;
    else upstream = ctx.useUpstream({ upstreamName: hostPart }, protocol, pass);
  } else {
    const address = normalizeAddress(hostPart);
    if (address === null) {
      ctx.sink.add(pass, pass.name, `"${target}" is not an address Berth can use; this location is not carried over`);
      return null;
    }
    const appId = ctx.appBySocket.get(address);
    if (appId !== undefined) app = appId;
    else upstream = ctx.useUpstream({ address }, protocol, pass);
  }
  const params: Record<string, string> = {};
  for (const d of scope.get(`${protocol}_param`)) {
    const [name, value, ifNotEmpty] = argValues(d);
    if (name === undefined || value === undefined) continue;
    if (isStockParam(protocol, name, value)) continue;
    if (ifNotEmpty !== undefined) ctx.sink.add(d, d.name, `"${ifNotEmpty}" is not in Berth's model; the param is always sent`);
    params[name] = value;
  }
  const c = timeout(scope, `${protocol}_connect_timeout`, ctx.sink);
  const r = timeout(scope, `${protocol}_read_timeout`, ctx.sink);
  const s = timeout(scope, `${protocol}_send_timeout`, ctx.sink);
  if (app !== null) {
    if (Object.keys(params).length > 0 || c !== undefined || r !== undefined || s !== undefined) {
      ctx.sink.add(pass, pass.name, `this location now uses app "${app}"; its extra ${protocol}_param and timeout settings are not carried over`);
    }
    const phpApp = protocol === 'fastcgi' && named !== undefined;
    if (phpApp) {
      phpAppScript(scope, ctx.sink, app);
      takeScriptCheck(scope, ctx.sink, `has no effect in a ${pass.name} location in Berth (nginx only passes it on as DOCUMENT_ROOT and friends); not carried over`);
    }
    warnStaticInPass(scope, ctx.sink, pass.name, loc, phpApp ? ['alias', 'index'] : undefined);
    return { type: 'app', app };
  }
  const common = {
    upstream: upstream as string,
    params,
    ...(c !== undefined ? { connectTimeoutS: c } : {}),
    ...(r !== undefined ? { readTimeoutS: r } : {}),
    ...(s !== undefined ? { sendTimeoutS: s } : {}),
  };
  if (protocol === 'uwsgi') {
    warnStaticInPass(scope, ctx.sink, pass.name, loc);
    return { type: 'uwsgi', ...common };
  }
  const h: Extract<HandlerInput, { type: 'fastcgi' }> = { type: 'fastcgi', ...common };
  const split = scope.one('fastcgi_split_path_info');
  if (split?.args[0]) h.splitPathInfo = split.args[0].value;
  const index = scope.one('fastcgi_index');
  if (index?.args[0]) h.index = index.args[0].value;
  const root = scope.ownList('root').at(-1);
  if (root?.args[0]) h.root = root.args[0].value;
  takeScriptCheck(scope, ctx.sink, 'try_files in a FastCGI location is not in Berth\'s model; not carried over');
  return h;
}

/**
 * Debian's snippets/fastcgi-php.conf lines (and Berth's export of them) that are what Berth's FastCGI
 * client does by itself: `try_files $fastcgi_script_name =404` (or `$uri =404`: only an existing
 * .php file is passed, fastcgi-script.ts) and `set $path_info $fastcgi_path_info`, which only feeds
 * its PATH_INFO param. Any other try_files gets `otherwise`.
 */
function takeScriptCheck(scope: Scope, sink: WarningSink, otherwise: string): void {
  for (const d of scope.ownList('try_files')) if (!isScriptCheck(argValues(d))) sink.add(d, 'try_files', otherwise);
  for (const d of scope.peekOwn('set')) if (argValues(d).join(' ') === '$path_info $fastcgi_path_info') scope.used.add(d);
}

function isScriptCheck(args: readonly string[]): boolean {
  return args.length === 2 && (args[0] === '$fastcgi_script_name' || args[0] === '$uri') && args[1] === '=404';
}

/**
 * Berth's export of a php-fpm app location: `root` (the app's working dir), Debian's
 * fastcgi_split_path_info and `fastcgi_index index.php` are what Berth's app handler does by itself
 * (handlers.ts serveApp); a different split or index is not carried over.
 */
function phpAppScript(scope: Scope, sink: WarningSink, app: string): void {
  scope.ownList('root');
  const split = scope.one('fastcgi_split_path_info');
  if (split && split.args[0]?.value !== DEFAULT_SPLIT_PATH_INFO) sink.add(split, split.name, `app "${app}" splits the path with ${DEFAULT_SPLIT_PATH_INFO}; not carried over`);
  const index = scope.one('fastcgi_index');
  if (index && index.args[0]?.value !== 'index.php') sink.add(index, index.name, `app "${app}" uses index.php; not carried over`);
}

/** root/try_files/index in a location that passes everything to a backend do nothing in Berth. */
function warnStaticInPass(scope: Scope, sink: WarningSink, pass: string, loc: Directive, names = ['root', 'alias', 'try_files', 'index']): void {
  for (const name of names) {
    for (const d of scope.ownList(name)) {
      sink.add(d, name, `has no effect in a ${pass} location in Berth (nginx only passes it on as DOCUMENT_ROOT and friends); not carried over`);
    }
  }
  void loc;
}

/** For `# berth: app=ID` on a location (Berth's export). */
export function locationAppHint(d: Directive): string | null {
  return markers(d).app ?? null;
}

export function bareAddressUpstreamId(protocol: string, address: string): string {
  return `${protocol}-${addressSlug(address)}`.slice(0, 63);
}
