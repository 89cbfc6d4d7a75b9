// nginx variables used in `return` URLs/texts, `alias` and `try_files` (`$host$request_uri`, `$1`),
// proxy_set_header values, uwsgi/fastcgi params and added headers. Unknown names stay as written.
// A handler may know more (FastCGI's `$fastcgi_script_name`, `$fastcgi_path_info`: cgi-params.ts).
import { realpathSync } from 'node:fs';
import { hostname } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { sameLower } from './http-grammar.js';
import { rawHeader } from './raw-headers.js';
import { requestLineOf, type RequestContext } from './request-context.js';

const VARIABLE = /\$(?:\{(\w+)\}|(\d)|([A-Za-z_]\w*))/g;

/** Variables only one handler knows (FastCGI's `$fastcgi_script_name`…): looked up before the common ones. */
export type HandlerVariables = (name: string) => string | undefined;

export function expandVariables(template: string, ctx: RequestContext, own?: HandlerVariables): string {
  if (!template.includes('$')) return template;
  return template.replace(VARIABLE, (whole, braced: string | undefined, digit: string | undefined, word: string | undefined) => {
    const name = braced ?? digit ?? word ?? '';
    return own?.(name) ?? variableValue(ctx, name) ?? whole;
  });
}

/** nginx `$request_uri`: path and query as sent; an absolute-form target (`GET http://host/p`) loses its scheme and host. */
export function requestUri(ctx: RequestContext): string {
  const url = ctx.req.url ?? '/';
  // Origin form (almost every request) needs no rewriting.
  if (url.charCodeAt(0) === 47) return url;
  return url.replace(/^https?:\/\/[^/?#]*/i, '') || '/';
}

export function variableValue(ctx: RequestContext, name: string): string | undefined {
  if (/^\d+$/.test(name)) return ctx.captures.positional[Number(name)] ?? '';
  if (Object.hasOwn(ctx.captures.named, name)) return ctx.captures.named[name] ?? '';
  switch (name) {
    case 'scheme':
      return ctx.listener.protocol;
    case 'host':
      return ctx.host ?? ctx.site?.serverName ?? ctx.listener.address;
    case 'server_name':
      return ctx.site?.serverName ?? '';
    case 'server_port':
      return String(ctx.listener.port);
    case 'request_uri':
      return requestUri(ctx);
    case 'uri':
    case 'document_uri':
      return ctx.uri;
    case 'args':
    case 'query_string':
      return ctx.args;
    case 'is_args':
      return ctx.args === '' ? '' : '?';
    case 'request_method':
      return ctx.method;
    case 'status':
      // nginx: r->err_status when an error page is being served, else the response's status.
      return String(ctx.errStatus !== 0 ? ctx.errStatus : ctx.res.statusCode);
    case 'remote_addr':
      return ctx.remoteAddress;
    case 'remote_port':
      return String(ctx.req.socket.remotePort ?? '');
    case 'remote_user':
      return ctx.remoteUser ?? '';
    case 'server_addr':
      return ctx.req.socket.localAddress ?? ctx.listener.address;
    case 'server_protocol':
      return `HTTP/${ctx.req.httpVersion}`;
    case 'request':
      return requestLineOf(ctx);
    case 'https':
      return ctx.listener.protocol === 'https' ? 'on' : '';
    case 'content_type':
      return rawHeader(ctx.req.rawHeaders, 'content-type') ?? '';
    case 'content_length':
      return rawHeader(ctx.req.rawHeaders, 'content-length') ?? '';
    case 'hostname':
      return hostname();
    case 'document_root':
      return documentRoot(ctx);
    case 'realpath_root':
      return realpathOr(documentRoot(ctx));
    case 'proxy_add_x_forwarded_for': {
      const xff = headerVariable(ctx.req.rawHeaders, 'x_forwarded_for');
      return xff === '' ? ctx.remoteAddress : `${xff}, ${ctx.remoteAddress}`;
    }
    default:
      // nginx's prefixed families; an absent header, cookie or argument is the empty string.
      if (name.startsWith('http_')) return headerVariable(ctx.req.rawHeaders, name.slice(5));
      if (name.startsWith('cookie_')) return cookieVariable(ctx.req.rawHeaders, name.slice(7));
      if (name.startsWith('arg_')) return argVariable(ctx.args, name.slice(4));
      return undefined;
  }
}

/** nginx `$document_root`: the `root` (or `alias`) in force for the request's location, else the site's. */
function documentRoot(ctx: RequestContext): string {
  const h = ctx.location?.handler;
  let given: string | undefined;
  if (h && (h.type === 'static' || h.type === 'fastcgi')) given = h.root ?? (h.type === 'static' && h.alias !== undefined ? expandVariables(h.alias, ctx) : undefined);
  if (given === undefined) return ctx.site?.root ?? '';
  // A relative root is the data dir's, as static-files.ts resolves it (nginx: its prefix).
  return isAbsolute(given) ? given : resolve(ctx.table.runtime.dataDir, given);
}

/** nginx `$realpath_root`: symlinks resolved (a deploy that flips a `current` link); as given when it does not resolve. */
export function realpathOr(path: string): string {
  if (path === '') return path;
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/**
 * `$http_<name>`: the request header whose lowercased name, with `-` as `_`, is `name`. Repeated
 * fields are joined with ", " (Cookie with "; "), as nginx 1.23+ does for every header.
 */
function headerVariable(raw: readonly string[], name: string): string {
  const lower = name.toLowerCase().replace(/_/g, '-');
  let out: string | null = null;
  for (let i = 0; i < raw.length; i += 2) {
    if (!sameLower(raw[i] ?? '', lower)) continue;
    const value = raw[i + 1] ?? '';
    out = out === null ? value : `${out}${lower === 'cookie' ? '; ' : ', '}${value}`;
  }
  return out ?? '';
}

/** `$cookie_<name>`: the value of that cookie (the name compared without case, as nginx does). */
function cookieVariable(raw: readonly string[], name: string): string {
  const lower = name.toLowerCase();
  for (let i = 0; i < raw.length; i += 2) {
    if (!sameLower(raw[i] ?? '', 'cookie')) continue;
    for (const pair of (raw[i + 1] ?? '').split(';')) {
      const eq = pair.indexOf('=');
      if (eq > 0 && pair.slice(0, eq).trim().toLowerCase() === lower) return pair.slice(eq + 1).trim();
    }
  }
  return '';
}

/** `$arg_<name>`: the first query argument of that name (without case), not decoded, as nginx gives it. */
function argVariable(args: string, name: string): string {
  if (args === '') return '';
  const lower = name.toLowerCase();
  for (const part of args.split('&')) {
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    if (key.toLowerCase() === lower) return eq < 0 ? '' : part.slice(eq + 1);
  }
  return '';
}
