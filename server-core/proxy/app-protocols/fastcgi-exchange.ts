// One FastCGI request on one connection: BEGIN_REQUEST + PARAMS, the body as STDIN records with
// back-pressure, then STDOUT parsed as a CGI response and streamed to the client, STDERR lines to
// the error log (nginx: `FastCGI sent in stderr: "…"`), until END_REQUEST. With FCGI_KEEP_CONN
// the connection goes back to the pool afterwards. Timeouts as nginx's fastcgi_*_timeout.
import type { Socket } from 'node:net';
import type { ProxyBodyStream } from '../http-types.js';
import type { ExchangeOutcome } from '../upstream/exchange.js';
import { UpstreamError, type UpstreamPhase } from '../upstream/upstream-error.js';
import type { CgiParams } from './cgi-params.js';
import { CgiResponseParser } from './cgi-response.js';
import type { SinkHead } from './client-sink.js';
import {
  FCGI_END_REQUEST,
  FCGI_REQUEST_COMPLETE,
  FCGI_STDERR,
  FCGI_STDIN,
  FCGI_STDOUT,
  RecordReader,
  parseEndRequest,
  record,
  requestHead,
  streamRecords,
} from './fastcgi-records.js';

export interface FastcgiSink {
  headFrom(h: SinkHead): void;
  body(chunk: Buffer): boolean;
  end(): void;
}

export interface FastcgiExchangeOptions {
  socket: Socket;
  params: CgiParams;
  body: { length: number; stream: ProxyBodyStream } | null;
  keepConn: boolean;
  /** HEAD: the app's body is read and dropped. */
  headOnly: boolean;
  readTimeoutMs: number;
  sendTimeoutMs: number;
  stderr(line: string): void;
}

/** One request per connection at a time: the id can always be 1 (PHP-FPM does not multiplex). */
const REQUEST_ID = 1;

export class FastcgiExchange {
  bodyStarted = false;
  requestSent = false;
  responseStarted = false;
  bytesIn = 0;
  bytesOut = 0;
  private readonly reader = new RecordReader();
  private readonly cgi = new CgiResponseParser();
  private settled = false;
  private pausedByClient = false;
  private readTimer: NodeJS.Timeout | null = null;
  private sendTimer: NodeJS.Timeout | null = null;
  private resolve!: (o: ExchangeOutcome) => void;
  private reject!: (e: Error) => void;
  private cleanupBody: (() => void) | null = null;
  readonly done: Promise<ExchangeOutcome>;

  constructor(
    private readonly options: FastcgiExchangeOptions,
    private readonly sink: FastcgiSink,
  ) {
    this.done = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  start(): Promise<ExchangeOutcome> {
    const s = this.options.socket;
    s.on('data', this.onData);
    s.on('end', this.onEnd);
    s.on('close', this.onEnd);
    s.on('error', this.onError);
    s.resume();
    this.write(requestHead(REQUEST_ID, this.options.params, this.options.keepConn));
    const body = this.options.body;
    if (body === null || body.length === 0) this.finishRequest();
    else this.pump(body.stream);
    return this.done;
  }

  resume(): void {
    if (this.settled || !this.pausedByClient) return;
    this.pausedByClient = false;
    this.options.socket.resume();
    this.armRead();
  }

  /** As UpstreamExchange.discard: the rest of this read is parsed (END_REQUEST in it keeps the connection), then the socket closes. */
  discard(): void {
    this.discarding = true;
  }

  private discarding = false;

  abort(): void {
    if (this.settled) return;
    this.fail(new UpstreamError('closed', 'reading upstream', 'client closed the connection'));
  }

  private write(buf: Buffer): boolean {
    this.bytesOut += buf.length;
    return this.options.socket.write(buf);
  }

  private pump(stream: ProxyBodyStream): void {
    const s = this.options.socket;
    const onDrain = (): void => {
      this.clearSend();
      stream.resume();
    };
    const onData = (chunk: Buffer): void => {
      this.bodyStarted = true;
      if (this.settled) return;
      let ok = true;
      for (const r of streamRecords(FCGI_STDIN, REQUEST_ID, typeof chunk === 'string' ? Buffer.from(chunk) : chunk)) ok = this.write(r);
      if (!ok) {
        stream.pause();
        this.armSend();
        s.once('drain', onDrain);
      }
    };
    const onEnd = (): void => {
      cleanup();
      if (!this.settled) this.finishRequest();
    };
    const onError = (): void => {
      cleanup();
      this.fail(new UpstreamError('closed', 'sending request to upstream', 'client closed the connection while sending the request body'));
    };
    const cleanup = (): void => {
      this.cleanupBody = null;
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      s.off('drain', onDrain);
    };
    this.cleanupBody = cleanup;
    if (stream.readableEnded) return onEnd();
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.resume();
  }

  private finishRequest(): void {
    // The empty STDIN record ends the body (spec §3.3: a stream ends with an empty record).
    this.write(record(FCGI_STDIN, REQUEST_ID));
    this.requestSent = true;
    this.armRead();
  }

  private readonly onData = (chunk: Buffer): void => {
    this.responseStarted = true;
    this.bytesIn += chunk.length;
    if (!this.pausedByClient) this.armRead();
    try {
      this.reader.feed(chunk, (r) => {
        if (this.settled) return;
        if (r.requestId !== REQUEST_ID) return;
        if (r.type === FCGI_STDOUT) this.onStdout(r.content);
        else if (r.type === FCGI_STDERR) this.onStderr(r.content);
        else if (r.type === FCGI_END_REQUEST) this.onEndRequest(r.content);
      });
    } catch (e) {
      this.fail(new UpstreamError('invalid', this.phase(), `upstream sent invalid FastCGI record (${(e as Error).message}) while ${this.phase()}`));
      return;
    }
    if (this.discarding && !this.settled) {
      this.settle();
      this.options.socket.destroy();
      this.resolve({ kind: 'complete', reusable: false, bytesIn: this.bytesIn, bytesOut: this.bytesOut });
    }
  };

  private onStdout(content: Buffer): void {
    if (content.length === 0) return;
    let body: Buffer | null;
    const hadHead = this.cgi.head !== null;
    try {
      body = this.cgi.feed(content);
    } catch (e) {
      this.fail(new UpstreamError('invalid', 'reading response header from upstream', (e as Error).message));
      return;
    }
    const head = this.cgi.head;
    if (!hadHead && head) {
      const hasLength = head.rawHeaders.some((v, i) => i % 2 === 0 && v.toLowerCase() === 'content-length');
      this.sink.headFrom({ statusCode: head.status, statusMessage: head.statusMessage, rawHeaders: head.rawHeaders, hasLength });
    }
    if (body && body.length > 0 && !this.options.headOnly && !this.discarding) {
      if (!this.sink.body(body) && !this.settled) {
        this.pausedByClient = true;
        this.options.socket.pause();
        this.stopRead();
      }
    }
  }

  private onStderr(content: Buffer): void {
    const text = content.toString('utf8').trim();
    if (text !== '') this.options.stderr(`FastCGI sent in stderr: "${text}" while ${this.phase()}`);
  }

  private onEndRequest(content: Buffer): void {
    const { protocolStatus } = parseEndRequest(content);
    if (!this.cgi.head) {
      this.fail(new UpstreamError('closed', 'reading response header from upstream', protocolStatus === FCGI_REQUEST_COMPLETE ? 'upstream prematurely closed FastCGI stdout while reading response header from upstream' : `upstream refused the request (FastCGI protocol status ${protocolStatus}) while reading response header from upstream`));
      return;
    }
    this.settle();
    this.sink.end();
    const reusable = this.options.keepConn && this.requestSent && this.reader.buffered === 0;
    this.resolve({ kind: 'complete', reusable, bytesIn: this.bytesIn, bytesOut: this.bytesOut });
  }

  private readonly onEnd = (): void => {
    if (this.settled) return;
    this.fail(new UpstreamError('closed', this.phase()));
  };

  private readonly onError = (e: NodeJS.ErrnoException): void => {
    this.fail(UpstreamError.fromErrno(e, this.phase()));
  };

  private phase(): UpstreamPhase {
    if (this.cgi.head) return 'reading upstream';
    if (!this.requestSent && !this.responseStarted) return 'sending request to upstream';
    return 'reading response header from upstream';
  }

  private fail(e: Error): void {
    if (this.settled) return;
    this.settle();
    this.options.socket.destroy();
    this.reject(e);
  }

  private settle(): void {
    this.settled = true;
    this.stopRead();
    this.clearSend();
    const s = this.options.socket;
    s.off('data', this.onData);
    s.off('end', this.onEnd);
    s.off('close', this.onEnd);
    s.off('error', this.onError);
    this.cleanupBody?.();
  }

  private armRead(): void {
    if (this.settled) return;
    if (this.readTimer) this.readTimer.refresh();
    else this.readTimer = setTimeout(() => this.fail(new UpstreamError('timeout', this.cgi.head ? 'reading upstream' : 'reading response header from upstream')), this.options.readTimeoutMs);
  }

  private stopRead(): void {
    if (this.readTimer) clearTimeout(this.readTimer);
    this.readTimer = null;
  }

  private armSend(): void {
    if (this.settled) return;
    if (this.sendTimer) this.sendTimer.refresh();
    else this.sendTimer = setTimeout(() => this.fail(new UpstreamError('timeout', 'sending request to upstream')), this.options.sendTimeoutMs);
  }

  private clearSend(): void {
    if (this.sendTimer) clearTimeout(this.sendTimer);
    this.sendTimer = null;
  }
}
