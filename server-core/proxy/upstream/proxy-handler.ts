// The `proxy` content handler (nginx `proxy_pass`): pick a server of the upstream group, send the
// request on a keep-alive connection, stream the answer back. nginx's rules:
// - a failure to connect, send, or read the response header marks the server failed (max_fails)
//   and tries the next one (`proxy_next_upstream error timeout`), unless the method is not
//   idempotent and the request already went out, or a body byte was consumed, or the client got a byte;
// - timeouts answer 504, other failures 502, with nginx's error.log wording;
// - a `url` with a path replaces the location's prefix (`proxy_pass http://b/new/;` in `location /old/`);
// - WebSocket: Upgrade is passed on, and the connection becomes a tunnel only after a 101;
// - an answer with X-Accel-Redirect is not passed on: its body is dropped and the request is
//   internally redirected (x-accel.ts);
// - with `interceptErrors`, an answer whose status has an error page in the location is not
//   passed on either (respond.ts interceptUpstreamError), checked first as nginx does;
// - as an error page's answer (ctx.errStatus), the response goes out with the error's status.
import type { Socket } from 'node:net';
import type { ProxyHandler } from '../../config/schema.js';
import { isBodyless, SERVER_HEADER, statusText } from '../error-pages.js';
import { recordUpstream } from '../metrics.js';
import { rawHeader } from '../raw-headers.js';
import { requestLineOf, type ContentHandler, type ContentResult, type RequestContext } from '../request-context.js';
import { absoluteUrl, interceptUpstreamError, sendErrorPage, setReason } from '../respond.js';
import { expandVariables, requestUri } from '../variables.js';
import { writeCopy } from '../write-copies.js';
import { parseProxyUrl } from './address.js';
import { UpstreamExchange, type ExchangeOutcome } from './exchange.js';
import type { UpstreamGroup } from './group.js';
import { buildRequestHead, connectionTokens, relayedHeaderLines, responseHeaders, type RequestBodyFraming } from './headers.js';
import type { UpstreamPeer } from './peer.js';
import type { PooledSocket } from './pool.js';
import { defaultRedirect, rewriteRedirects, type RedirectRewrite } from './proxy-redirect.js';
import type { ResponseSink } from './exchange.js';
import type { ResponseHead } from './response-parser.js';
import { readSmallBody, readUnsizedBody, SMALL_BODY_BYTES } from './small-body.js';
import { openTunnel } from './tunnel.js';
import { UpstreamError } from './upstream-error.js';
import { acceptAccelRedirect, accelRedirectOf } from './x-accel.js';

/** Methods nginx may resend to the next server after the request went out (RFC 9110 §9.2.2). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'TRACE']);
/** Reused keep-alive sockets may have been closed by the server an instant ago: retry on a fresh one. */
const MAX_STALE_RETRIES = 2;
const DONE: ContentResult = { kind: 'done' };
/** The first attempt has tried no server yet; a Set is made only when a retry needs one. */
const NO_PEERS: ReadonlySet<UpstreamPeer> = new Set();

/** What a handler's config compiles to, once per config version. */
interface PreparedProxy {
  /** The URL's path part (replaces the location prefix), or null to pass the request URI. */
  readonly uri: string | null;
  /** Lowercased name → header name and value template. */
  readonly setHeaders: ReadonlyMap<string, { name: string; value: string }>;
  readonly dynamicHeaders: boolean;
  readonly hidden: ReadonlySet<string>;
  /** The default proxy_redirect for the group last used (a handler belongs to one location). */
  redirect?: { group: UpstreamGroup; rewrite: RedirectRewrite | null };
}

const prepared = new WeakMap<ProxyHandler, PreparedProxy>();

function prepare(h: ProxyHandler): PreparedProxy {
  let p = prepared.get(h);
  if (p) return p;
  const setHeaders = new Map<string, { name: string; value: string }>();
  let dynamicHeaders = false;
  for (const [name, value] of Object.entries(h.setHeaders)) {
    setHeaders.set(name.toLowerCase(), { name, value });
    if (value.includes('$')) dynamicHeaders = true;
  }
  const uri = h.url === undefined ? null : (parseProxyUrl(h.url)?.uri ?? null);
  p = { uri, setHeaders, dynamicHeaders, hidden: new Set(h.hideHeaders.map((n) => n.toLowerCase())) };
  prepared.set(h, p);
  return p;
}

// Not async itself: the run's own promise is the handler's (one promise and one tick fewer per request).
export const serveProxy: ContentHandler<ProxyHandler> = (ctx, h) => {
  const upstreams = ctx.table.upstreams;
  const group = h.upstream !== undefined ? upstreams.byId.get(h.upstream) : h.url !== undefined ? upstreams.byUrl.get(h.url) : undefined;
  if (!group) {
    logUpstreamError(ctx, `no upstream "${h.upstream ?? h.url ?? ''}" is configured for this location`, null);
    sendErrorPage(ctx, 502);
    return Promise.resolve(DONE);
  }
  return new ProxyRequestRun(ctx, h, prepare(h), group).run();
};

/**
 * The same path for a group another handler chose (the `app` handler for HTTP apps). `keepHost`
 * sends the client's Host instead of the group's (`proxy_set_header Host $http_host`).
 */
export function proxyToGroup(ctx: RequestContext, h: ProxyHandler, group: UpstreamGroup, keepHost: boolean): Promise<ContentResult> {
  return new ProxyRequestRun(ctx, h, prepare(h), group, keepHost).run();
}

class ProxyRequestRun implements ResponseSink {
  private clientGone = false;
  private responseEnded = false;
  private exchange: UpstreamExchange | null = null;
  /** A small body read before the first attempt (small-body.ts); every attempt sends it whole. */
  private bodyBuffer: Buffer | null = null;
  /** 'drain' is listened for once a client write is refused (body()). */
  private drainWatched = false;
  private readonly method: string;
  private readonly target: string;
  /** As the client declared it; a small body without a length becomes a length once read (small-body.ts). */
  private framing: RequestBodyFraming;
  private readonly upgrade: string | null;
  /** nginx `proxy_redirect default` (proxy-redirect.ts). */
  private readonly redirect: RedirectRewrite | null;
  /** Set when the upstream answered X-Accel-Redirect: its body is dropped, this is the handler's result. */
  private accel: ContentResult | null = null;

  constructor(
    private readonly ctx: RequestContext,
    private readonly h: ProxyHandler,
    private readonly p: PreparedProxy,
    private readonly group: UpstreamGroup,
    private readonly keepHost = false,
  ) {
    this.method = ctx.method || 'GET';
    this.target = upstreamTarget(ctx, p.uri);
    this.framing = bodyFraming(ctx);
    this.upgrade = h.websocket ? upgradeToken(ctx) : null;
    // The app handler sends the client's Host (keepHost): its redirects already name the site.
    this.redirect = keepHost ? null : redirectOf(p, group, ctx);
  }

  private readonly onClientClose = (): void => {
    // 'close' also follows a response we finished: only an earlier one is the client leaving.
    if (this.responseEnded) return;
    this.clientGone = true;
    this.exchange?.abort();
  };

  async run(): Promise<ContentResult> {
    const { ctx, onClientClose } = this;
    ctx.res.on('close', onClientClose);
    ctx.res.abortOnClientEnd = true;
    let tried = NO_PEERS;
    let last: UpstreamError | null = null;
    try {
      const f = this.framing;
      if (f.kind === 'length' && f.length > 0 && f.length <= SMALL_BODY_BYTES && this.upgrade === null) {
        const data = await readSmallBody(ctx.req, f.length);
        // Null: the client went away, or the engine answered (408/413) — nothing to send.
        if (data === null) return DONE;
        this.bodyBuffer = data;
      } else if (f.kind === 'chunked' && this.upgrade === null) {
        const body = await readUnsizedBody(ctx.req);
        if (body === null) return DONE;
        if (body.kind === 'whole') {
          this.framing = { kind: 'length', length: body.data.length };
          this.bodyBuffer = body.data;
        }
      }
      for (;;) {
        if (this.clientGone) return DONE;
        const peer = this.group.pick(tried, ctx.remoteAddress, Date.now());
        if (!peer) {
          if (last === null) {
            logUpstreamError(ctx, 'no live upstreams while connecting to upstream', this.upstreamUrl(null));
            sendErrorPage(ctx, 502);
          } else {
            sendErrorPage(ctx, last.status);
          }
          return DONE;
        }
        const outcome = await this.attempt(peer);
        if (outcome === 'done') return this.accel ?? DONE;
        last = outcome.error;
        if (tried === NO_PEERS) tried = new Set();
        (tried as Set<UpstreamPeer>).add(peer);
        if (!outcome.retry) {
          // The head already decided the answer (an X-Accel-Redirect, an intercepted error): a body
          // that fails after it changes nothing, as nginx stops reading the upstream at the head.
          if (this.accel !== null) return this.accel;
          if (!ctx.res.headersSent && !this.clientGone) sendErrorPage(ctx, last.status);
          else if (!this.clientGone) ctx.res.destroy();
          return DONE;
        }
      }
    } finally {
      ctx.res.off('close', onClientClose);
    }
  }

  /** One server: `done`, or the error and whether the next server may be tried. */
  private async attempt(peer: UpstreamPeer): Promise<'done' | { error: UpstreamError; retry: boolean }> {
    const started = performance.now();
    for (let stale = 0; ; stale++) {
      const { ctx } = this;
      // An idle keep-alive socket is taken without a promise; only a new connection waits.
      let pooled: PooledSocket | null = stale > 0 ? null : peer.pool.takeIdle();
      if (pooled === null) {
        try {
          pooled = await peer.pool.acquire(this.h.connectTimeoutS * 1000, stale > 0);
        } catch (e) {
          const error = asUpstreamError(e, 'connecting to upstream');
          this.failed(peer, error, started, 0, 0);
          // Nothing was sent: nginx tries the next server whatever the method.
          return { error, retry: !ctx.res.headersSent };
        }
      }
      if (this.clientGone) {
        peer.pool.release(pooled.socket, !pooled.reused);
        peer.finished(Date.now(), false);
        return 'done';
      }
      const exchange = this.newExchange(pooled.socket, peer);
      let outcome: ExchangeOutcome;
      try {
        outcome = await exchange.start();
      } catch (e) {
        this.exchange = null;
        const error = asUpstreamError(e, 'reading response header from upstream');
        if (this.clientGone) {
          // nginx 499: not the server's fault.
          peer.finished(Date.now(), false);
          return 'done';
        }
        const untouched = !exchange.responseStarted && !exchange.bodyStarted && !ctx.res.headersSent;
        // A kept-alive socket the server closed an instant ago: once more on a fresh one — but, as
        // nginx, never a method that is not idempotent (RFC 9110 §9.2.2): the server may have
        // received it before it reset (an app that crashed mid-POST), and a resend runs it twice.
        if (pooled.reused && untouched && error.kind !== 'timeout' && error.kind !== 'invalid' && stale < MAX_STALE_RETRIES && IDEMPOTENT.has(this.method)) continue;
        // nginx counts a server failed (max_fails) only until the response header is processed;
        // a response cut short after it still goes to the error log, not to the server's failures.
        this.failed(peer, error, started, exchange.bytesIn, exchange.bytesOut, !ctx.res.headersSent);
        // The request went out with the exchange's first write: only idempotent methods are resent.
        const retry = untouched && error.kind !== 'invalid' && IDEMPOTENT.has(this.method);
        return { error, retry };
      }
      this.exchange = null;
      if (outcome.kind === 'upgraded') {
        this.tunnel(peer, pooled.socket, outcome.leftover, started);
        return 'done';
      }
      peer.pool.release(pooled.socket, outcome.reusable && !this.clientGone);
      peer.finished(Date.now(), false);
      recordUpstream(this.group.id, peer.address.label, this.upstreamStatus, performance.now() - started, outcome.bytesIn, outcome.bytesOut);
      return 'done';
    }
  }

  private newExchange(socket: Socket, peer: UpstreamPeer): UpstreamExchange {
    const { ctx, p } = this;
    let setHeaders = p.setHeaders;
    if (p.dynamicHeaders) {
      const expanded = new Map<string, { name: string; value: string }>();
      for (const [k, v] of p.setHeaders) expanded.set(k, { name: v.name, value: expandVariables(v.value, ctx) });
      setHeaders = expanded;
    }
    const clientHost = rawHeader(ctx.req.rawHeaders, 'host') ?? null;
    const head = buildRequestHead({
      method: this.method,
      target: this.target,
      rawHeaders: ctx.req.rawHeaders,
      proxyHost: this.keepHost ? (clientHost ?? ctx.host ?? this.group.spec.proxyHost) : this.group.spec.proxyHost,
      clientAddress: ctx.remoteAddress,
      scheme: ctx.listener.protocol,
      clientHost,
      body: this.framing,
      upgrade: this.upgrade,
      keepAlive: peer.pool.maxIdle > 0,
      setHeaders,
    });
    const exchange = new UpstreamExchange(
      {
        socket,
        head,
        method: this.method,
        body: this.framing.kind === 'none' || this.bodyBuffer !== null ? null : ctx.req,
        bodyBuffer: this.bodyBuffer,
        framing: this.framing,
        readTimeoutMs: this.h.readTimeoutS * 1000,
        sendTimeoutMs: this.h.sendTimeoutS * 1000,
      },
      this,
    );
    this.exchange = exchange;
    return exchange;
  }

  // ── ResponseSink: the exchange's response, passed to the client ───────────────────────────────

  /** The status of the upstream's answer (the client's may differ after an X-Accel-Redirect). */
  private upstreamStatus = 0;

  head(head: ResponseHead): void {
    this.upstreamStatus = head.statusCode;
    if (head.statusCode >= 300 && this.ctx.location?.interceptErrors === true && interceptUpstreamError(this.ctx, head.statusCode, head.rawHeaders)) {
      // Answered by the error page (or a redirect already sent): the upstream's answer is dropped like an X-Accel-Redirect's.
      this.accel = DONE;
      this.exchange?.discard();
      return;
    }
    const accel = head.statusCode === 101 ? null : accelRedirectOf(head.rawHeaders);
    if (accel !== null) {
      this.accel = acceptAccelRedirect(this.ctx, head.rawHeaders, accel);
      this.exchange?.discard();
      return;
    }
    this.writeHead(head);
  }

  body(chunk: Buffer): boolean {
    if (this.accel !== null) return true;
    this.ctx.bodyBytes += chunk.length;
    const res = this.ctx.res;
    // The chunk is a view on the pool's shared read buffer (exchange.ts): copied unless the
    // HTTP/1.1 engine sends it inside the head's string (a small response, the usual case);
    // for HTTP/2 copied into a recycled slab (write-copies.ts).
    const ok = res.writeTransient ? res.writeTransient(chunk) : writeCopy(res, chunk);
    // Listening for 'drain' only once the client is backed up: most responses never are.
    if (!ok && !this.drainWatched && this.exchange) {
      this.drainWatched = true;
      res.on('drain', this.onClientDrain);
    }
    return ok;
  }

  end(): void {
    if (this.accel !== null) return;
    this.responseEnded = true;
    this.ctx.res.end();
  }

  /** Back-pressure: the exchange pauses the upstream socket; the client's drain resumes it. */
  private readonly onClientDrain = (): void => this.exchange?.resume();

  private writeHead(head: ResponseHead): void {
    const { res } = this.ctx;
    if (head.statusCode === 101) {
      this.lastUpgradeHead = head;
      return;
    }
    // An error page's answer goes out with the error's status (nginx r->err_status); a bodyless
    // upstream answer (a 304's Content-Length names a body it does not carry) then keeps no length.
    const errStatus = this.ctx.errStatus;
    const status = errStatus !== 0 ? errStatus : head.statusCode;
    const keepLength = (head.framing === 'length' || (head.framing === 'none' && this.method === 'HEAD')) && !(isBodyless(head.statusCode) && (head.statusCode !== 304 || errStatus !== 0));
    res.statusCode = status;
    setReason(this.ctx, errStatus !== 0 ? statusText(status) : head.statusMessage || statusText(status));
    const raw = this.redirect === null ? head.rawHeaders : rewriteRedirects(head.rawHeaders, this.redirect, (path) => absoluteUrl(this.ctx, path));
    if (res.relayHeaderLines) {
      // HTTP/1.1 client: the upstream's lines go out as they came (the parser checked them), no Map.
      // As with setHeader, the upstream's field replaces one set earlier (HSTS, say). Server, which
      // the pipeline always sets, is never relayed (hidden by default): alone it needs no check.
      const set = res.getHeaderNames();
      const existing = set.length === 0 || (set.length === 1 && set[0] === 'server') ? null : new Set<string>(set);
      const relay = relayedHeaderLines(raw, this.p.hidden, keepLength, existing);
      for (const name of relay.overrides) res.removeHeader(name);
      res.relayHeaderLines(relay.lines, relay.hasLength);
    } else {
      for (const [lower, { name, values }] of responseHeaders(raw, this.p.hidden, keepLength)) {
        // Content-Length repeats only with equal values (the parser checked): send it once.
        if (lower === 'content-length' || values.length === 1) res.setHeader(name, values[0] ?? '');
        else res.setHeader(name, values);
      }
    }
    res.writeHead(status);
  }

  private tunnel(peer: UpstreamPeer, upstream: Socket, leftover: Buffer | null, started: number): void {
    const { ctx } = this;
    const detach = ctx.req.detachSocket;
    if (this.upgrade === null || !detach) {
      // A 101 we did not ask for: nginx answers 502 "upstream sent invalid header".
      upstream.destroy();
      const error = new UpstreamError('invalid', 'reading response header from upstream');
      this.failed(peer, error, started, 0, 0);
      sendErrorPage(ctx, 502);
      return;
    }
    // The upstream's 101 head is re-sent to the client with its own Upgrade/Connection pair.
    const { socket: client, head } = detach.call(ctx.req);
    const lastHead = this.lastUpgradeHead;
    let text = `HTTP/1.1 101 ${lastHead?.statusMessage || 'Switching Protocols'}\r\nServer: ${SERVER_HEADER}\r\n`;
    if (lastHead) for (const [, { name, values }] of responseHeaders(lastHead.rawHeaders, this.p.hidden, false)) for (const v of values) text += `${name}: ${v}\r\n`;
    const reply = lastHead ? rawHeader(lastHead.rawHeaders, 'upgrade') : undefined;
    text += `Connection: upgrade\r\nUpgrade: ${reply ?? this.upgrade}\r\n\r\n`;
    this.responseEnded = true;
    client.write(text, 'latin1');
    if (leftover) client.write(leftover);
    if (head.length > 0) upstream.write(head);
    recordUpstream(this.group.id, peer.address.label, 101, performance.now() - started, 0, 0);
    openTunnel(client, upstream, this.h.readTimeoutS * 1000, () => peer.finished(Date.now(), false));
  }

  private lastUpgradeHead: ResponseHead | null = null;

  private failed(peer: UpstreamPeer, error: UpstreamError, started: number, bytesIn: number, bytesOut: number, countsAsFailure = true): void {
    peer.finished(Date.now(), countsAsFailure);
    recordUpstream(this.group.id, peer.address.label, error.status, performance.now() - started, bytesIn, bytesOut);
    logUpstreamError(this.ctx, error.message, this.upstreamUrl(peer));
  }

  /** nginx's `upstream: "http://127.0.0.1:3000/path"` in error lines. */
  private upstreamUrl(peer: UpstreamPeer | null): string {
    const where = peer === null ? this.group.id : peer.address.kind === 'unix' ? `unix:${peer.address.path}:` : peer.address.label;
    return `http://${where}${this.target}`;
  }
}

function redirectOf(p: PreparedProxy, group: UpstreamGroup, ctx: RequestContext): RedirectRewrite | null {
  if (p.redirect?.group !== group) p.redirect = { group, rewrite: defaultRedirect(group.spec.proxyHost, p.uri, ctx.location) };
  return p.redirect.rewrite;
}

function logUpstreamError(ctx: RequestContext, message: string, upstream: string | null): void {
  ctx.errorLog.write('error', message, {
    connection: ctx.connection,
    client: ctx.remoteAddress,
    server: ctx.site?.serverName ?? '',
    request: requestLineOf(ctx),
    upstream: upstream ?? undefined,
    host: rawHeader(ctx.req.rawHeaders, 'host'),
  });
}

function asUpstreamError(e: unknown, phase: UpstreamError['phase']): UpstreamError {
  if (e instanceof UpstreamError) return e;
  const err = e as NodeJS.ErrnoException;
  return typeof err?.code === 'string' ? UpstreamError.fromErrno(err, phase) : new UpstreamError('error', phase, `${String((e as Error)?.message ?? e)} while ${phase}`);
}

/** The request body's framing towards the upstream: as declared, chunked bodies re-chunked; none once an X-Accel-Redirect took it. */
function bodyFraming(ctx: RequestContext): RequestBodyFraming {
  if (ctx.bodyConsumed) return NO_BODY;
  const raw = ctx.req.rawHeaders;
  if (rawHeader(raw, 'transfer-encoding') !== undefined || ctx.req.unsizedBody === true) return { kind: 'chunked' };
  const cl = rawHeader(raw, 'content-length');
  if (cl !== undefined) {
    const n = Number(cl);
    if (Number.isSafeInteger(n) && n >= 0) return n === 0 ? { kind: 'length', length: 0 } : { kind: 'length', length: n };
  }
  return NO_BODY;
}

const NO_BODY: RequestBodyFraming = { kind: 'none' };

/** The Upgrade token when the client asks for a protocol switch this transport can hand over. */
function upgradeToken(ctx: RequestContext): string | null {
  const { req } = ctx;
  // Most requests have no Upgrade field: answer without building `req.headers`.
  if (rawHeader(req.rawHeaders, 'upgrade') === undefined) return null;
  const upgrade = req.headers.upgrade;
  if (typeof upgrade !== 'string' || upgrade === '' || req.httpVersion !== '1.1' || typeof req.detachSocket !== 'function') return null;
  return connectionTokens(req.rawHeaders).has('upgrade') ? upgrade : null;
}

/**
 * The request-target sent upstream. With a URI in `url`, nginx swaps the location's prefix in the
 * normalised URI for it; without one, the client's URI goes unchanged, unless an internal
 * redirect (try_files, index) or a rewrite changed it, then the new URI. After a `break` rewrite
 * in the location nginx ignores the URI part and sends the whole new URI (valid_location).
 */
export function upstreamTarget(ctx: RequestContext, uri: string | null): string {
  if (uri !== null && !ctx.rewriteBreak) {
    const loc = ctx.location;
    const prefix = loc && !loc.implicit && loc.match.kind !== 'regex' && loc.match.kind !== 'regex-i' && ctx.uri.startsWith(loc.match.path) ? loc.match.path.length : 0;
    const path = uri + escapeUri(ctx.uri.slice(prefix));
    return ctx.args === '' ? path : `${path}${path.includes('?') ? '&' : '?'}${ctx.args}`;
  }
  if (ctx.internalRedirects === 0 && !ctx.rewritten) return requestUri(ctx);
  return ctx.args === '' ? escapeUri(ctx.uri) : `${escapeUri(ctx.uri)}?${ctx.args}`;
}

/** nginx ngx_escape_uri(NGX_ESCAPE_URI) for a decoded path: controls, space, non-ASCII and `"#%?<>\\^\`{|}`. */
export function escapeUri(path: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/[\x00-\x20"#%?<>\\^`{|}\x7f-\uffff]/.test(path)) return path;
  let out = '';
  for (const byte of Buffer.from(path, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += byte <= 0x20 || byte >= 0x7f || '"#%?<>\\^`{|}'.includes(c) ? `%${byte.toString(16).toUpperCase().padStart(2, '0')}` : c;
  }
  return out;
}
