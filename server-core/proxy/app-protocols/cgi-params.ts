// The CGI variables nginx sends to app servers: its `uwsgi_params` and `fastcgi_params` files
// (conf/uwsgi_params, conf/fastcgi_params in the nginx source), plus every request header as
// HTTP_* (uwsgi_pass_request_headers / fastcgi_pass_request_headers on). Values are byte strings
// (latin1 in JavaScript) so a UTF-8 URI passes through unchanged.
import type { RequestContext } from '../request-context.js';
import { expandVariables, realpathOr, variableValue, type HandlerVariables } from '../variables.js';

export type CgiParams = Array<[string, string]>;

/** nginx `$request_uri`-style facts, plus what the FastCGI file mapping decided. */
export interface CgiFacts {
  /** CONTENT_LENGTH of the body sent ('' when none). */
  contentLength: string;
  documentRoot: string;
  /** FastCGI only: SCRIPT_NAME, SCRIPT_FILENAME, PATH_INFO. */
  script?: { name: string; filename: string; pathInfo: string };
}

/** Headers nginx does not pass as HTTP_* because the CGI variables above already carry them. */
const NOT_AS_HTTP = new Set(['content-type', 'content-length']);

/** nginx ignores header names with `_` (underscores_in_headers off) and anything not a token. */
const HEADER_NAME = /^[A-Za-z0-9-]+$/;

function headerParams(rawHeaders: readonly string[]): CgiParams {
  const merged = new Map<string, string>();
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] ?? '';
    if (!HEADER_NAME.test(name)) continue;
    const lower = name.toLowerCase();
    if (NOT_AS_HTTP.has(lower)) continue;
    const key = `HTTP_${lower.toUpperCase().replace(/-/g, '_')}`;
    const value = rawHeaders[i + 1] ?? '';
    const prev = merged.get(key);
    // Repeated headers are joined as one field (RFC 9110 §5.3); Cookie with "; " (RFC 6265 §5.4).
    merged.set(key, prev === undefined ? value : `${prev}${lower === 'cookie' ? '; ' : ', '}${value}`);
  }
  return [...merged];
}

function header(ctx: RequestContext, name: string): string {
  const v = ctx.req.headers[name];
  return Array.isArray(v) ? v.join(', ') : (v ?? '');
}

/** Encodes a JS string as nginx would send its bytes: UTF-8, then viewed as latin1. */
export function bytesOf(s: string): string {
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(s) ? s : Buffer.from(s, 'utf8').toString('latin1');
}

function common(ctx: RequestContext, facts: CgiFacts): CgiParams {
  const v = (name: string): string => variableValue(ctx, name) ?? '';
  const https = ctx.listener.protocol === 'https';
  const params: CgiParams = [
    ['QUERY_STRING', ctx.args],
    ['REQUEST_METHOD', ctx.method || 'GET'],
    ['CONTENT_TYPE', header(ctx, 'content-type')],
    ['CONTENT_LENGTH', facts.contentLength],
    ['REQUEST_URI', v('request_uri')],
  ];
  const rest: CgiParams = [
    ['DOCUMENT_ROOT', facts.documentRoot],
    ['SERVER_PROTOCOL', `HTTP/${ctx.req.httpVersion === '2.0' ? '2.0' : ctx.req.httpVersion}`],
    ['REQUEST_SCHEME', ctx.listener.protocol],
    ...(https ? ([['HTTPS', 'on']] as CgiParams) : []),
    ['REMOTE_ADDR', ctx.remoteAddress],
    ['REMOTE_PORT', String(ctx.req.socket.remotePort ?? '')],
    ['SERVER_PORT', String(ctx.listener.port)],
    ['SERVER_NAME', ctx.site?.serverName ?? ''],
  ];
  return params.concat(rest);
}

/** nginx's uwsgi_params. PATH_INFO is `$document_uri` (the decoded path); SCRIPT_NAME is left to the app. */
export function uwsgiParams(ctx: RequestContext, facts: CgiFacts, extra: Readonly<Record<string, string>>): CgiParams {
  const params = common(ctx, facts);
  params.splice(5, 0, ['PATH_INFO', ctx.uri]);
  return finish(ctx, params, extra, rootVariables(facts));
}

/** nginx's fastcgi_params plus SCRIPT_FILENAME and PATH_INFO (Debian's snippets/fastcgi-php.conf). */
export function fastcgiParams(ctx: RequestContext, facts: CgiFacts, extra: Readonly<Record<string, string>>): CgiParams {
  const script = facts.script ?? { name: ctx.uri, filename: '', pathInfo: '' };
  const params = common(ctx, facts);
  params.splice(4, 0, ['SCRIPT_NAME', script.name]);
  params.splice(6, 0, ['DOCUMENT_URI', ctx.uri]);
  params.push(
    ['SCRIPT_FILENAME', script.filename],
    ['PATH_INFO', script.pathInfo],
    ['GATEWAY_INTERFACE', 'CGI/1.1'],
    ['SERVER_SOFTWARE', 'berth'],
    ['SERVER_ADDR', ctx.req.socket.localAddress ?? ctx.listener.address],
    // php-cgi's cgi.force_redirect wants this (nginx sets it in fastcgi_params).
    ['REDIRECT_STATUS', '200'],
  );
  const roots = rootVariables(facts);
  // The names of nginx's most copied PHP line, `SCRIPT_FILENAME $document_root$fastcgi_script_name;`.
  const own: HandlerVariables = (name) => (name === 'fastcgi_script_name' ? script.name : name === 'fastcgi_path_info' ? script.pathInfo : roots(name));
  return finish(ctx, params, extra, own);
}

/** `$document_root` as the handler decided it (a fastcgi `root`, else the site's). */
function rootVariables(facts: CgiFacts): HandlerVariables {
  return (name) => (name === 'document_root' ? facts.documentRoot : name === 'realpath_root' ? realpathOr(facts.documentRoot) : undefined);
}

/** Headers as HTTP_*, then the location's params (overriding; an empty value removes the variable). */
function finish(ctx: RequestContext, base: CgiParams, extra: Readonly<Record<string, string>>, own: HandlerVariables): CgiParams {
  const out = new Map<string, string>();
  for (const [k, val] of base) out.set(k, val);
  for (const [k, val] of headerParams(ctx.req.rawHeaders)) if (!out.has(k)) out.set(k, val);
  for (const [k, template] of Object.entries(extra)) {
    const val = expandVariables(template, ctx, own);
    if (val === '') out.delete(k);
    else out.set(k, val);
  }
  return [...out].map(([k, val]) => [bytesOf(k), bytesOf(val)]);
}
