// Strict HTTP/1.1 request-head parsing (RFC 9112). Pure: bytes in, a parsed head or the status to
// answer out. Refuses what lets two parsers disagree about where a request ends (request
// smuggling): obs-fold, whitespace before the colon, bare CR/LF, Content-Length together with
// Transfer-Encoding, more than one Content-Length, Transfer-Encoding on HTTP/1.0. A second
// If-Match, Authorization… (the fields nginx takes once, unique-fields.ts) is nginx's 400 too.
import { TCHAR, hasBadValueChar, isToken, sameLower } from '../http-grammar.js';
import { duplicateFieldReason, uniqueFieldBit } from '../unique-fields.js';

export interface HeadLimits {
  /** Longest request line; longer → 414 (nginx `large_client_header_buffers`: 8k). */
  maxLineBytes: number;
  /** Longest header block; longer → 431 (nginx: 4 × 8k). */
  maxHeadBytes: number;
  /** Most header fields; more → 431. */
  maxHeaders: number;
}

// nginx has no limit on the number of header fields, only on their bytes (8k a line, 4 × 8k in
// all); a client that sends 120 short fields gets its page there. The field cap is only a guard on
// the work per head (fields arrays, lookups) and sits far above what real clients send: the
// 32 KiB budget is the limit that binds.
export const DEFAULT_HEAD_LIMITS: HeadLimits = { maxLineBytes: 8192, maxHeadBytes: 32_768, maxHeaders: 1000 };

export interface ParsedHead {
  method: string;
  target: string;
  /** `1.1` or `1.0`. */
  httpVersion: string;
  rawHeaders: string[];
  /** Declared body length; null when there is none or the body is chunked. */
  contentLength: number | null;
  chunked: boolean;
  /** The client asked to keep the connection (1.1 default, 1.0 with `Connection: keep-alive`). */
  keepAlive: boolean;
  expectContinue: boolean;
  /** `Connection: upgrade` + an `Upgrade` field. */
  upgrade: boolean;
  /** Bytes of `buf` the head used (including the empty line). */
  consumed: number;
}

export type HeadResult =
  | { kind: 'incomplete' }
  | { kind: 'head'; head: ParsedHead }
  | { kind: 'error'; status: number; reason: string };

const INCOMPLETE: HeadResult = { kind: 'incomplete' };
const DIGITS = /^\d{1,15}$/;

function fail(status: number, reason: string): HeadResult {
  return { kind: 'error', status, reason };
}

/** Parses the request head at the start of `buf`; `incomplete` until the empty line has arrived. */
export function parseHead(buf: Buffer, limits: HeadLimits = DEFAULT_HEAD_LIMITS): HeadResult {
  // RFC 9112 §2.2: ignore at least one empty line before the request line.
  let start = 0;
  while (start + 1 < buf.length && buf[start] === 0x0d && buf[start + 1] === 0x0a && start < 8) start += 2;
  // A short head (nearly all) is searched as a string: Buffer#indexOf with a string needle is a
  // C++ call that costs more than this copy, which also becomes the head's text below.
  const probe = buf.length - start <= PROBE_BYTES ? buf.toString('latin1', start, buf.length) : null;
  const end = probe !== null ? offsetBy(probe.indexOf('\r\n\r\n'), start) : buf.indexOf('\r\n\r\n', start, 'latin1');
  if (end === -1) {
    if (buf.length - start > limits.maxHeadBytes) return fail(431, 'the request header block is too large');
    const firstLineEnd = buf.indexOf('\r\n', start, 'latin1');
    if ((firstLineEnd === -1 ? buf.length : firstLineEnd) - start > limits.maxLineBytes) return fail(414, 'the request line is too long');
    // A bare LF line end never completes a CRLF head: refuse it now rather than at the timeout.
    const lf = buf.indexOf(0x0a, start);
    if (lf !== -1 && (lf === 0 || buf[lf - 1] !== 0x0d)) return fail(400, 'a bare LF line ending');
    return INCOMPLETE;
  }
  if (end - start > limits.maxHeadBytes) return fail(431, 'the request header block is too large');
  // The head is scanned in place (no line array, no regex): this runs once per request. The probe
  // is read up to `length` without slicing it (a sliced string makes every char read indirect).
  const length = end - start;
  const text = probe !== null ? probe : buf.toString('latin1', start, end);
  const lineEnd = within(text.indexOf('\r\n'), length);
  const requestLineEnd = lineEnd === -1 ? length : lineEnd;
  if (requestLineEnd > limits.maxLineBytes) return fail(414, 'the request line is too long');
  const rl = parseRequestLine(text, requestLineEnd);
  if (rl === null) return fail(400, 'a malformed request line');
  const { method, target } = rl;
  if (rl.major !== 1) return fail(505, 'only HTTP/1.x is spoken on this connection');
  const httpVersion = rl.minor === 0 ? '1.0' : '1.1';

  let fieldCount = 0;
  for (let at = lineEnd; at !== -1; at = within(text.indexOf('\r\n', at + 2), length)) fieldCount++;
  if (fieldCount > limits.maxHeaders) return fail(431, 'too many header fields');
  const rawHeaders: string[] = [];
  let contentLength: number | null = null;
  let transferEncoding: string | null = null;
  let connection = '';
  let upgradeField = false;
  let expect: string | null = null;
  let uniqueSeen = 0;
  for (let pos = lineEnd; pos !== -1; ) {
    const from = pos + 2;
    const next = within(text.indexOf('\r\n', from), length);
    const to = next === -1 ? length : next;
    pos = next;
    if (to - from > limits.maxLineBytes) return fail(431, 'a header field is too long');
    const c0 = text.charCodeAt(from);
    // RFC 9112 §5.2: obs-fold is rejected with 400 (outside message/http).
    if (c0 === 0x20 || c0 === 0x09) return fail(400, 'an obsolete line folding (obs-fold) in the headers');
    const colon = text.indexOf(':', from);
    if (colon <= from || colon >= to) return fail(400, 'a header line without a name and colon');
    // RFC 9112 §5.1: no whitespace between the field name and the colon.
    if (!isToken(text, from, colon)) return fail(400, 'an invalid header field name');
    const name = text.slice(from, colon);
    const value = trimOws(text.slice(colon + 1, to));
    if (hasBadValueChar(value)) return fail(400, 'a control character in a header value');
    rawHeaders.push(name, value);
    // nginx's "client sent duplicate header line", at the line it meets it.
    const unique = uniqueFieldBit(name);
    if (unique !== 0) {
      if ((uniqueSeen & unique) !== 0) return fail(400, duplicateFieldReason(name));
      uniqueSeen |= unique;
    }
    switch (name.length) {
      case 14:
        if (sameLower(name, 'content-length')) {
          // RFC 9110 §8.6 lets a recipient either collapse a list of identical values or reject it;
          // nginx rejects (a second field: the duplicate check above; `3, 3`: an invalid
          // Content-Length), and so does Berth: one less framing a smuggler can play with, and
          // every later reader of the field (upstream framing, the 413 check) sees one number.
          if (!DIGITS.test(value)) return fail(400, 'an invalid Content-Length');
          contentLength = Number(value);
        }
        break;
      case 17:
        if (sameLower(name, 'transfer-encoding')) transferEncoding = value;
        break;
      case 10:
        if (sameLower(name, 'connection')) connection = connection === '' ? value : `${connection}, ${value}`;
        break;
      case 7:
        if (sameLower(name, 'upgrade')) upgradeField = true;
        break;
      case 6:
        if (sameLower(name, 'expect')) expect = value;
        break;
    }
  }

  let chunked = false;
  if (transferEncoding !== null) {
    // RFC 9112 §6.1: a server MAY reject TE in an HTTP/1.0 request; a smuggling vector, so it does.
    if (httpVersion === '1.0') return fail(400, 'Transfer-Encoding in an HTTP/1.0 request');
    // RFC 9112 §6.3: TE + CL is a smuggling attempt; reject rather than pick one.
    if (contentLength !== null) return fail(400, 'both Transfer-Encoding and Content-Length');
    const codings = transferEncoding.split(',').map((s) => trimOws(s).toLowerCase());
    if (codings.at(-1) !== 'chunked') return fail(400, 'a Transfer-Encoding whose final coding is not chunked');
    if (codings.length !== 1) return fail(501, 'a transfer coding other than chunked');
    chunked = true;
  }

  let keepAlive = httpVersion === '1.1';
  let upgrade = false;
  if (connection !== '') {
    for (const token of connection.split(',')) {
      const t = trimOws(token).toLowerCase();
      if (t === 'close') keepAlive = false;
      else if (t === 'keep-alive' && httpVersion === '1.0') keepAlive = true;
      else if (t === 'upgrade') upgrade = upgradeField;
    }
  }
  // A `close` anywhere wins over keep-alive.
  if (connection !== '' && /(^|,)\s*close\s*(,|$)/i.test(connection)) keepAlive = false;

  let expectContinue = false;
  if (expect !== null) {
    // RFC 9110 §10.1.1: 100-continue is the only expectation; others → 417.
    if (expect.toLowerCase() !== '100-continue') return fail(417, 'an unsupported expectation');
    expectContinue = httpVersion === '1.1';
  }

  return {
    kind: 'head',
    head: { method, target, httpVersion, rawHeaders, contentLength: chunked ? null : contentLength, chunked, keepAlive, expectContinue, upgrade, consumed: end + 4 },
  };
}

/** Unread bytes up to this size are scanned as a latin1 string (see parseHead). */
const PROBE_BYTES = 2048;

function offsetBy(i: number, by: number): number {
  return i === -1 ? -1 : i + by;
}

/** An index found in the text, or -1 when there is none before `length` (the head's end). */
function within(i: number, length: number): number {
  return i >= length ? -1 : i;
}

/**
 * `method SP request-target SP HTTP-version` (RFC 9112 §3) in `text[0, end)`, by char code:
 * method a token, target any run of characters but controls, SP and DEL, version `HTTP/d.d`.
 */
function parseRequestLine(text: string, end: number): { method: string; target: string; major: number; minor: number } | null {
  let sp = 0;
  for (; sp < end; sp++) {
    const c = text.charCodeAt(sp);
    if (c === 0x20) break;
    if (c > 127 || TCHAR[c] === 0) return null;
  }
  if (sp === 0 || sp === end) return null;
  const targetStart = sp + 1;
  let sp2 = targetStart;
  for (; sp2 < end; sp2++) {
    const c = text.charCodeAt(sp2);
    if (c <= 0x20 || c === 0x7f) break;
  }
  if (sp2 === targetStart || sp2 === end || text.charCodeAt(sp2) !== 0x20) return null;
  // "HTTP/" digit "." digit, and nothing after it.
  const v = sp2 + 1;
  if (end - v !== 8 || !text.startsWith('HTTP/', v) || text.charCodeAt(v + 6) !== 0x2e) return null;
  const major = text.charCodeAt(v + 5) - 0x30;
  const minor = text.charCodeAt(v + 7) - 0x30;
  if (major < 0 || major > 9 || minor < 0 || minor > 9) return null;
  return { method: text.slice(0, sp), target: text.slice(targetStart, sp2), major, minor };
}

function trimOws(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) === 0x20 || s.charCodeAt(a) === 0x09)) a++;
  while (b > a && (s.charCodeAt(b - 1) === 0x20 || s.charCodeAt(b - 1) === 0x09)) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}
