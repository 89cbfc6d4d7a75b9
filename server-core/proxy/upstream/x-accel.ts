// nginx X-Accel-Redirect (ngx_http_upstream_process_headers, nginx 1.22), for every upstream kind
// (HTTP, uwsgi, FastCGI): an answer carrying `X-Accel-Redirect: /uri[?args]` is not sent to the
// client, whatever its status; the upstream's body is dropped and the request is internally
// redirected to that URI, which may select an `internal` location.
// - The value is read as ngx_http_parse_unsafe_uri does: `?` splits off the args; without one the
//   request has no args any more (ngx_http_internal_redirect never keeps the old ones); %XX is
//   decoded; an empty value, a NUL or a `..` segment is unsafe → 404.
// - `@name` names a named location, which Berth does not have: 500, nginx's answer to a name it
//   cannot find ("could not find named location").
// - Any other value not starting with `/` matches no location: 404.
// - The method becomes GET unless it is HEAD (`r->method = NGX_HTTP_GET`).
// - Only the upstream headers nginx's table marks `redirect` survive: Content-Type (the redirected
//   response keeps it over the file's own type), Set-Cookie, Content-Disposition, Cache-Control, Expires.
import { rawHeader } from '../raw-headers.js';
import type { ContentResult, RequestContext } from '../request-context.js';
import { logRequestError, sendErrorPage } from '../respond.js';

/** The lowercased header names nginx copies before the redirect, Content-Type aside. */
const KEPT = new Set(['set-cookie', 'content-disposition', 'cache-control', 'expires']);

/** The X-Accel-Redirect value of an upstream answer, or null (the first field counts). */
export function accelRedirectOf(rawHeaders: readonly string[]): string | null {
  return rawHeader(rawHeaders, 'x-accel-redirect') ?? null;
}

export type AccelTarget = { kind: 'uri'; uri: string; args: string } | { kind: 'unsafe' } | { kind: 'named' };

/** ngx_http_parse_unsafe_uri on the header value (latin1 as node gives it; decoded as UTF-8). */
export function parseAccelTarget(value: string): AccelTarget {
  if (value.startsWith('@')) return { kind: 'named' };
  if (value === '' || value.startsWith('?')) return { kind: 'unsafe' };
  const q = value.indexOf('?');
  const raw = q < 0 ? value : value.slice(0, q);
  const args = q < 0 ? '' : value.slice(q + 1);
  const uri = unescape(raw);
  if (uri.includes('\0') || hasDotDotSegment(uri)) return { kind: 'unsafe' };
  return { kind: 'uri', uri, args };
}

/** `..` as a whole segment: at the start (`../x`), inside (`/a/../b`) or at the end (`/a/..`). */
function hasDotDotSegment(uri: string): boolean {
  return uri.split('/').includes('..');
}

/** %XX → the byte, the rest as sent; the bytes are read as UTF-8 like the request's own URI. */
function unescape(s: string): string {
  if (!s.includes('%')) return Buffer.from(s, 'latin1').toString('utf8');
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const hex = s.slice(i + 1, i + 3);
    if (s[i] === '%' && /^[0-9a-fA-F]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else bytes.push(s.charCodeAt(i) & 0xff);
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * Takes over the request for an upstream answer with X-Accel-Redirect `value`: the surviving
 * headers go on the client's response, the method and body change as nginx's do, and the result
 * is the internal redirect for the pipeline — or `done` after nginx's 404/500 for a bad value.
 * The caller drops the upstream's body.
 */
export function acceptAccelRedirect(ctx: RequestContext, rawHeaders: readonly string[], value: string): ContentResult {
  const { res } = ctx;
  const kept = new Map<string, { name: string; values: string[] }>();
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    const lower = name.toLowerCase();
    const v = rawHeaders[i + 1] ?? '';
    if (lower === 'content-type') ctx.contentType = v;
    else if (KEPT.has(lower)) {
      const entry = kept.get(lower);
      if (entry) entry.values.push(v);
      else kept.set(lower, { name, values: [v] });
    }
  }
  for (const { name, values } of kept.values()) res.setHeader(name, values.length === 1 ? (values[0] as string) : values);
  if (ctx.method !== 'HEAD') ctx.method = 'GET';
  ctx.bodyConsumed = true;
  // The upstream is done with: whoever serves the redirect decides whether a client EOF ends it.
  if (res.abortOnClientEnd === true) res.abortOnClientEnd = false;
  const target = parseAccelTarget(value);
  if (target.kind === 'named') {
    logRequestError(ctx, 'error', `could not find named location "${value}"`);
    sendErrorPage(ctx, 500);
    return { kind: 'done' };
  }
  if (target.kind === 'unsafe') {
    logRequestError(ctx, 'error', `unsafe URI "${value}" was detected`);
    sendErrorPage(ctx, 404);
    return { kind: 'done' };
  }
  if (!target.uri.startsWith('/')) {
    // nginx redirects and finds no location for it; Berth's pipeline wants a path.
    sendErrorPage(ctx, 404);
    return { kind: 'done' };
  }
  return { kind: 'internal-redirect', uri: target.uri, args: target.args };
}
