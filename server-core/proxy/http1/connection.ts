// One HTTP/1.1 connection: reads request heads and bodies off the socket, hands each request to
// the engine's handler, answers pipelined requests strictly in order (the next head is parsed
// only after the current response finished), and enforces nginx's timeouts
// (client_header_timeout, client_body_timeout, keepalive_timeout) and client_max_body_size.
import type { Socket } from 'node:net';
import { errorPageHtml, SERVER_HEADER, statusText } from '../error-pages.js';
import type { DetachedSocket } from '../http-types.js';
import { BodyFramingError, ChunkedDecoder, LengthDecoder, type BodyDecoder } from './body-decoder.js';
import { clearDirectReader, setDirectReader } from './direct-read.js';
import { parseHead, type HeadLimits, type ParsedHead } from './head-parser.js';
import { Http1Request, type RequestOwner } from './request.js';
import { Http1Response, httpDateNow, type ResponseOwner } from './response.js';
import { trackDeadline, untrackDeadline } from './timer-wheel.js';

export interface ConnectionLimits {
  headerTimeoutMs: number;
  bodyTimeoutMs: number;
  /** 0 disables keep-alive (nginx `keepalive_timeout 0`). */
  keepaliveTimeoutMs: number;
  /** nginx `send_timeout`: a client that takes none of the response for this long is cut. 0 = none. */
  sendTimeoutMs: number;
  /** Until the pipeline sets the chosen site's limit (0 = none). */
  maxBodyBytes: number;
  head: HeadLimits;
}

/** A request the engine answered itself (bad framing, timeouts): for the access log. */
export interface RejectedRequest {
  status: number;
  reason: string;
  /** The request line when it was readable, else null. */
  requestLine: string | null;
  /** Bytes of the error page's body sent (nginx `$body_bytes_sent`). */
  bodyBytes: number;
  remoteAddress: string;
  connection: number;
}

export interface ConnectionHost {
  readonly draining: boolean;
  limits(): ConnectionLimits;
  dispatch(req: Http1Request, res: Http1Response, connection: number): void;
  rejected(info: RejectedRequest): void;
  released(conn: Http1Connection): void;
}

/** Pipelined bytes buffered while a response is in progress before the socket is paused. */
const PIPELINE_BUFFER = 64 * 1024;
/** Unread body bytes the engine discards to keep a connection alive after an early response. */
const DISCARD_LIMIT = 64 * 1024;
/** How long a closing connection may linger to read the client's last bytes (nginx lingering_timeout 5 s). */
const LINGER_MS = 5000;

type State = 'head' | 'body' | 'wait' | 'closing' | 'closed' | 'detached';

export class Http1Connection implements RequestOwner, ResponseOwner {
  /** The earlier of the read and send deadlines (what the timer wheel checks). */
  deadline = 0;
  deadlineSlot = -1;
  /** Slot in the engine's connection list: -1 before it is listed, -2 once released (engine.ts). */
  engineSlot = -1;
  private readDeadline = 0;
  /** Set while the socket's write buffer is full; cleared by 'drain'. */
  private sendDeadline = 0;
  private state: State = 'head';
  private buf: Buffer | null = null;
  private req: Http1Request | null = null;
  private res: Http1Response | null = null;
  private decoder: BodyDecoder | null = null;
  private limitsNow: ConnectionLimits;
  private bodyLimit = 0;
  private declaredLength: number | null = null;
  private keepAlive = false;
  private closeAfter = false;
  private expectContinue = false;
  private continueSent = false;
  private discarding = false;
  private pausedForBody = false;
  private pausedForPipeline = false;
  private clientEnded = false;
  private everReceived = false;
  private idle = true;
  private readonly onData = (chunk: Buffer): void => this.receive(chunk);
  private readonly onEnd = (): void => this.clientEnd();
  private readonly onClose = (): void => this.closed();
  private readonly onDrain = (): void => {
    if (this.sendDeadline !== 0) {
      this.sendDeadline = 0;
      this.deadline = this.readDeadline;
    }
    this.res?.emit('drain');
  };
  private readonly onError = (): void => undefined;

  constructor(
    readonly socket: Socket,
    readonly id: number,
    private readonly host: ConnectionHost,
  ) {
    this.limitsNow = host.limits();
    socket.setNoDelay(true);
    // A direct-read socket (direct-read.ts) hands its reads over without the stream machinery.
    if (!setDirectReader(socket, this.onData)) socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onClose);
    socket.on('drain', this.onDrain);
    // Errors (ECONNRESET, EPIPE) end in 'close', which cleans up.
    socket.on('error', this.onError);
    trackDeadline(this);
    this.setDeadline(this.limitsNow.headerTimeoutMs);
  }

  /** Idle between requests (or before the first): safe to close when draining. */
  get isIdle(): boolean {
    return this.idle && this.state === 'head' && this.buf === null;
  }

  /** Close now if idle, else after the current response. */
  drain(): void {
    if (this.isIdle) this.close();
    else this.closeAfter = true;
  }

  close(): void {
    if (this.state === 'closed' || this.state === 'detached') return;
    this.state = 'closed';
    untrackDeadline(this);
    this.socket.destroy();
  }

  // ── RequestOwner ──────────────────────────────────────────────────────────────────────────────

  wantBody(): void {
    if (this.expectContinue && !this.continueSent && this.res && !this.res.headersSent && this.state === 'body') {
      this.continueSent = true;
      this.socket.write('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');
    }
    if (this.pausedForBody) {
      this.pausedForBody = false;
      if (this.state === 'body') this.setDeadline(this.limitsNow.bodyTimeoutMs);
      this.process();
      if (!this.pausedForBody && !this.pausedForPipeline && this.state !== 'closed') this.socket.resume();
    }
  }

  setBodyLimit(bytes: number): void {
    this.bodyLimit = bytes;
    if (bytes > 0 && this.req && !this.req.complete) {
      const seen = Math.max(this.declaredLength ?? 0, this.decoder?.received ?? 0);
      if (seen > bytes) this.bodyTooLarge();
    }
  }

  detach(): DetachedSocket {
    if (this.state === 'closed' || this.state === 'closing' || this.state === 'detached' || !this.res || this.res.headersSent) {
      throw new Error('the connection cannot be detached now (closed, or a response was already started)');
    }
    const head = this.buf ?? Buffer.alloc(0);
    this.buf = null;
    this.state = 'detached';
    this.setDeadline(0);
    untrackDeadline(this);
    const socket = this.socket;
    // The new owner reads through 'data' as on any socket.
    clearDirectReader(socket);
    socket.off('data', this.onData);
    socket.off('end', this.onEnd);
    socket.off('close', this.onClose);
    socket.off('drain', this.onDrain);
    socket.off('error', this.onError);
    // Until the new owner adds its own, errors must not crash the worker.
    socket.once('error', this.onError);
    const res = this.res;
    res.markDetached();
    socket.once('close', () => res.socketClosed());
    if (this.pausedForBody || this.pausedForPipeline) socket.resume();
    this.host.released(this);
    return { socket, head };
  }

  // ── ResponseOwner ─────────────────────────────────────────────────────────────────────────────

  keepAliveFor(res: Http1Response, wantsClose: boolean, closeDelimited: boolean): boolean {
    if (res !== this.res) return false;
    // After the client's FIN, requests it pipelined before it are still answered (RFC 9112 §9.6): the
    // connection closes after the last of them, not after the response in progress.
    const clientDone = this.clientEnded && this.buf === null;
    if (wantsClose || closeDelimited || !this.keepAlive || this.host.draining || clientDone || this.limitsNow.keepaliveTimeoutMs <= 0) this.closeAfter = true;
    if (this.state === 'body' && !this.closeAfter) {
      // The handler answered before reading the whole body: discard a small rest, else close.
      const remaining = this.declaredLength === null ? Infinity : this.declaredLength - (this.decoder?.received ?? 0);
      if (remaining > DISCARD_LIMIT || (this.expectContinue && !this.continueSent)) this.closeAfter = true;
    }
    return !this.closeAfter;
  }

  sendBlocked(): void {
    const ms = this.limitsNow.sendTimeoutMs;
    if (ms <= 0 || this.sendDeadline !== 0 || this.state === 'closed' || this.state === 'detached') return;
    this.sendDeadline = Date.now() + ms;
    this.deadline = this.readDeadline === 0 ? this.sendDeadline : Math.min(this.readDeadline, this.sendDeadline);
  }

  finished(res: Http1Response): void {
    if (res !== this.res || this.state === 'closed' || this.state === 'detached') return;
    if (this.closeAfter || this.host.draining) {
      this.lingerClose();
      return;
    }
    if (this.state === 'body') {
      // Keep reading the rest of the body into the void, then take the next request.
      this.discarding = true;
      this.req?.unpipe();
      if (this.pausedForBody) {
        this.pausedForBody = false;
        this.socket.resume();
      }
      this.process();
      return;
    }
    this.nextRequest();
  }

  // ── reading ───────────────────────────────────────────────────────────────────────────────────

  private receive(chunk: Buffer): void {
    if (this.state === 'closed' || this.state === 'detached') return;
    if (this.state === 'closing') return; // lingering: read and drop
    this.everReceived = true;
    this.buf = this.buf === null ? chunk : Buffer.concat([this.buf, chunk]);
    if (this.state === 'head' && this.idle) {
      // First byte of a new request: the keep-alive timer becomes the header timer.
      this.idle = false;
      this.setDeadline(this.limitsNow.headerTimeoutMs);
    } else if (this.state === 'body') {
      this.setDeadline(this.limitsNow.bodyTimeoutMs);
    }
    this.process();
  }

  private process(): void {
    for (;;) {
      const buf = this.buf;
      if (buf === null || this.pausedForBody) return;
      if (this.state === 'head') {
        const r = parseHead(buf, this.limitsNow.head);
        if (r.kind === 'incomplete') {
          if (this.clientEnded) this.close();
          return;
        }
        if (r.kind === 'error') {
          this.reject(r.status, r.reason, requestLineOf(buf));
          return;
        }
        this.buf = r.head.consumed >= buf.length ? null : buf.subarray(r.head.consumed);
        this.start(r.head);
        continue;
      }
      if (this.state === 'body') {
        const decoder = this.decoder;
        if (!decoder) return;
        let used: number;
        try {
          used = decoder.feed(buf, 0, (chunk) => this.bodyData(chunk));
        } catch (e) {
          if (!(e instanceof BodyFramingError)) throw e;
          this.failBody(400, e.reason);
          return;
        }
        if (this.state !== 'body') return;
        this.buf = used >= buf.length ? null : buf.subarray(used);
        if (decoder.done) this.bodyDone();
        continue;
      }
      if (this.state === 'wait') {
        if (buf.length > PIPELINE_BUFFER && !this.pausedForPipeline) {
          this.pausedForPipeline = true;
          this.socket.pause();
        }
      }
      return;
    }
  }

  private start(head: ParsedHead): void {
    this.limitsNow = this.host.limits();
    const req = new Http1Request(head.method, head.target, head.httpVersion, head.rawHeaders, this.socket, this);
    const res = new Http1Response(this, head.method === 'HEAD', head.httpVersion);
    this.req = req;
    this.res = res;
    this.keepAlive = head.keepAlive;
    this.closeAfter = false;
    this.expectContinue = head.expectContinue;
    this.continueSent = false;
    this.discarding = false;
    this.bodyLimit = this.limitsNow.maxBodyBytes;
    this.declaredLength = head.contentLength;
    if (head.chunked) this.decoder = new ChunkedDecoder();
    else if (head.contentLength !== null && head.contentLength > 0) this.decoder = new LengthDecoder(head.contentLength);
    else this.decoder = null;
    if (this.decoder) {
      this.state = 'body';
      this.setDeadline(this.limitsNow.bodyTimeoutMs);
    } else {
      this.state = 'wait';
      this.setDeadline(0);
      req.complete = true;
      req.endWhenRead();
    }
    this.host.dispatch(req, res, this.id);
    // The pipeline sets the chosen site's limit during dispatch; otherwise the default one holds.
    if (this.res === res && !res.headersSent && this.bodyLimit > 0 && (head.contentLength ?? 0) > this.bodyLimit) this.bodyTooLarge();
  }

  private bodyData(chunk: Buffer): void {
    const decoder = this.decoder;
    if (this.bodyLimit > 0 && decoder && decoder.received > this.bodyLimit) {
      this.bodyTooLarge();
      return;
    }
    if (this.discarding || !this.req) return;
    if (!this.req.push(chunk)) {
      this.pausedForBody = true;
      this.socket.pause();
      // A reader applying back-pressure is not a slow client.
      this.setDeadline(0);
    }
  }

  private bodyDone(): void {
    const req = this.req;
    this.decoder = null;
    this.setDeadline(0);
    if (req && !req.complete) {
      req.complete = true;
      if (!this.discarding) req.push(null);
    }
    if (this.res?.writableFinished) {
      if (this.closeAfter) this.lingerClose();
      else this.nextRequest();
    } else {
      this.state = 'wait';
    }
  }

  private nextRequest(): void {
    this.req = null;
    this.res = null;
    this.decoder = null;
    this.discarding = false;
    this.state = 'head';
    this.idle = this.buf === null;
    this.setDeadline(this.idle ? this.limitsNow.keepaliveTimeoutMs : this.limitsNow.headerTimeoutMs);
    if (this.pausedForPipeline) {
      this.pausedForPipeline = false;
      this.socket.resume();
    }
    if (this.host.draining && this.idle) {
      this.close();
      return;
    }
    this.process();
    if (this.state === 'head' && this.buf === null && this.clientEnded) this.socket.end();
  }

  private clientEnd(): void {
    this.clientEnded = true;
    // Requests still buffered behind the current one ('wait') are answered first; nextRequest() ends.
    if (this.state === 'head' && this.buf === null) this.socket.end();
    // A body (or head) that can no longer complete: the client gave up (nginx logs 499).
    else if (this.state === 'body' || this.state === 'head') this.close();
    // Waiting on an upstream (ProxyResponse.abortOnClientEnd) with nothing pipelined behind: gone too.
    else if (this.state === 'wait' && this.buf === null && this.res?.abortOnClientEnd === true && !this.res.writableEnded) this.close();
  }

  private closed(): void {
    const prev = this.state;
    this.state = 'closed';
    untrackDeadline(this);
    const req = this.req;
    if (req && !req.complete && prev !== 'detached') {
      const err = Object.assign(new Error('the client closed the connection before the request body was complete'), { code: 'ECONNRESET' });
      req.emit('aborted');
      req.destroy(err);
    }
    this.res?.socketClosed();
    this.host.released(this);
  }

  // ── answers the engine gives itself ───────────────────────────────────────────────────────────

  /** A request that never reaches the pipeline: error page, then close (nginx closes after a 400). */
  private reject(status: number, reason: string, requestLine: string | null): void {
    const body = errorPageHtml(status);
    this.host.rejected({ status, reason, requestLine, bodyBytes: Buffer.byteLength(body), remoteAddress: this.socket.remoteAddress ?? '-', connection: this.id });
    this.buf = null;
    this.socket.write(
      `HTTP/1.1 ${status} ${statusText(status)}\r\nServer: ${SERVER_HEADER}\r\nDate: ${httpDateNow()}\r\n` +
        `Content-Type: text/html; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      'latin1',
    );
    this.lingerClose();
  }

  private bodyTooLarge(): void {
    this.failBody(413, 'the request body is larger than the site allows (maxBodyBytes)');
  }

  /** A body that cannot be read on (too large, malformed, too slow): answer if still possible, close. */
  private failBody(status: number, reason: string): void {
    const req = this.req;
    const res = this.res;
    this.closeAfter = true;
    this.decoder = null;
    this.buf = null;
    if (req && !req.complete) {
      const err = Object.assign(new Error(reason), { code: status === 413 ? 'BERTH_ERR_BODY_TOO_LARGE' : status === 408 ? 'BERTH_ERR_BODY_TIMEOUT' : 'BERTH_ERR_BAD_BODY', status });
      req.destroy(err);
    }
    if (res && !res.headersSent) {
      this.state = 'wait';
      res.takeOver(status, errorPageHtml(status), { Server: SERVER_HEADER });
    } else {
      this.close();
    }
  }

  private lingerClose(): void {
    if (this.state === 'closed' || this.state === 'detached') return;
    this.state = 'closing';
    this.buf = null;
    if (this.pausedForBody || this.pausedForPipeline) this.socket.resume();
    this.socket.end();
    this.setDeadline(LINGER_MS);
  }

  // ── timers ────────────────────────────────────────────────────────────────────────────────────

  private setDeadline(ms: number): void {
    // A deadline of 0 stays tracked (cheaper than Set churn per request); the sweep skips it.
    this.readDeadline = ms <= 0 ? 0 : Date.now() + ms;
    this.deadline = this.sendDeadline === 0 ? this.readDeadline : this.readDeadline === 0 ? this.sendDeadline : Math.min(this.readDeadline, this.sendDeadline);
  }

  /** Called by the timer wheel once `deadline` has passed. */
  timedOut(): void {
    if (this.sendDeadline !== 0 && this.sendDeadline <= Date.now()) {
      // nginx: "client timed out while sending response to client" — the connection is closed.
      this.close();
      return;
    }
    this.deadline = this.sendDeadline;
    this.readDeadline = 0;
    switch (this.state) {
      case 'head':
        // Idle keep-alive, or a connection that never sent a byte: close quietly (as nginx does).
        if (this.idle || !this.everReceived) this.close();
        else this.reject(408, 'the request headers took longer than the site allows (headerTimeoutS)', this.buf ? requestLineOf(this.buf) : null);
        return;
      case 'body':
        this.failBody(408, 'the request body stalled longer than the site allows (bodyTimeoutS)');
        return;
      case 'closing':
        this.close();
        return;
      default:
        return;
    }
  }
}

/** The first line of a (possibly partial) head, for the log; null when it is not a plausible one. */
function requestLineOf(buf: Buffer): string | null {
  const end = buf.indexOf('\r\n', 0, 'latin1');
  const line = buf.toString('latin1', 0, Math.min(end === -1 ? buf.length : end, 2048));
  return /^[A-Za-z]+ \S+ HTTP\/\d\.\d$/.test(line) ? line : null;
}
