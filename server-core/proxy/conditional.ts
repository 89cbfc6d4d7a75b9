// Validators, conditional requests and byte ranges for static files. Pure functions.
// Preconditions are evaluated as nginx's not_modified filter does with its default
// `if_modified_since exact` (ngx_http_not_modified_filter_module.c), which users coming from nginx
// get unless they changed it — not RFC 9110 §13.2.2's order: If-Unmodified-Since and If-Match are
// both checked (412 when either fails; an If-Unmodified-Since nginx cannot read fails too), and a
// 304 needs every present If-Modified-Since / If-None-Match to say "not modified":
// If-Modified-Since only when it names the file's mtime to the second (a later date is "modified"),
// so an If-None-Match does not override it. Dates are read as nginx reads them (http-time.ts).
// Ranges: nginx's range filter (range-header.ts).
import { parseNginxHttpTime } from './http-time.js';
import { parseRangeHeader } from './range-header.js';

export interface Validators {
  /** Strong entity tag, quotes included. */
  etag: string;
  /** Modification time in ms since the epoch. */
  mtimeMs: number;
}

export interface ConditionalHeaders {
  method: string;
  ifMatch?: string | undefined;
  ifNoneMatch?: string | undefined;
  ifModifiedSince?: string | undefined;
  ifUnmodifiedSince?: string | undefined;
}

/** nginx's ETag: `"<mtime seconds hex>-<size hex>"` (ngx_http_set_etag). */
export function makeEtag(mtimeMs: number, size: number): string {
  return `"${Math.floor(mtimeMs / 1000).toString(16)}-${size.toString(16)}"`;
}

/** HTTP dates have one-second precision (IMF-fixdate). */
export function httpDate(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toUTCString();
}

export type PreconditionResult = 'proceed' | 'not-modified' | 'precondition-failed';

export function evaluatePreconditions(h: ConditionalHeaders, v: Validators): PreconditionResult {
  const mtimeSec = Math.floor(v.mtimeMs / 1000);
  // ngx_http_test_if_unmodified: a date nginx cannot parse is NGX_ERROR (-1), earlier than any mtime.
  if (h.ifUnmodifiedSince !== undefined && (parseNginxHttpTime(h.ifUnmodifiedSince) ?? -1) < mtimeSec) return 'precondition-failed';
  if (h.ifMatch !== undefined && !etagListMatches(h.ifMatch, v.etag, 'strong')) return 'precondition-failed';
  if (h.ifModifiedSince === undefined && h.ifNoneMatch === undefined) return 'proceed';
  // `if_modified_since exact`: only the file's own second is "not modified".
  if (h.ifModifiedSince !== undefined && parseNginxHttpTime(h.ifModifiedSince) !== mtimeSec) return 'proceed';
  if (h.ifNoneMatch !== undefined && !etagListMatches(h.ifNoneMatch, v.etag, 'weak')) return 'proceed';
  return 'not-modified';
}

/** Seconds since the epoch, or null for a date that does not parse (read as nginx reads it). */
export function parseHttpDate(value: string): number | null {
  return parseNginxHttpTime(value);
}

/**
 * `*` or a comma-separated list of entity tags, compared as ngx_http_test_if_match does: the
 * response's tag as a prefix of a list item followed by optional blanks and a comma or the end.
 * Weak comparison drops `W/` from both; strong never matches a `W/` item.
 */
export function etagListMatches(header: string, etag: string, comparison: 'strong' | 'weak'): boolean {
  if (header === '*') return true;
  const weak = comparison === 'weak';
  const tag = weak && etag.length > 2 && etag.startsWith('W/') ? etag.slice(2) : etag;
  const end = header.length;
  let start = 0;
  while (start < end) {
    if (weak && end - start > 2 && header.startsWith('W/', start)) start += 2;
    if (tag.length > end - start) return false;
    if (header.startsWith(tag, start)) {
      let after = start + tag.length;
      while (after < end && (header[after] === ' ' || header[after] === '\t')) after++;
      if (after === end || header[after] === ',') return true;
    }
    while (start < end && header[start] !== ',') start++;
    while (start < end && (header[start] === ' ' || header[start] === '\t' || header[start] === ',')) start++;
  }
  return false;
}

export interface ByteRange {
  start: number;
  /** Inclusive. */
  end: number;
}

export type RangeDecision =
  | { kind: 'full' }
  | { kind: 'partial'; start: number; end: number }
  /** Several ranges: a multipart/byteranges body (RFC 9110 §14.6), in the order asked. */
  | { kind: 'multipart'; ranges: ByteRange[] }
  | { kind: 'unsatisfiable' };

/** More ranges than this are answered with the whole file (RFC 9110 §14.2 lets a server ignore Range). */
export const MAX_RANGES = 100;

/**
 * nginx's range filter (ngx_http_range_header_filter): a header that does not start with `bytes=`
 * (any case) is ignored; an If-Range that does not match the current validators means the whole
 * file; then the header is parsed as nginx parses it (range-header.ts): a malformed one is 416,
 * ranges are clipped to the file, one that starts past the end is left out and none left is 416;
 * one → 206 with Content-Range; several → multipart 206, unless they add up to more than the file
 * (overlaps), which nginx answers with the whole file. An empty file gets its (empty) whole for a
 * well-formed range, as nginx does — what a media element's `Range: bytes=0-` for a 0-byte file gets.
 */
export function evaluateRange(range: string | undefined, ifRange: string | undefined, size: number, v: Validators): RangeDecision {
  if (range === undefined || range.length < 7 || !/^bytes=/i.test(range)) return { kind: 'full' };
  if (ifRange !== undefined && !ifRangeMatches(ifRange.trim(), v)) return { kind: 'full' };
  const parsed = parseRangeHeader(range, size, MAX_RANGES);
  if (parsed === 'unsatisfiable') return { kind: 'unsatisfiable' };
  if (parsed === 'whole') return { kind: 'full' };
  const only = parsed.length === 1 ? parsed[0] : undefined;
  return only ? { kind: 'partial', start: only.start, end: only.end } : { kind: 'multipart', ranges: parsed };
}

/** If-Range holds an entity tag (nginx: a value ending in `"`; compared byte for byte) or a date that must equal Last-Modified exactly. */
function ifRangeMatches(value: string, v: Validators): boolean {
  if (value.length >= 2 && value.endsWith('"')) return value === v.etag;
  const date = parseHttpDate(value);
  return date !== null && date === Math.floor(v.mtimeMs / 1000);
}
