// Incremental HTTP/1.1 response parser for upstream sockets (RFC 9112). Bytes in, events out:
// the head once (1xx interim responses are skipped, except 101 which ends parsing), body slices
// without copying, then the end. Body framing by RFC 9112 §6.3: none for HEAD/1xx/204/304,
// chunked when Transfer-Encoding ends in chunked, Content-Length, else until the server closes.
import { lowerName } from './headers.js';
import { UpstreamError } from './upstream-error.js';
import { hasBadValueChar, isToken } from '../http-grammar.js';

/** nginx `proxy_buffer_size` is one page; Berth allows larger heads but not without bound. */
export const MAX_RESPONSE_HEAD_BYTES = 64 * 1024;
/** A chunk-size line with extensions longer than this is refused (nginx: chunk size > 16 hex digits is invalid). */
const MAX_CHUNK_LINE = 4096;

export type BodyFraming = 'none' | 'length' | 'chunked' | 'close';

export interface ResponseHead {
  statusCode: number;
  statusMessage: string;
  httpVersion: '1.0' | '1.1';
  /** Header names and values, alternating, as sent. */
  rawHeaders: string[];
  framing: BodyFraming;
  /** For `length` framing. */
  contentLength: number;
  /** The server allows another request on this connection (framing permitting). */
  keepAlive: boolean;
}

export interface ResponseEvents {
  onHead(head: ResponseHead): void;
  /** A slice of the decoded body. The buffer may be a view on the socket's chunk. */
  onBody(chunk: Buffer): void;
  onEnd(): void;
}

const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/;

type State = 'head' | 'body-length' | 'chunk-size' | 'chunk-data' | 'chunk-crlf' | 'trailer' | 'body-close' | 'done' | 'upgraded';

export class ResponseParser {
  private state: State = 'head';
  private pending: Buffer | null = null;
  private remaining = 0;
  private framing: BodyFraming = 'none';
  private keepAlive = false;
  private head: ResponseHead | null = null;
  /** Bytes after a complete response or a 101 (tunnel data, or a sign the framing is off). */
  leftover: Buffer | null = null;

  constructor(
    private readonly method: string,
    private readonly events: ResponseEvents,
  ) {}

  get complete(): boolean {
    return this.state === 'done' || this.state === 'upgraded';
  }

  get upgraded(): boolean {
    return this.state === 'upgraded';
  }

  /** True once the head has been parsed. */
  get headDone(): boolean {
    return this.head !== null;
  }

  /** The connection may carry another request: complete, keep-alive, nothing extra received. */
  get reusable(): boolean {
    return this.state === 'done' && this.keepAlive && this.framing !== 'close' && this.leftover === null;
  }

  /** Feeds bytes from the socket. Throws UpstreamError on malformed input. */
  feed(chunk: Buffer): void {
    let buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = null;
    while (buf.length > 0) {
      switch (this.state) {
        case 'head': {
          const end = headEnd(buf);
          if (end < 0) {
            if (buf.length > MAX_RESPONSE_HEAD_BYTES) throw new UpstreamError('invalid', 'reading response header from upstream', 'upstream sent too big header while reading response header from upstream');
            this.pending = buf;
            return;
          }
          if (end > MAX_RESPONSE_HEAD_BYTES) throw new UpstreamError('invalid', 'reading response header from upstream', 'upstream sent too big header while reading response header from upstream');
          const head = this.parseHead(buf.toString('latin1', 0, end));
          buf = buf.subarray(end);
          // 1xx interim responses (100 Continue, 103 Early Hints) are dropped; 101 switches protocols.
          if (head.statusCode >= 100 && head.statusCode < 200 && head.statusCode !== 101) continue;
          this.head = head;
          this.framing = head.framing;
          this.keepAlive = head.keepAlive;
          this.remaining = head.contentLength;
          this.events.onHead(head);
          if (head.statusCode === 101) {
            this.state = 'upgraded';
            this.leftover = buf.length > 0 ? buf : null;
            return;
          }
          this.state = head.framing === 'length' ? 'body-length' : head.framing === 'chunked' ? 'chunk-size' : head.framing === 'close' ? 'body-close' : 'done';
          if (head.framing === 'length' && head.contentLength === 0) this.state = 'done';
          if (this.state === 'done') this.events.onEnd();
          break;
        }
        case 'body-length': {
          const n = Math.min(this.remaining, buf.length);
          this.remaining -= n;
          this.events.onBody(buf.subarray(0, n));
          buf = buf.subarray(n);
          if (this.remaining === 0) {
            this.state = 'done';
            this.events.onEnd();
          }
          break;
        }
        case 'body-close':
          this.events.onBody(buf);
          return;
        case 'chunk-size': {
          const nl = buf.indexOf(10);
          if (nl < 0) {
            if (buf.length > MAX_CHUNK_LINE) throw invalidChunk();
            this.pending = buf;
            return;
          }
          const line = buf.toString('latin1', 0, nl).replace(/\r$/, '');
          buf = buf.subarray(nl + 1);
          const m = /^([0-9A-Fa-f]{1,13})[ \t]*(;.*)?$/.exec(line);
          if (!m) throw invalidChunk();
          this.remaining = parseInt(m[1] ?? '', 16);
          this.state = this.remaining === 0 ? 'trailer' : 'chunk-data';
          break;
        }
        case 'chunk-data': {
          const n = Math.min(this.remaining, buf.length);
          this.remaining -= n;
          this.events.onBody(buf.subarray(0, n));
          buf = buf.subarray(n);
          if (this.remaining === 0) this.state = 'chunk-crlf';
          break;
        }
        case 'chunk-crlf': {
          if (buf[0] === 13) {
            if (buf.length < 2) {
              this.pending = buf;
              return;
            }
            if (buf[1] !== 10) throw invalidChunk();
            buf = buf.subarray(2);
          } else if (buf[0] === 10) {
            buf = buf.subarray(1);
          } else {
            throw invalidChunk();
          }
          this.state = 'chunk-size';
          break;
        }
        case 'trailer': {
          // Trailer fields are read and dropped (nginx does not pass them on by default).
          const nl = buf.indexOf(10);
          if (nl < 0) {
            if (buf.length > MAX_RESPONSE_HEAD_BYTES) throw invalidChunk();
            this.pending = buf;
            return;
          }
          const empty = nl === 0 || (nl === 1 && buf[0] === 13);
          buf = buf.subarray(nl + 1);
          if (empty) {
            this.state = 'done';
            this.events.onEnd();
          }
          break;
        }
        case 'done':
        case 'upgraded':
          this.leftover = this.leftover ? Buffer.concat([this.leftover, buf]) : buf;
          return;
      }
    }
  }

  /** The server closed the connection. Ends a close-delimited body; anything else unfinished throws. */
  finish(): void {
    if (this.state === 'body-close') {
      this.state = 'done';
      this.events.onEnd();
      return;
    }
    if (this.complete) return;
    throw new UpstreamError('closed', this.head === null ? 'reading response header from upstream' : 'reading upstream');
  }

  private parseHead(text: string): ResponseHead {
    // Lines end in CRLF or a bare LF (as nginx accepts). Scanned in place: no line array, no
    // regex per field (this runs once per proxied response).
    let eol = text.indexOf('\n');
    if (eol === -1) eol = text.length;
    const m = STATUS_LINE.exec(text.slice(0, eol > 0 && text.charCodeAt(eol - 1) === 13 ? eol - 1 : eol));
    if (!m) throw new UpstreamError('invalid', 'reading response header from upstream', 'upstream sent no valid HTTP/1.0 header while reading response header from upstream');
    const httpVersion = m[1] === '0' ? '1.0' : '1.1';
    const statusCode = Number(m[2]);
    if (statusCode < 100) throw new UpstreamError('invalid', 'reading response header from upstream', 'upstream sent no valid HTTP/1.0 header while reading response header from upstream');
    const rawHeaders: string[] = [];
    let contentLength: number | null = null;
    let transferEncoding: string | null = null;
    let connection = '';
    for (let pos = eol + 1; pos < text.length; ) {
      let end = text.indexOf('\n', pos);
      if (end === -1) end = text.length;
      const lineEnd = end > pos && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
      if (lineEnd === pos) {
        // The blank line ending the head: only line ends may follow it.
        for (let i = end; i < text.length; i++) if (text.charCodeAt(i) !== 10 && text.charCodeAt(i) !== 13) throw new UpstreamError('invalid', 'reading response header from upstream');
        break;
      }
      const colon = text.indexOf(':', pos);
      // Obsolete line folding and names with spaces are refused (RFC 9112 §5.1, §5.2).
      if (colon === -1 || colon >= lineEnd || !isToken(text, pos, colon)) throw new UpstreamError('invalid', 'reading response header from upstream');
      const name = text.slice(pos, colon);
      const value = text.slice(colon + 1, lineEnd).trim();
      if (hasBadValueChar(value)) throw new UpstreamError('invalid', 'reading response header from upstream');
      pos = end + 1;
      rawHeaders.push(name, value);
      // Only three names matter here: compare lowercase forms only at their lengths.
      const len = name.length;
      if (len !== 14 && len !== 17 && len !== 10) continue;
      const lower = lowerName(name);
      if (lower === 'content-length') {
        // Repeated or listed values must all agree (RFC 9110 §8.6).
        for (const part of value.split(',')) {
          const v = part.trim();
          if (!/^\d{1,15}$/.test(v)) throw new UpstreamError('invalid', 'reading response header from upstream');
          const n = Number(v);
          if (contentLength !== null && contentLength !== n) throw new UpstreamError('invalid', 'reading response header from upstream');
          contentLength = n;
        }
      } else if (lower === 'transfer-encoding') {
        transferEncoding = transferEncoding === null ? value : `${transferEncoding}, ${value}`;
      } else if (lower === 'connection') {
        connection = connection === '' ? value.toLowerCase() : `${connection}, ${value.toLowerCase()}`;
      }
    }
    const tokens = connection === '' ? [] : connection.split(',').map((t) => t.trim());
    let keepAlive = httpVersion === '1.1' ? !tokens.includes('close') : tokens.includes('keep-alive');
    let framing: BodyFraming;
    const bodyless = this.method === 'HEAD' || statusCode < 200 || statusCode === 204 || statusCode === 304;
    if (bodyless) framing = 'none';
    else if (transferEncoding !== null) {
      const codings = transferEncoding.toLowerCase().split(',').map((t) => t.trim());
      framing = codings[codings.length - 1] === 'chunked' && httpVersion === '1.1' ? 'chunked' : 'close';
      // Both Transfer-Encoding and Content-Length: a smuggling sign; never reuse (RFC 9112 §6.3).
      if (contentLength !== null) keepAlive = false;
    } else if (contentLength !== null) framing = 'length';
    else framing = 'close';
    if (framing === 'close') keepAlive = false;
    return { statusCode, statusMessage: m[3] ?? '', httpVersion, rawHeaders, framing, contentLength: framing === 'length' ? (contentLength ?? 0) : 0, keepAlive };
  }
}

/** Index just past the blank line ending the head, or -1. Accepts bare LF line ends, as nginx does. */
function headEnd(buf: Buffer): number {
  const crlf = buf.indexOf('\r\n\r\n', 0, 'latin1');
  // Only a bare-LF end before the CRLF one matters: do not scan a 64 KiB body for it.
  const lf = (crlf >= 0 ? buf.subarray(0, crlf + 3) : buf).indexOf('\n\n', 0, 'latin1');
  if (crlf >= 0 && (lf < 0 || crlf + 2 <= lf)) return crlf + 4;
  if (lf >= 0) return lf + 2;
  return -1;
}

function invalidChunk(): UpstreamError {
  return new UpstreamError('invalid', 'reading upstream', 'upstream sent invalid chunked response while reading upstream');
}
