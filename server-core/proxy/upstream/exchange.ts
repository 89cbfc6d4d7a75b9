// One request/response exchange on one upstream socket: the head goes out, the client's body is
// streamed after it (re-chunked when the client sent it chunked) with back-pressure both ways,
// the response is parsed as it arrives and handed to a sink slice by slice. Nothing is buffered
// beyond what the sockets hold, but a small body the caller read first (small-body.ts), which
// goes out with the head in one write. Timeouts follow nginx: send = between two writes of the request,
// read = between two reads of the response once the request is out (or a response began).
// Both are deadlines checked by the engine's shared sweep (http1/timer-wheel.ts), not a timer per
// exchange: arming one on every response chunk is a number assignment.
import type { Socket } from 'node:net';
import type { ProxyBodyStream } from '../http-types.js';
import { trackDeadline, untrackDeadline, type Deadlined } from '../http1/timer-wheel.js';
import type { RequestBodyFraming } from './headers.js';
import { routeSocket, type SocketOwner } from './pool.js';
import { ResponseParser, type ResponseEvents, type ResponseHead } from './response-parser.js';
import { UpstreamError, type UpstreamPhase } from './upstream-error.js';

export interface ResponseSink {
  head(head: ResponseHead): void;
  /**
   * A slice of the response body, valid during the call only (it may be a view on a shared read
   * buffer: pool.ts): a sink that keeps it, or writes it where it may be queued, copies it.
   * Returns false when the client is backed up; the sink then calls `resume` on the exchange after 'drain'.
   */
  body(chunk: Buffer): boolean;
  end(): void;
}

export interface ExchangeOptions {
  socket: Socket;
  head: string;
  method: string;
  body: ProxyBodyStream | null;
  /** The whole body, already read (small-body.ts): written with the head in one go. */
  bodyBuffer?: Buffer | null;
  framing: RequestBodyFraming;
  readTimeoutMs: number;
  sendTimeoutMs: number;
}

export type ExchangeOutcome =
  /** The response was read completely. `reusable`: the socket may go back to the pool. */
  | { kind: 'complete'; reusable: boolean; bytesIn: number; bytesOut: number }
  /** A 101: the socket now belongs to the caller, with bytes already read after the head. */
  | { kind: 'upgraded'; leftover: Buffer | null; bytesIn: number; bytesOut: number };

const CRLF = Buffer.from('\r\n');
const LAST_CHUNK = Buffer.from('0\r\n\r\n');

export class UpstreamExchange implements Deadlined, ResponseEvents, SocketOwner {
  /** The earlier of the read and send deadlines (ms since the epoch; 0 = none), for the sweep. */
  deadline = 0;
  deadlineSlot = -1;
  /** At least one byte of the client's body was read (so this request cannot be replayed). */
  bodyStarted = false;
  /** The whole request (head and body) was handed to the socket. */
  requestSent = false;
  /** Any response byte arrived. */
  responseStarted = false;
  bytesIn = 0;
  bytesOut = 0;
  private readonly parser: ResponseParser;
  private readonly socket: Socket;
  private settled = false;
  private resolve!: (o: ExchangeOutcome) => void;
  private reject!: (e: Error) => void;
  private readDeadline = 0;
  private sendDeadline = 0;
  private tracked = false;
  /** The pool routes the socket's events here (no listeners added); false: listening directly. */
  private routed = false;
  private pausedByClient = false;
  readonly done: Promise<ExchangeOutcome>;

  constructor(
    private readonly options: ExchangeOptions,
    private readonly sink: ResponseSink,
  ) {
    this.socket = options.socket;
    this.done = new Promise<ExchangeOutcome>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.parser = new ResponseParser(options.method, this);
  }

  // ── ResponseEvents (the parser's) ─────────────────────────────────────────────────────────────

  onHead(head: ResponseHead): void {
    this.sink.head(head);
  }

  onBody(chunk: Buffer): void {
    if (!this.sink.body(chunk) && !this.settled) {
      this.pausedByClient = true;
      this.socket.pause();
      this.stopReadTimer();
    }
  }

  onEnd(): void {
    // The exchange checks `parser.complete` after each feed.
  }

  /** Called by the sweep once `deadline` has passed. */
  timedOut(): void {
    const now = Date.now();
    if (this.sendDeadline !== 0 && this.sendDeadline <= now) this.fail(new UpstreamError('timeout', 'sending request to upstream'));
    else if (this.readDeadline !== 0 && this.readDeadline <= now) this.fail(new UpstreamError('timeout', this.parser.headDone ? 'reading upstream' : 'reading response header from upstream'));
  }

  start(): Promise<ExchangeOutcome> {
    const s = this.socket;
    this.routed = routeSocket(s, this);
    if (!this.routed) {
      const l = this.listeners();
      s.on('data', l.data);
      s.on('end', l.end);
      s.on('error', l.error);
      s.on('close', l.close);
    }
    if (s.isPaused()) s.resume();
    const buffered = this.options.bodyBuffer ?? null;
    let headOk: boolean;
    if (buffered !== null && buffered.length > 0) {
      // Head and body in one writev: an app answering early cannot see half a request.
      s.cork();
      s.write(this.options.head, 'latin1');
      headOk = s.write(buffered);
      s.uncork();
      this.bytesOut += this.options.head.length + buffered.length;
    } else {
      headOk = s.write(this.options.head, 'latin1');
      this.bytesOut += this.options.head.length;
    }
    if (!headOk) {
      this.armSendTimer();
      this.headDrainWaiting = true;
      s.once('drain', this.onHeadDrain);
    }
    if (this.options.framing.kind === 'none' || this.options.body === null || buffered !== null) this.requestDone();
    else this.pumpBody(this.options.body);
    return this.done;
  }

  /** The client drained: read from the upstream again. */
  resume(): void {
    if (this.settled || !this.pausedByClient) return;
    this.pausedByClient = false;
    this.socket.resume();
    this.armReadTimer();
  }

  /**
   * The sink wants none of the body (nginx X-Accel-Redirect): what already arrived is parsed, and a
   * response complete in it leaves the socket reusable (nginx keeps a connection only for an
   * answer without a body); else the socket is closed once that read is parsed, never pooled
   * with a body unread. Settles as complete.
   */
  discard(): void {
    this.discarding = true;
  }

  private discarding = false;

  /** The client went away or the caller gave up: the socket is destroyed, never pooled. */
  abort(): void {
    if (this.settled) return;
    this.finish();
    this.socket.destroy();
    this.reject(new UpstreamError('closed', 'reading upstream', 'client closed the connection'));
  }

  private headDrainWaiting = false;
  private readonly onHeadDrain = (): void => {
    this.headDrainWaiting = false;
    this.clearSendTimer();
  };
  private bodyCleanup: ((discard: boolean) => void) | null = null;

  private pumpBody(body: ProxyBodyStream): void {
    const chunked = this.options.framing.kind === 'chunked';
    const s = this.socket;
    const onDrain = (): void => {
      this.clearSendTimer();
      body.resume();
    };
    const onData = (chunk: Buffer): void => {
      this.bodyStarted = true;
      if (this.settled) return;
      let ok: boolean;
      if (chunked) {
        if (chunk.length === 0) return;
        s.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
        s.write(chunk);
        ok = s.write(CRLF);
        this.bytesOut += chunk.length + 4;
      } else {
        ok = s.write(chunk);
        this.bytesOut += chunk.length;
      }
      if (!ok) {
        body.pause();
        this.armSendTimer();
        s.once('drain', onDrain);
      }
    };
    const onEnd = (): void => {
      cleanup();
      if (this.settled) return;
      if (chunked) {
        s.write(LAST_CHUNK);
        this.bytesOut += LAST_CHUNK.length;
      }
      this.requestDone();
    };
    const onError = (): void => {
      cleanup();
      this.fail(new UpstreamError('closed', 'sending request to upstream', 'client closed the connection while sending the request body'));
    };
    const cleanup = (): void => {
      this.bodyCleanup = null;
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
      s.off('drain', onDrain);
    };
    // After a response the rest of the body is discarded (nginx does too); after a failure it
    // stops where it is, so a retry (when still allowed) can attach again.
    this.bodyCleanup = (discard) => {
      cleanup();
      if (body.readableEnded) return;
      if (discard) body.resume();
      else body.pause();
    };
    if (body.readableEnded) {
      onEnd();
      return;
    }
    body.on('data', onData);
    body.on('end', onEnd);
    body.on('error', onError);
    body.resume();
  }

  private requestDone(): void {
    this.requestSent = true;
    this.armReadTimer();
  }

  /** Bound listeners, only for a socket the pool does not route (made on first use). */
  private bound: { data: (c: Buffer) => void; end: () => void; error: (e: NodeJS.ErrnoException) => void; close: () => void } | null = null;

  private listeners(): NonNullable<UpstreamExchange['bound']> {
    return (this.bound ??= {
      data: (c) => this.onSocketData(c),
      end: () => this.onSocketEnd(),
      error: (e) => this.onSocketError(e),
      close: () => this.onSocketClose(),
    });
  }

  onSocketData(chunk: Buffer): void {
    this.responseStarted = true;
    this.bytesIn += chunk.length;
    if (!this.pausedByClient) this.armReadTimer();
    try {
      this.parser.feed(chunk);
    } catch (e) {
      this.fail(e as Error);
      return;
    }
    this.afterParse();
  }

  private afterParse(): void {
    if (this.settled) return;
    if (this.parser.upgraded) {
      this.finish(true);
      this.resolve({ kind: 'upgraded', leftover: this.parser.leftover, bytesIn: this.bytesIn, bytesOut: this.bytesOut });
      return;
    }
    if (this.parser.complete) {
      this.finish(true);
      this.sink.end();
      // Reusable only when the whole request went out too: an early answer leaves a body half sent.
      // A socket paused by client back-pressure is complete here; the pool resumes it.
      const reusable = this.parser.reusable && this.requestSent;
      this.resolve({ kind: 'complete', reusable, bytesIn: this.bytesIn, bytesOut: this.bytesOut });
    } else if (this.discarding) {
      this.finish(true);
      this.socket.destroy();
      this.resolve({ kind: 'complete', reusable: false, bytesIn: this.bytesIn, bytesOut: this.bytesOut });
    }
  }

  onSocketEnd(): void {
    if (this.settled) return;
    try {
      this.parser.finish();
    } catch (e) {
      this.fail(e as Error);
      return;
    }
    this.afterParse();
  }

  onSocketError(e: NodeJS.ErrnoException): void {
    this.fail(UpstreamError.fromErrno(e, this.phase()));
  }

  onSocketClose(): void {
    if (this.settled) return;
    this.onSocketEnd();
    if (!this.settled) this.fail(new UpstreamError('closed', this.phase()));
  }

  private phase(): UpstreamPhase {
    if (this.parser.headDone) return 'reading upstream';
    if (!this.requestSent && !this.responseStarted) return 'sending request to upstream';
    return 'reading response header from upstream';
  }

  private fail(e: Error): void {
    if (this.settled) return;
    this.finish();
    this.socket.destroy();
    this.reject(e);
  }

  private finish(discardBody = false): void {
    this.settled = true;
    this.readDeadline = 0;
    this.sendDeadline = 0;
    this.deadline = 0;
    if (this.tracked) {
      this.tracked = false;
      untrackDeadline(this);
    }
    const s = this.socket;
    if (this.routed) {
      this.routed = false;
      routeSocket(s, null);
    } else {
      const l = this.listeners();
      s.off('data', l.data);
      s.off('end', l.end);
      s.off('error', l.error);
      s.off('close', l.close);
    }
    if (this.headDrainWaiting) s.off('drain', this.onHeadDrain);
    this.bodyCleanup?.(discardBody);
  }

  private armReadTimer(): void {
    if (this.settled) return;
    this.readDeadline = Date.now() + this.options.readTimeoutMs;
    this.updateDeadline();
  }

  private stopReadTimer(): void {
    this.readDeadline = 0;
    this.updateDeadline();
  }

  private armSendTimer(): void {
    if (this.settled) return;
    this.sendDeadline = Date.now() + this.options.sendTimeoutMs;
    this.updateDeadline();
  }

  private clearSendTimer(): void {
    this.sendDeadline = 0;
    this.updateDeadline();
  }

  private updateDeadline(): void {
    const r = this.readDeadline;
    const w = this.sendDeadline;
    this.deadline = r === 0 ? w : w === 0 ? r : Math.min(r, w);
    if (this.deadline !== 0 && !this.tracked && !this.settled) {
      this.tracked = true;
      trackDeadline(this);
    }
  }
}
