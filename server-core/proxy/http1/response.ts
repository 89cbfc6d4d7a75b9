// The engine's response writer: status line + headers + body framed by Content-Length, chunked
// (HTTP/1.1) or connection close (HTTP/1.0), written straight to the socket. Behaves like a
// node:http ServerResponse for the handlers (write → boolean + 'drain', end, 'finish', 'close'),
// so `readable.pipe(res)` and `stream.pipeline(…, res)` work.
import { EventEmitter } from 'node:events';
import type { OutgoingHttpHeader, OutgoingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { isBodyless, statusText } from '../error-pages.js';
import type { ProxyResponse } from '../http-types.js';
import { copyForWrite } from '../write-copies.js';

/** What the response asks of its connection (implemented by Http1Connection). */
export interface ResponseOwner {
  readonly socket: Socket;
  /** Called once, when the head is about to be written: returns whether the connection stays open. */
  keepAliveFor(res: Http1Response, wantsClose: boolean, closeDelimited: boolean): boolean;
  /** The last byte was handed to the socket. */
  finished(res: Http1Response): void;
  /** A write left the socket's buffer full: the send timeout runs until 'drain'. */
  sendBlocked?(): void;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** CR, LF or NUL in a header value would split the response (RFC 9110 §5.5). */
const BAD_VALUE = /[\r\n\0]/;
/** Below this a body is copied behind the head (one buffer); above it goes out by writev. */
const COPY_LIMIT = 2048;
const CRLF = '\r\n';
const LAST_CHUNK = Buffer.from('0\r\n\r\n', 'latin1');

let dateCache = '';
let dateCacheSecond = -1;
/** `Date` (RFC 9110 §6.6.1), formatted once per second. */
export function httpDateNow(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateCacheSecond) {
    dateCacheSecond = second;
    dateCache = new Date(second * 1000).toUTCString();
  }
  return dateCache;
}

type HeaderValue = number | string | readonly string[];
type WriteCallback = (error?: Error | null) => void;

export class Http1Response extends EventEmitter implements ProxyResponse {
  statusCode = 200;
  statusMessage = '';
  headersSent = false;
  writableEnded = false;
  writableFinished = false;
  destroyed = false;
  /** The socket was handed to the handler (upgrade): this object writes nothing more. */
  detached = false;
  /** ProxyResponse.abortOnClientEnd: the connection reads the client's EOF as giving up. */
  abortOnClientEnd = false;
  /** The engine answered instead (413/408 during the body): later writes by the handler are dropped. */
  private takenOver = false;
  private readonly fields = new Map<string, [string, HeaderValue]>();
  /** Relayed upstream header lines (relayHeaderLines): written as they are, after `fields`. */
  private relayed = '';
  private relayedLength = false;
  private mode: 'none' | 'length' | 'chunked' | 'close' = 'none';

  constructor(
    private readonly owner: ResponseOwner,
    private readonly isHead: boolean,
    /** The request's version decides chunked (1.1) or close-delimited (1.0) bodies. */
    private readonly httpVersion: string,
  ) {
    super();
  }

  get socket(): Socket {
    return this.owner.socket;
  }

  get writable(): boolean {
    return !this.writableEnded && !this.destroyed;
  }

  get writableLength(): number {
    return this.owner.socket.writableLength;
  }

  get writableNeedDrain(): boolean {
    return this.owner.socket.writableNeedDrain;
  }

  setHeader(name: string, value: HeaderValue): this {
    if (this.headersSent) throw new Error(`cannot set header "${name}" after the response head was sent`);
    this.fields.set(checkName(name), [name, checkValue(name, value)]);
    return this;
  }

  getHeader(name: string): number | string | string[] | undefined {
    const v = this.fields.get(name.toLowerCase())?.[1];
    return Array.isArray(v) ? [...(v as string[])] : (v as number | string | undefined);
  }

  removeHeader(name: string): void {
    if (this.headersSent) throw new Error(`cannot remove header "${name}" after the response head was sent`);
    this.fields.delete(name.toLowerCase());
  }

  hasHeader(name: string): boolean {
    return this.fields.has(name.toLowerCase());
  }

  getHeaders(): OutgoingHttpHeaders {
    const out: OutgoingHttpHeaders = {};
    for (const [lower, [, v]] of this.fields) out[lower] = Array.isArray(v) ? [...(v as string[])] : (v as number | string);
    return out;
  }

  relayHeaderLines(lines: string, hasLength: boolean): void {
    if (this.headersSent) throw new Error('cannot add header lines after the response head was sent');
    this.relayed += lines;
    if (hasLength) this.relayedLength = true;
  }

  getHeaderNames(): string[] {
    return [...this.fields.keys()];
  }

  writeHead(statusCode: number, reasonOrHeaders?: string | OutgoingHttpHeaders | OutgoingHttpHeader[], maybeHeaders?: OutgoingHttpHeaders | OutgoingHttpHeader[]): this {
    if (this.headersSent) throw new Error('writeHead() after the response head was sent');
    if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 999) throw new RangeError(`invalid status code ${statusCode}`);
    this.statusCode = statusCode;
    let headers = maybeHeaders;
    if (typeof reasonOrHeaders === 'string') this.statusMessage = reasonOrHeaders;
    else headers = reasonOrHeaders;
    if (Array.isArray(headers)) {
      // A flat [name, value, name, value…] array, as node:http accepts.
      for (let i = 0; i + 1 < headers.length; i += 2) this.appendHeader(String(headers[i]), headers[i + 1] as HeaderValue);
    } else if (headers) {
      for (const name of Object.keys(headers)) {
        const v = (headers as OutgoingHttpHeaders)[name];
        if (v !== undefined) this.setHeader(name, v);
      }
    }
    return this;
  }

  /** Adds a value to a header (a second Set-Cookie, say) instead of replacing it. */
  appendHeader(name: string, value: HeaderValue): this {
    const lower = checkName(name);
    const prev = this.fields.get(lower);
    const v = checkValue(name, value);
    if (!prev) this.fields.set(lower, [name, v]);
    else this.fields.set(lower, [prev[0], [...toList(prev[1]), ...toList(v)]]);
    return this;
  }

  flushHeaders(): void {
    if (!this.headersSent && !this.unusable()) this.owner.socket.write(this.buildHead(null), 'latin1');
  }

  write(chunk: Uint8Array | string, encodingOrCb?: BufferEncoding | WriteCallback, cb?: WriteCallback): boolean {
    const callback = typeof encodingOrCb === 'function' ? encodingOrCb : cb;
    const encoding = typeof encodingOrCb === 'string' ? encodingOrCb : 'utf8';
    if (this.writableEnded || this.unusable()) {
      if (callback) process.nextTick(callback, this.writableEnded && !this.unusable() ? new Error('write after end') : null);
      return false;
    }
    const data = typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk;
    return this.send(data, false, callback);
  }

  writeTransient(chunk: Uint8Array): boolean {
    if (this.writableEnded || this.unusable()) return false;
    return this.send(chunk, false, undefined, true);
  }

  end(chunkOrCb?: Uint8Array | string | (() => void), encodingOrCb?: BufferEncoding | (() => void), cb?: () => void): this {
    let chunk: Uint8Array | string | undefined;
    let callback: (() => void) | undefined;
    let encoding: BufferEncoding = 'utf8';
    if (typeof chunkOrCb === 'function') callback = chunkOrCb;
    else {
      chunk = chunkOrCb;
      if (typeof encodingOrCb === 'function') callback = encodingOrCb;
      else {
        if (encodingOrCb) encoding = encodingOrCb;
        callback = cb;
      }
    }
    if (this.writableEnded || this.unusable()) {
      if (callback) process.nextTick(callback);
      return this;
    }
    this.writableEnded = true;
    if (callback) this.once('finish', callback);
    const data = chunk === undefined ? null : typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk;
    this.send(data, true, undefined);
    return this;
  }

  destroy(error?: Error): this {
    if (this.detached) return this;
    this.owner.socket.destroy(error);
    return this;
  }

  /** The socket closed before the response finished (or after): 'close' once. */
  socketClosed(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('close');
  }

  /**
   * The engine answers for the handler (413 while the body streams, 408 on a body timeout):
   * writes the page, closes after it, and ignores whatever the handler writes later.
   */
  takeOver(status: number, body: string, extra: Record<string, string>): void {
    if (this.headersSent || this.writableEnded) {
      this.destroy();
      return;
    }
    this.fields.clear();
    for (const [k, v] of Object.entries(extra)) this.setHeader(k, v);
    this.setHeader('Content-Type', 'text/html; charset=utf-8');
    this.setHeader('Connection', 'close');
    this.statusCode = status;
    this.statusMessage = '';
    this.end(body);
    this.takenOver = true;
  }

  /** After detachSocket(): the handler writes the 101 itself; this object only reports 'close'. */
  markDetached(): void {
    this.detached = true;
    this.headersSent = true;
    this.writableEnded = true;
    if (this.statusCode === 200) this.statusCode = 101;
  }

  private unusable(): boolean {
    return this.takenOver || this.detached || this.destroyed;
  }

  /**
   * Frames and writes `data` (null = nothing), the head first if it has not gone out. `transient`:
   * `data` is valid during the call only, so it is copied unless it goes out inside the head's string.
   */
  private send(input: Uint8Array | null, last: boolean, callback: WriteCallback | undefined, transient = false): boolean {
    const socket = this.owner.socket;
    const head = this.headersSent ? null : this.buildHead(last ? (input?.length ?? 0) : null);
    const inHeadString = head !== null && this.mode === 'length' && input !== null && input.length <= COPY_LIMIT;
    // A transient chunk going out as bytes is copied (write-copies.ts); a slab goes back once written.
    const copy = transient && input !== null && input.length > 0 && this.mode !== 'none' && !inHeadString ? copyForWrite(input) : null;
    const data = copy !== null ? copy.data : input;
    const release = copy?.release;
    const hasBody = this.mode !== 'none' && data !== null && data.length > 0;
    const after: WriteCallback | undefined = last ? () => this.onFinished(callback) : callback;
    const done: WriteCallback | undefined =
      release === undefined
        ? after
        : (error) => {
            release();
            after?.(error);
          };
    const pieces: Array<string | Uint8Array> = [];
    if (head !== null) pieces.push(head);
    if (hasBody) {
      if (this.mode === 'chunked') pieces.push(`${data.length.toString(16)}${CRLF}`, data, CRLF);
      else pieces.push(data);
    }
    if (last && this.mode === 'chunked') pieces.push(LAST_CHUNK);
    if (pieces.length === 0) {
      if (done) process.nextTick(done);
      return !socket.writableNeedDrain;
    }
    let ok: boolean;
    if (pieces.length === 1) ok = writePiece(socket, pieces[0] as string | Uint8Array, done);
    else if (head !== null && pieces.length === 2 && hasBody && data.length <= COPY_LIMIT) {
      // Head and a small body as one latin1 string (bytes 0–255 map 1:1 to its characters): one
      // syscall, no writev bookkeeping, and Node encodes a string write under 16 KiB into stack
      // memory before trying it, where a Buffer here would be allocated, filled and copied.
      ok = socket.write(head + latin1(data), 'latin1', done);
    } else {
      socket.cork();
      ok = true;
      for (let i = 0; i < pieces.length; i++) ok = writePiece(socket, pieces[i] as string | Uint8Array, i === pieces.length - 1 ? done : undefined);
      socket.uncork();
    }
    if (!ok) this.owner.sendBlocked?.();
    return ok;
  }

  private onFinished(callback: WriteCallback | undefined): void {
    if (this.writableFinished) return;
    this.writableFinished = true;
    callback?.();
    this.emit('finish');
    this.owner.finished(this);
    if (this.mode === 'close') this.owner.socket.end();
    this.socketClosed();
  }

  /** `knownLength`: the whole body when end() carries it before the head went out. */
  private buildHead(knownLength: number | null): string {
    this.headersSent = true;
    const status = this.statusCode;
    const bodyless = isBodyless(status);
    let wantsClose = false;
    let hasLength = false;
    let head = `HTTP/1.1 ${status} ${this.statusMessage || statusText(status)}\r\n`;
    let hasDate = false;
    for (const [lower, [name, value]] of this.fields) {
      if (lower === 'connection') {
        if (/(^|,)\s*close\s*(,|$)/i.test(String(value))) wantsClose = true;
        continue;
      }
      // The engine owns the framing and the connection's fate.
      if (lower === 'transfer-encoding' || lower === 'keep-alive') continue;
      if (lower === 'content-length') {
        if (bodyless && status !== 304) continue;
        hasLength = true;
      }
      if (lower === 'date') hasDate = true;
      if (typeof value === 'object') for (const v of value) head += `${name}: ${v}\r\n`;
      else head += `${name}: ${value}\r\n`;
    }
    if (this.relayed !== '') {
      head += this.relayed;
      if (this.relayedLength && !(bodyless && status !== 304)) hasLength = true;
    }
    if (!hasDate) head += `Date: ${httpDateNow()}\r\n`;
    if (bodyless || this.isHead) {
      this.mode = 'none';
      if (this.isHead && !hasLength && knownLength !== null && knownLength > 0 && !bodyless) head += `Content-Length: ${knownLength}\r\n`;
    } else if (hasLength) {
      this.mode = 'length';
    } else if (knownLength !== null) {
      this.mode = 'length';
      head += `Content-Length: ${knownLength}\r\n`;
    } else if (this.httpVersion === '1.1') {
      this.mode = 'chunked';
      head += 'Transfer-Encoding: chunked\r\n';
    } else {
      this.mode = 'close';
    }
    const keepAlive = this.owner.keepAliveFor(this, wantsClose, this.mode === 'close');
    head += keepAlive ? 'Connection: keep-alive\r\n\r\n' : 'Connection: close\r\n\r\n';
    return head;
  }
}

function latin1(data: Uint8Array): string {
  return (Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength)).toString('latin1');
}

function writePiece(socket: Socket, piece: string | Uint8Array, cb: WriteCallback | undefined): boolean {
  return typeof piece === 'string' ? socket.write(piece, 'latin1', cb) : socket.write(piece, cb);
}

/** Names already checked, with their lowercase form: handlers set the same few on every response. */
const checkedNames = new Map<string, string>();

function checkName(name: string): string {
  let lower = checkedNames.get(name);
  if (lower !== undefined) return lower;
  if (!TOKEN.test(name)) throw new TypeError(`invalid header name "${name}"`);
  lower = name.toLowerCase();
  // Bounded: names from upstream responses pass here too.
  if (checkedNames.size >= 1024) checkedNames.clear();
  checkedNames.set(name, lower);
  return lower;
}

function checkValue(name: string, value: HeaderValue): HeaderValue {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    if (BAD_VALUE.test(value)) throw new TypeError(`invalid character in header "${name}"`);
    return value;
  }
  for (const v of value) if (BAD_VALUE.test(String(v))) throw new TypeError(`invalid character in header "${name}"`);
  return [...value].map(String);
}

function toList(v: HeaderValue): string[] {
  return typeof v === 'object' ? [...v] : [String(v)];
}
