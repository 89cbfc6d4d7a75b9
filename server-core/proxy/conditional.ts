// Validators, conditional requests and byte ranges for static files. Pure functions.
// Order of precondition checks: RFC 9110 §13.2.2 (If-Match, If-Unmodified-Since,
// If-None-Match, If-Modified-Since; a present If-None-Match makes If-Modified-Since ignored).
// Ranges: RFC 9110 §14.

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
  const getOrHead = h.method === 'GET' || h.method === 'HEAD';
  const mtimeSec = Math.floor(v.mtimeMs / 1000);
  if (h.ifMatch !== undefined) {
    if (!etagListMatches(h.ifMatch, v.etag, 'strong')) return 'precondition-failed';
  } else if (h.ifUnmodifiedSince !== undefined) {
    const since = parseHttpDate(h.ifUnmodifiedSince);
    if (since !== null && mtimeSec > since) return 'precondition-failed';
  }
  if (h.ifNoneMatch !== undefined) {
    if (etagListMatches(h.ifNoneMatch, v.etag, 'weak')) return getOrHead ? 'not-modified' : 'precondition-failed';
  } else if (h.ifModifiedSince !== undefined && getOrHead) {
    const since = parseHttpDate(h.ifModifiedSince);
    if (since !== null && mtimeSec <= since) return 'not-modified';
  }
  return 'proceed';
}

/** Seconds since the epoch, or null for a date that does not parse (such a header is ignored). */
export function parseHttpDate(value: string): number | null {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : Math.floor(ms / 1000);
}

/** `*` or a comma-separated list of entity tags. Weak comparison ignores `W/`; strong never matches a weak tag. */
export function etagListMatches(header: string, etag: string, comparison: 'strong' | 'weak'): boolean {
  if (header.trim() === '*') return true;
  for (const m of header.matchAll(/(W\/)?("[^"]*")/g)) {
    const weak = m[1] !== undefined;
    if (comparison === 'strong' && weak) continue;
    if (m[2] === etag) return true;
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
 * nginx's range filter: each range is clipped to the file; one that starts past the end is left
 * out, and none left → 416; one → 206 with Content-Range; several → multipart 206, unless they add
 * up to more than the file (overlaps), which nginx answers with the whole file. A syntactically bad
 * header is ignored (RFC 9110 §14.2; nginx answers 416); a range of an empty file → the whole
 * (empty) file. An If-Range that does not match the current validators also means the whole file.
 */
export function evaluateRange(range: string | undefined, ifRange: string | undefined, size: number, v: Validators): RangeDecision {
  // An empty file has no byte to select: nginx answers 200 with the (empty) whole, not 416 —
  // what a media element's `Range: bytes=0-` for a 0-byte file gets.
  if (range === undefined || size === 0) return { kind: 'full' };
  const m = /^\s*bytes\s*=\s*(.*)$/i.exec(range);
  if (!m) return { kind: 'full' };
  if (ifRange !== undefined && !ifRangeMatches(ifRange.trim(), v)) return { kind: 'full' };
  const specs = (m[1] ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (specs.length === 0 || specs.length > MAX_RANGES) return { kind: 'full' };
  const ranges: ByteRange[] = [];
  let total = 0;
  for (const text of specs) {
    const spec = /^(\d*)-(\d*)$/.exec(text);
    if (!spec) return { kind: 'full' };
    const [, first = '', last = ''] = spec;
    if (first === '' && last === '') return { kind: 'full' };
    let start: number;
    let end: number;
    if (first === '') {
      // A suffix: the last N bytes (all of them when N is larger).
      start = Math.max(0, size - Number(last));
      end = size - 1;
    } else {
      start = Number(first);
      end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
    }
    if (start > end) continue; // starts past the end (or `5-1`, `-0`): not satisfiable, left out
    ranges.push({ start, end });
    total += end - start + 1;
  }
  if (ranges.length === 0) return { kind: 'unsatisfiable' };
  if (total > size) return { kind: 'full' };
  const only = ranges.length === 1 ? ranges[0] : undefined;
  return only ? { kind: 'partial', start: only.start, end: only.end } : { kind: 'multipart', ranges };
}

/** If-Range holds an entity tag (strong comparison) or a date that must equal Last-Modified exactly. */
function ifRangeMatches(value: string, v: Validators): boolean {
  if (value.startsWith('"') || value.startsWith('W/')) return value === v.etag;
  const date = parseHttpDate(value);
  return date !== null && date === Math.floor(v.mtimeMs / 1000);
}
