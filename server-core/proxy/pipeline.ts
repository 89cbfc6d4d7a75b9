// One request, in nginx's fixed phase order:
//   parse target + Host → find site (server-names) → find location (locations)
//   (server-level `rewrite` rules run just before that: rewrite.ts)
//   → rewrite (the location's `rewrite` rules; `last` goes back to "find location";
//     a `return` location answers here, as nginx's rewrite module does)
//   → preaccess + access (access/access-phase: limit_req, allow/deny, basic auth) → content (content-handlers)
//   → log (access-log, when the response closes).
// Internal redirects (index, try_files fallback, an upstream's X-Accel-Redirect, an error page)
// go back to the server rewrites and "find location"; with a location's `last` rewrites, at most
// 10 times like nginx (NGX_HTTP_MAX_URI_CHANGES); only they (and rewritten URIs) may select an
// `internal` location, which answers a client's own request with 404.
// Error pages (nginx `error_page`): any error answer after the location is found goes through
// respond.ts sendErrorPage, which may leave an internal redirect to the page in
// ctx.errorPageRedirect instead of answering; the loop below takes it like a handler's redirect.
import type { AccessLog } from './access-log.js';
import { AccessPhase } from './access/access-phase.js';
import { runContentHandler } from './content-handlers.js';
import { SERVER_HEADER } from './error-pages.js';
import type { ErrorLog } from './error-log.js';
import type { ProxyRequest, ProxyResponse } from './http-types.js';
import { recordRequest } from './metrics.js';
import { NO_CAPTURES, selectLocation, type Captures } from './locations.js';
import { rawHeader, rawHeaderCount } from './raw-headers.js';
import { MAX_INTERNAL_REDIRECTS, requestLineOf, type ContentResult, type InternalRedirect, type ListenerInfo, type RequestContext } from './request-context.js';
import { normalizePath, parseRequestTarget } from './request-target.js';
import { logRequestError, sendErrorPage, sendRedirect } from './respond.js';
import { encodePath } from './static-files.js';
import { runRewrites } from './rewrite.js';
import type { RoutingTable } from './routing-table.js';
import { applyHttpsPolicy, type TlsPortOf } from './tls/https-policy.js';
import { normalizeHost, selectByHost } from './server-names.js';
import { duplicateFieldReason } from './unique-fields.js';

const DONE: ContentResult = { kind: 'done' };

export interface PipelineDeps {
  accessLog: AccessLog;
  errorLog: ErrorLog;
  clock: () => Date;
  /** Rate-limit buckets and htpasswd files; one per process when not given. */
  access?: AccessPhase;
  /** The bound port of a TLS config port, for HTTP→HTTPS redirects (tls/https-policy.ts). */
  tlsPortOf?: TlsPortOf;
}

const processAccessPhase = new AccessPhase();

export function handleRequest(
  req: ProxyRequest,
  res: ProxyResponse,
  listener: ListenerInfo,
  table: RoutingTable,
  connection: number,
  deps: PipelineDeps,
): void {
  res.setHeader('Server', SERVER_HEADER);
  const ctx: RequestContext = {
    req,
    res,
    table,
    listener,
    connection,
    startedMs: performance.now(),
    remoteAddress: req.socket.remoteAddress ?? '-',
    errorLog: deps.errorLog,
    host: null,
    uri: '/',
    args: '',
    method: req.method ?? '',
    bodyConsumed: false,
    contentType: null,
    encodedSlash: false,
    site: null,
    location: null,
    captures: NO_CAPTURES,
    internalRedirects: 0,
    rewritten: false,
    rewriteBreak: false,
    bodyBytes: 0,
    remoteUser: undefined,
    errStatus: 0,
    errorPageUsed: false,
    errorPageRedirect: null,
  };
  // 'close' comes once per response (Http1Response and node:http2's both): `on` spares once's wrapper.
  res.on('close', () => logPhase(ctx, deps));
  void runPhases(ctx, deps.access ?? processAccessPhase, deps.tlsPortOf);
}

/** The phases; a handler that throws gets nginx's 500, never an unhandled rejection. */
async function runPhases(ctx: RequestContext, access: AccessPhase, tlsPortOf?: TlsPortOf): Promise<void> {
  // try/catch in here rather than `.catch(…)` on the call: no closure and no second promise per request.
  try {
    const { req, table, listener } = ctx;
    const route = table.ports.get(listener.configPort);

    // Parse: bad requests are still logged under the port's default site, as nginx does.
    const target = parseRequestTarget(req.url ?? '');
    const hostHeaders = rawHeaderCount(req.rawHeaders, 'host');
    // HTTP/2 carries the host in `:authority` (RFC 9113 §8.3.1). Raw lookups: `req.headers` is built on first use.
    const rawHost = target.ok && target.host !== null ? target.host : (rawHeader(req.rawHeaders, 'host') ?? authority(req.headers[':authority']));
    const host = rawHost === undefined ? null : normalizeHost(rawHost);
    ctx.site = route ? selectByHost(route.names, host) : null;
    if (!target.ok) return sendErrorPage(ctx, 400);
    if (req.duplicateField !== undefined) {
      // An HTTP/2 request (the HTTP/1.1 engine refuses these heads itself), logged as that engine logs them.
      logRequestError(ctx, 'info', `client sent ${duplicateFieldReason(req.duplicateField)} (400) while reading the client request`);
      return sendErrorPage(ctx, 400);
    }
    if (hostHeaders > 1) return sendErrorPage(ctx, 400);
    // RFC 9112 §3.2: an HTTP/1.1 request without Host is a 400.
    if (rawHost === undefined && req.httpVersion === '1.1') return sendErrorPage(ctx, 400);
    if (rawHost !== undefined && host === null) return sendErrorPage(ctx, 400);
    ctx.host = host;
    ctx.uri = target.path;
    ctx.args = target.args;
    ctx.encodedSlash = target.encodedSlash;

    const site = ctx.site;
    if (!site) return sendErrorPage(ctx, 404);
    if (applyHttpsPolicy(ctx, tlsPortOf)) return;
    const maxBody = site.site.limits.maxBodyBytes;
    // A Content-Length over the limit is answered below, at nginx's find-config step (after an
    // `internal` location's 404, with the location's error page): the engine would answer it at
    // once, without either, so it gets no limit then. Otherwise it enforces the limit on the body
    // as it streams (a chunked one).
    const tooLarge = maxBody > 0 && Number(rawHeader(req.rawHeaders, 'content-length') ?? 0) > maxBody;
    req.setBodyLimit?.(tooLarge ? 0 : maxBody);

    // Access runs for the first location that is not a `return` (access-phase.ts), and again after
    // an error page's redirect: nginx re-runs allow/deny and auth_basic for the page's location, so
    // a site whose rules refused the request refuses its error page too (the built-in page goes
    // out); limit_req counts once per request (`accessRan`).
    let accessDone = false;
    let accessRan = false;
    let redirect: InternalRedirect | null = null;
    // nginx's server rewrite phase runs once the site is known and again after each internal
    // redirect (ngx_http_internal_redirect restarts there), not after a location's `last`.
    let serverRewrites = true;
    for (;;) {
      if (redirect !== null) {
        const next = normalizePath(redirect.uri);
        if (next === null || !redirect.uri.startsWith('/')) {
          logRequestError(ctx, 'error', `invalid internal redirect to "${redirect.uri}"`);
          sendErrorPage(ctx, 500);
        } else if (++ctx.internalRedirects > MAX_INTERNAL_REDIRECTS) {
          // Past the budget sendErrorPage uses no error page (nginx: uri_changes is 0).
          logRequestError(ctx, 'error', `rewrite or internal redirection cycle while internally redirecting to "${next}"`);
          sendErrorPage(ctx, 500);
        } else {
          ctx.uri = next;
          ctx.args = redirect.args;
          redirect = null;
          // ngx_http_internal_redirect: the server rewrites run again, the location's prefix counts
          // again (valid_location), and `$1`… are gone; named captures are variables and stay.
          serverRewrites = true;
          ctx.rewriteBreak = false;
          ctx.captures = dropPositional(ctx.captures);
        }
        if (redirect !== null) {
          redirect = takeErrorPageRedirect(ctx);
          if (redirect === null) return;
          accessDone = false;
          continue;
        }
      }
      if (serverRewrites) {
        serverRewrites = false;
        // nginx runs the server rewrites with the server's own location config
        // (ngx_http_internal_redirect resets r->loc_conf): their redirect or 500 gets the site's
        // error pages, not those of the location a previous pass chose.
        ctx.location = site.fallback;
        if (runRewrites(ctx, site.rewrites) === 'answered') {
          redirect = takeErrorPageRedirect(ctx);
          if (redirect === null) return;
          accessDone = false;
          continue;
        }
      }
      const hit = selectLocation(site.locations, ctx.uri) ?? { location: site.fallback, captures: NO_CAPTURES };
      ctx.location = hit.location;
      // A regex location's match sets the captures; an exact or prefix one leaves the last match's
      // (a server rewrite's `$1` reaches a prefix location, as in nginx).
      if (hit.location.regex !== null) ctx.captures = withNamed(hit.captures, ctx.captures);
      let result = DONE;
      // nginx's find-config phase, in its order, for every location chosen: an `internal` location
      // refuses a client's own request (404; a rewritten one is internal), then
      // client_max_body_size by Content-Length (413, unless the body was dropped already: a 413's
      // own page), then the auto-redirect.
      if (hit.location.internal && ctx.internalRedirects === 0 && !ctx.rewritten) sendErrorPage(ctx, 404);
      else if (tooLarge && !ctx.bodyConsumed) {
        // nginx drops keep-alive after a 413 (ngx_http_special_response_handler): the body is not read.
        // HTTP/1 only: HTTP/2 has no Connection field (RFC 9113 §8.2.2; node:http2 drops it with a warning).
        if (req.httpVersion !== '2.0') ctx.res.setHeader('Connection', 'close');
        sendErrorPage(ctx, 413);
      }
      else if (hit.slashRedirect) sendRedirect(ctx, 301, `${encodePath(hit.location.match.path)}${ctx.args === '' ? '' : `?${ctx.args}`}`);
      else {
        // nginx: find-config → rewrite (the location's rewrites, then `return`) → preaccess (limit_req) → access → content.
        const rewrite = runRewrites(ctx, hit.location.rewrites);
        let handler = hit.location.handler;
        if (rewrite === 'last' || (rewrite === 'changed' && handler.type !== 'return')) {
          // nginx's post-rewrite phase: search the locations again, counted with the internal redirects.
          if (++ctx.internalRedirects <= MAX_INTERNAL_REDIRECTS) continue;
          logRequestError(ctx, 'error', `rewrite or internal redirection cycle while processing "${ctx.uri}"`);
          sendErrorPage(ctx, 500);
        } else if (rewrite !== 'answered') {
          // `break` stops the rewrite module, `return` included: nginx serves static files from the server's root.
          if (rewrite === 'break' && handler.type === 'return') handler = site.fallback.handler;
          let allowed = true;
          if (!accessDone && handler.type !== 'return') {
            accessDone = true;
            const verdict = access.run(ctx, accessRan);
            accessRan = true;
            if (verdict !== true) allowed = await verdict;
          }
          if (allowed) result = await runContentHandler(ctx, handler);
        }
      }
      if (result.kind === 'internal-redirect') {
        redirect = result;
        continue;
      }
      redirect = takeErrorPageRedirect(ctx);
      if (redirect === null) return;
      accessDone = false;
    }
  } catch (e) {
    logRequestError(ctx, 'error', `internal error: ${(e as Error).stack ?? String(e)}`);
    // Never an error page here: the loop that would follow it is gone.
    ctx.errorPageUsed = true;
    sendErrorPage(ctx, 500);
  }
}

/** Captures after an internal redirect: nginx clears the numbered ones (r->ncaptures), not named variables. */
function dropPositional(c: Captures): Captures {
  return c.positional.length === 0 ? c : { positional: NO_POSITIONAL, named: c.named };
}

const NO_POSITIONAL: readonly string[] = [];

/** A new match's captures, with the named ones of earlier matches it does not set (they are nginx variables). */
function withNamed(next: Captures, previous: Captures): Captures {
  if (previous === NO_CAPTURES || Object.keys(previous.named).length === 0) return next;
  return { positional: next.positional, named: { ...previous.named, ...next.named } };
}

/** The error page an error answer left behind (respond.ts takeErrorPage), taken once. */
function takeErrorPageRedirect(ctx: RequestContext): InternalRedirect | null {
  const redirect = ctx.errorPageRedirect;
  if (redirect !== null) ctx.errorPageRedirect = null;
  return redirect;
}

function authority(v: string | string[] | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function logPhase(ctx: RequestContext, deps: PipelineDeps): void {
  recordRequest(ctx);
  const site = ctx.site;
  if (!site || !site.site.accessLog) return;
  const { req, res } = ctx;
  deps.accessLog.write(ctx.table.runtime.logDir, site.id, {
    remoteAddr: ctx.remoteAddress,
    remoteUser: ctx.remoteUser ?? null,
    // nginx stamps the line when the request ends.
    time: deps.clock(),
    request: requestLineOf(ctx),
    // nginx's 499: the client closed the connection before a response was sent.
    status: res.headersSent ? res.statusCode : 499,
    bodyBytes: ctx.bodyBytes,
    referer: req.headers.referer,
    userAgent: req.headers['user-agent'],
  });
}
