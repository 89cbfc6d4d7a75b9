// Small helpers every content handler uses to answer: error pages, short bodies, redirects.
import type { OutgoingHttpHeaders } from 'node:http';
import { errorPageHtml, isBodyless, statusText } from './error-pages.js';
import type { ErrorLevel } from './error-log.js';
import { rawHeader } from './raw-headers.js';
import { requestLineOf, type RequestContext } from './request-context.js';

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

export function sendErrorPage(ctx: RequestContext, status: number, headers: OutgoingHttpHeaders = {}): void {
  sendBody(ctx, status, errorPageHtml(status), 'text/html; charset=utf-8', headers);
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
