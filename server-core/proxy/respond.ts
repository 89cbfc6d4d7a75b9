// Small helpers every content handler uses to answer: error pages, short bodies, redirects.
// Every error answer goes through sendErrorPage, which is nginx's special response handler: the
// location's `error_page` for that status replaces the built-in page (takeErrorPage).
import type { OutgoingHttpHeaders } from 'node:http';
import { errorPageHtml, hasBuiltInPage, isBodyless, statusText } from './error-pages.js';
import type { ErrorLevel } from './error-log.js';
import { rawHeader } from './raw-headers.js';
import { MAX_INTERNAL_REDIRECTS, requestLineOf, type RequestContext } from './request-context.js';
import { expandVariables } from './variables.js';

/**
 * The status line's reason phrase, on HTTP/1.x only: HTTP/2 has none (RFC 9113 §8.3.2), and
 * node:http2's response warns on stderr when one is set.
 */
export function setReason(ctx: RequestContext, reason: string): void {
  if (ctx.req.httpVersion !== '2.0') ctx.res.statusMessage = reason;
}

/** nginx `return 444`: close the connection without a response. */
export const CLOSE_WITHOUT_RESPONSE = 444;

export function sendBody(ctx: RequestContext, status: number, body: string, contentType: string, headers: OutgoingHttpHeaders = {}): void {
  const { res } = ctx;
  if (res.headersSent) {
    // Too late for a clean answer: nginx closes the connection in this case too.
    res.destroy();
    return;
  }
  if (status === CLOSE_WITHOUT_RESPONSE) {
    ctx.req.socket.destroy();
    return;
  }
  const payload = Buffer.from(body, 'utf8');
  res.statusCode = status;
  setReason(ctx, statusText(status));
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) res.setHeader(name, value);
  if (isBodyless(status)) {
    res.end();
    return;
  }
  if (contentType !== '') res.setHeader('Content-Type', contentType); // '' = no type (nginx's empty pages)
  res.setHeader('Content-Length', payload.length);
  if (ctx.method === 'HEAD') {
    res.end();
    return;
  }
  ctx.bodyBytes += payload.length;
  res.end(payload);
}

/**
 * An error answer, as nginx finalizes a request with a status ≥ 300: the location's error page
 * for it when there is one (takeErrorPage), else the built-in page — or an empty body for codes
 * nginx has no page for (418, 422…). The caller returns `done` either way; after an error page
 * took over, the pipeline redirects to it (or its redirect went out already).
 */
export function sendErrorPage(ctx: RequestContext, status: number, headers: OutgoingHttpHeaders = {}): void {
  // An error page already took this request over (its redirect is pending): a later failure, such as
  // an intercepted upstream answer whose body then turns out malformed, must not answer it as well.
  if (ctx.errorPageRedirect !== null) return;
  if (ctx.location?.errorPages != null && takeErrorPage(ctx, status, headers)) return;
  if (hasBuiltInPage(status)) sendBody(ctx, status, errorPageHtml(status), 'text/html; charset=utf-8', headers);
  else sendBody(ctx, status, '', '', headers);
}

/**
 * Headers of the replaced answer that stay on the error page's, as nginx keeps them in
 * r->headers_out: a redirect's Location (`return 301` under `error_page 301 …`), basic auth's
 * WWW-Authenticate, a 416's Content-Range, and Berth's Allow on a 405 (RFC 9110 §15.5.6). The
 * rest (a directory redirect's expires/add_header) is worked out for the page's own answer.
 */
const KEPT_ON_ERROR_PAGE = new Set(['location', 'www-authenticate', 'content-range', 'allow']);
/** Handlers that send the request body upstream. */
const PASSING_HANDLERS = new Set(['proxy', 'uwsgi', 'fastcgi', 'app']);
/** Codes an error page's URL target redirects with (`=301 https://…`); any other is 302 (ngx_http_send_error_page). */
const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);

/**
 * nginx ngx_http_special_response_handler + ngx_http_send_error_page (1.22): when the current
 * location's error pages name `status` — and no error page was used yet (recursive_error_pages
 * off), the internal-redirect budget is not spent (nginx skips error pages after a redirection
 * cycle) and nothing was sent — the page takes over: a URI target becomes the next internal
 * redirect (ctx.errorPageRedirect), sent with the original status unless `response` says
 * otherwise, the method GET unless HEAD, the request's args dropped; any other target is a 302
 * (or the `response` redirect code) to it. False when no page applies.
 */
function takeErrorPage(ctx: RequestContext, status: number, headers: OutgoingHttpHeaders): boolean {
  const page = ctx.location?.errorPages?.get(status);
  const { res } = ctx;
  if (page === undefined || ctx.errorPageUsed || ctx.internalRedirects > MAX_INTERNAL_REDIRECTS || res.headersSent) return false;
  ctx.errorPageUsed = true;
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && KEPT_ON_ERROR_PAGE.has(name.toLowerCase())) res.setHeader(name, value);
  // nginx clears the Content-Type (an X-Accel-Redirect upstream's): the page has its own.
  ctx.contentType = null;
  // Whatever upstream answered is done with; the page's own handler decides about a client EOF.
  if (res.abortOnClientEnd === true) res.abortOnClientEnd = false;
  // nginx sets r->err_status (`=CODE`'s, 0 for `=`: "000") before it expands the target, so `$status` there is that.
  const statusVariable = page.response === undefined ? String(status) : page.response === 'page' ? '000' : String(page.response);
  const target = page.target.includes('$') ? expandVariables(page.target, ctx, (name) => (name === 'status' ? statusVariable : undefined)) : page.target;
  if (target.startsWith('/')) {
    ctx.errStatus = page.response === undefined ? status : page.response === 'page' ? 0 : page.response;
    if (ctx.method !== 'HEAD') ctx.method = 'GET';
    // A body nobody read yet goes on with the page's request, as nginx passes it to a proxied page;
    // one an upstream may have taken (the error came from a passing location), or a 413's, does not.
    if (status === 413 || PASSING_HANDLERS.has(ctx.location?.handler.type ?? '')) ctx.bodyConsumed = true;
    const q = target.indexOf('?');
    ctx.errorPageRedirect = { kind: 'internal-redirect', uri: q < 0 ? target : target.slice(0, q), args: q < 0 ? '' : target.slice(q + 1) };
    return true;
  }
  const code = typeof page.response === 'number' && REDIRECT_CODES.has(page.response) ? page.response : 302;
  // Not made absolute: only a target starting with `/` would be, and that is an internal redirect.
  sendBody(ctx, code, errorPageHtml(code), 'text/html; charset=utf-8', { Location: target });
  return true;
}

/**
 * nginx ngx_http_upstream_intercept_errors, for a location with `interceptErrors`: an upstream
 * answer whose status (≥ 300) has an error page here is not passed on; the request is finalized
 * with that status — the page, or the built-in one when a page was used already — keeping only a
 * 401's WWW-Authenticate. True when the caller must drop the upstream's answer.
 */
export function interceptUpstreamError(ctx: RequestContext, status: number, rawHeaders: readonly string[]): boolean {
  const location = ctx.location;
  if (status < 300 || location === null || !location.interceptErrors || location.errorPages?.has(status) !== true) return false;
  const kept: OutgoingHttpHeaders = {};
  if (status === 401) {
    const challenges: string[] = [];
    for (let i = 0; i < rawHeaders.length; i += 2) if ((rawHeaders[i] as string).toLowerCase() === 'www-authenticate') challenges.push(rawHeaders[i + 1] ?? '');
    if (challenges.length > 0) kept['WWW-Authenticate'] = challenges.length === 1 ? challenges[0] : challenges;
  }
  sendErrorPage(ctx, status, kept);
  return true;
}

/** The status an answer goes out with: an error page's (nginx r->err_status), else the handler's own. */
export function answerStatus(ctx: RequestContext, status: number): number {
  return ctx.errStatus !== 0 ? ctx.errStatus : status;
}

/** Redirect with an nginx-style page; a target starting with `/` is made absolute (nginx `absolute_redirect on`). */
export function sendRedirect(ctx: RequestContext, status: number, target: string, extra: Record<string, string> = {}): void {
  sendErrorPage(ctx, status, { ...extra, Location: absoluteUrl(ctx, target) });
}

/**
 * `scheme://host[:port]` + path, as nginx builds it: the request's Host without its port (else
 * the site's name, else the listen address) and the port the request arrived on, omitted
 * when it is the scheme's default (nginx `port_in_redirect on`).
 */
export function absoluteUrl(ctx: RequestContext, target: string): string {
  if (!target.startsWith('/')) return target;
  const { protocol, port, address } = ctx.listener;
  let host = ctx.host;
  if (host === null) {
    const name = ctx.site?.serverName ?? '';
    host = name !== '' && !/[*~]/.test(name) && !name.startsWith('.') ? name : address.includes(':') ? `[${address}]` : address;
  }
  const defaultPort = protocol === 'https' ? 443 : 80;
  return `${protocol}://${host}${port === defaultPort ? '' : `:${port}`}${target}`;
}

/** An error.log line about this request, with nginx's trailing request facts. */
export function logRequestError(ctx: RequestContext, level: ErrorLevel, message: string): void {
  ctx.errorLog.write(level, message, {
    connection: ctx.connection,
    client: ctx.remoteAddress,
    server: ctx.site?.serverName ?? '',
    request: requestLineOf(ctx),
    // The raw field: an HTTP/2 request's Host is made from :authority there (tls/h2-request-fields.ts).
    host: rawHeader(ctx.req.rawHeaders, 'host'),
  });
}
