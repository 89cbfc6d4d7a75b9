// Incremental HTTP/1.1 response parser for upstream sockets (RFC 9112). Bytes in, events out:
// the head once (1xx interim responses are skipped, except 101 which ends parsing), body slices
// without copying, then the end. Body framing by RFC 9112 §6.3: none for HEAD/1xx/204/304,
// chunked when Transfer-Encoding ends in chunked, Content-Length, else until the server closes.
import { UpstreamError } from './upstream-error.js';
import { TCHAR, hasBadValueChar, sameLower } from '../http-grammar.js';

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
  /** A slice of the decoded body: a view on the socket's chunk, valid during the call only (copy to keep it). */
  onBody(chunk: Buffer): void;
  onEnd(): void;
}


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
          // A short chunk (nearly every response head) is searched as a string, which is then the
          // head's text: Buffer#indexOf with a string needle is a C++ call that costs more than the copy.
          const probe = buf.length <= PROBE_BYTES ? buf.toString('latin1') : null;
          const end = probe !== null ? headEndIn(probe) : headEnd(buf);
          if (end < 0) {
            if (buf.length > MAX_RESPONSE_HEAD_BYTES) throw new UpstreamError('invalid', 'reading response header from upstream', 'upstream sent too big header while reading response header from upstream');
            this.pending = owned(buf);
            return;
          }
          if (end > MAX_RESPONSE_HEAD_BYTES) throw new UpstreamError('invalid', 'reading response header from upstream', 'upstream sent too big header while reading response header from upstream');
          // The probe is parsed in place up to `end` (no slice: a sliced string makes every char read indirect).
          const head = probe !== null ? this.parseHead(probe, end) : this.parseHead(buf.toString('latin1', 0, end), end);
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
            this.leftover = buf.length > 0 ? owned(buf) : null;
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
            this.pending = owned(buf);
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
              this.pending = owned(buf);
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
            this.pending = owned(buf);
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
          this.leftover = this.leftover ? Buffer.concat([this.leftover, buf]) : owned(buf);
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

  /** Parses `text[0, length)`: a whole head, its blank line included (headEnd found it). */
  private parseHead(text: string, length: number): ResponseHead {
    let eol = text.indexOf('\n');
    if (eol === -1 || eol >= length) eol = length;
    const status = parseStatusLine(text, eol > 0 && text.charCodeAt(eol - 1) === 13 ? eol - 1 : eol);
    if (status === null) throw new UpstreamError('invalid', 'reading response header from upstream', 'upstream sent no valid HTTP/1.0 header while reading response header from upstream');
    const { httpVersion, statusCode, statusMessage } = status;
    if (statusCode < 100) throw new UpstreamError('invalid', 'reading response header from upstream', 'upstream sent no valid HTTP/1.0 header while reading response header from upstream');
    const rawHeaders: string[] = [];
    let contentLength: number | null = null;
    let transferEncoding: string | null = null;
    let connection = '';
    // Each field line in one pass by char code (this runs once per proxied response): the name's
    // characters are checked while looking for the colon, the value's while looking for the line
    // end. Lines end in CRLF or a bare LF (as nginx accepts); a CR anywhere else is refused.
    for (let pos = eol + 1; pos < length; ) {
      let c = text.charCodeAt(pos);
      if (c === 10 || c === 13) {
        // The blank line ending the head: only line ends may follow it.
        for (let i = pos; i < length; i++) if (text.charCodeAt(i) !== 10 && text.charCodeAt(i) !== 13) throw invalidHead();
        break;
      }
      // field-name = token, then ':' at once — obsolete line folding and names with spaces are
      // refused (RFC 9112 §5.1, §5.2).
      let colon = pos;
      for (; colon < length; colon++) {
        c = text.charCodeAt(colon);
        if (c === 58) break;
        if (c > 127 || TCHAR[c] === 0) throw invalidHead();
      }
      if (colon === pos || colon === length) throw invalidHead();
      // OWS around the value is SP / HTAB only (RFC 9110 §5.6.3); inside it HTAB, VCHAR and
      // obs-text, never other controls (§5.5).
      let i = colon + 1;
      while (i < length && ((c = text.charCodeAt(i)) === 32 || c === 9)) i++;
      const from = i;
      let to = i;
      let next = length;
      for (; i < length; i++) {
        c = text.charCodeAt(i);
        if (c === 10) {
          next = i + 1;
          break;
        }
        if (c === 13) {
          if (i + 1 < length && text.charCodeAt(i + 1) === 10) {
            next = i + 2;
            break;
          }
          throw invalidHead();
        }
        if ((c < 32 && c !== 9) || c === 127) throw invalidHead();
        if (c !== 32 && c !== 9) to = i + 1;
      }
      const name = text.slice(pos, colon);
      const value = text.slice(from, to);
      pos = next;
      rawHeaders.push(name, value);
      // Only three names matter here, compared without lowercasing (sameLower checks the length first).
      if (sameLower(name, 'content-length')) {
        // Repeated or listed values must all agree (RFC 9110 §8.6). One value (nearly always) needs no split.
        for (const part of value.includes(',') ? value.split(',') : [value]) {
          const v = part.trim();
          if (!/^\d{1,15}$/.test(v)) throw invalidHead();
          const n = Number(v);
          if (contentLength !== null && contentLength !== n) throw invalidHead();
          contentLength = n;
        }
      } else if (sameLower(name, 'transfer-encoding')) {
        transferEncoding = transferEncoding === null ? value : `${transferEncoding}, ${value}`;
      } else if (sameLower(name, 'connection')) {
        connection = connection === '' ? value.toLowerCase() : `${connection}, ${value.toLowerCase()}`;
      }
    }
    // One token (nearly always `keep-alive` or `close`) needs no split.
    const tokens = connection === '' ? [] : connection.includes(',') ? connection.split(',').map((t) => t.trim()) : [connection];
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
    return { statusCode, statusMessage, httpVersion, rawHeaders, framing, contentLength: framing === 'length' ? (contentLength ?? 0) : 0, keepAlive };
  }
}

/** Chunks up to this size are scanned as a latin1 string. */
const PROBE_BYTES = 4096;

/** `headEnd` on the head's text. */
function headEndIn(text: string): number {
  const crlf = text.indexOf('\r\n\r\n');
  const lf = text.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf + 2 <= lf)) return crlf + 4;
  if (lf >= 0) return lf + 2;
  return -1;
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

/**
 * `HTTP/D.D NNN[ reason]` in `text[0, end)` (RFC 9112 §4), by char code: once per response.
 * HTTP/1.0 keeps its own framing rules; a higher minor version is read as 1.1 (RFC 9112 §2.3), and
 * so is a higher major one, as nginx does: uWSGI answers with the request's SERVER_PROTOCOL, which
 * is `HTTP/2.0` for an HTTP/2 client, over the same HTTP/1-style framing.
 */
function parseStatusLine(text: string, end: number): { httpVersion: '1.0' | '1.1'; statusCode: number; statusMessage: string } | null {
  if (end < 12 || !text.startsWith('HTTP/') || text.charCodeAt(6) !== 46 || text.charCodeAt(8) !== 32) return null;
  const major = text.charCodeAt(5);
  const minor = text.charCodeAt(7);
  if (major < 49 || major > 57 || minor < 48 || minor > 57) return null;
  let statusCode = 0;
  for (let i = 9; i < 12; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return null;
    statusCode = statusCode * 10 + d;
  }
  if (end > 12 && text.charCodeAt(12) !== 32) return null;
  const statusMessage = end > 13 ? text.slice(13, end) : '';
  // reason-phrase: HTAB, SP, VCHAR, obs-text — a CR here would split the client's status line.
  if (hasBadValueChar(statusMessage)) return null;
  return { httpVersion: major === 49 && minor === 48 ? '1.0' : '1.1', statusCode, statusMessage };
}

/**
 * A copy of bytes kept past `feed` (a partial head or chunk line, bytes after the response): the
 * chunk may be a view on a read buffer the next read overwrites (pool.ts, sharedReadBuffer).
 */
function owned(buf: Buffer): Buffer {
  return Buffer.from(buf);
}

function invalidHead(): UpstreamError {
  return new UpstreamError('invalid', 'reading response header from upstream');
}

function invalidChunk(): UpstreamError {
  return new UpstreamError('invalid', 'reading upstream', 'upstream sent invalid chunked response while reading upstream');
}
