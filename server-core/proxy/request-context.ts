// What every phase of a request sees. Created once per request by the pipeline.
import type { Captures, CompiledLocation } from './locations.js';
import type { CompiledSite, RoutingTable } from './routing-table.js';
import type { ErrorLog } from './error-log.js';
import type { ProxyRequest, ProxyResponse } from './http-types.js';

/** The listener a request arrived on. */
export interface ListenerInfo {
  readonly address: string;
  /** The port as configured (0 = any free port). Site lookup uses this one. */
  readonly configPort: number;
  /** The port actually bound. */
  readonly port: number;
  readonly protocol: 'http' | 'https';
}

export interface RequestContext {
  readonly req: ProxyRequest;
  readonly res: ProxyResponse;
  /** The routing table at the time the request arrived (a config swap does not change it). */
  readonly table: RoutingTable;
  readonly listener: ListenerInfo;
  /** nginx connection number (`*N` in the error log). */
  readonly connection: number;
  /** performance.now() when the request arrived: the latency metrics measure from here. */
  readonly startedMs: number;
  readonly remoteAddress: string;
  readonly errorLog: ErrorLog;
  /** Normalised Host (no port, lowercase), null when the request has none. */
  host: string | null;
  /** Decoded, normalised URI (nginx `$uri`); changes on internal redirects. */
  uri: string;
  /** Query string without `?` (nginx `$args`). */
  args: string;
  /** nginx `$request_method`: the client's method, GET after an X-Accel-Redirect (HEAD stays HEAD). */
  method: string;
  /** An upstream took the request body and redirected (X-Accel-Redirect), or an error page followed an upstream's error or a 413: later handlers send none. */
  bodyConsumed: boolean;
  /** A Content-Type set before the content phase (an X-Accel-Redirect upstream's): kept over the file's own, as nginx does. */
  contentType: string | null;
  /** The request's path held %2F (request-target.ts): proxied on, refused by the static handler. */
  encodedSlash: boolean;
  site: CompiledSite | null;
  location: CompiledLocation | null;
  captures: Captures;
  internalRedirects: number;
  /**
   * A `rewrite` changed the URI (nginx sets r->internal and clears valid_unparsed_uri): an
   * `internal` location may be chosen, and a proxied request sends the new URI, not the client's.
   */
  rewritten: boolean;
  /**
   * A `break` rewrite changed the URI in this location (nginx clears r->valid_location): a
   * proxy_pass with a URI part sends the whole new URI instead of swapping the location's prefix.
   */
  rewriteBreak: boolean;
  /** Response body bytes handed to the socket (nginx `$body_bytes_sent`). */
  bodyBytes: number;
  /** The user basic auth accepted (nginx `$remote_user`); set by the access phase. */
  remoteUser: string | undefined;
  /**
   * nginx `r->err_status`: the status an error page's answer goes out with, whatever its handler
   * answers (a file's 200, an upstream's status); 0 = the answer's own (no error page, or `=`).
   */
  errStatus: number;
  /** An error page was used (nginx `r->error_page`, recursive_error_pages off): a later error gets the built-in page. */
  errorPageUsed: boolean;
  /** An error page took over the answer (respond.ts takeErrorPage): the pipeline redirects to it next. */
  errorPageRedirect: InternalRedirect | null;
}

/** nginx NGX_HTTP_MAX_URI_CHANGES: internal redirects per request; one more is a 500. */
export const MAX_INTERNAL_REDIRECTS = 10;

/** `METHOD target HTTP/x.y`, as nginx `$request`: made only for a log line. */
export function requestLineOf(ctx: RequestContext): string {
  const { req } = ctx;
  return `${req.method ?? ''} ${req.url ?? ''} HTTP/${req.httpVersion}`;
}

/** The length of `requestLineOf(ctx)`, without making it (metrics count it for every request). */
export function requestLineLength(ctx: RequestContext): number {
  const { req } = ctx;
  return (req.method ?? '').length + (req.url ?? '').length + req.httpVersion.length + 7;
}

/** Re-run location selection for a new URI (nginx internal redirect: index, try_files fallback, X-Accel-Redirect, error_page). */
export interface InternalRedirect {
  kind: 'internal-redirect';
  uri: string;
  args: string;
}

/** What a content handler did. */
export type ContentResult = { kind: 'done' } | InternalRedirect;

export type ContentHandler<H> = (ctx: RequestContext, handler: H) => Promise<ContentResult>;
