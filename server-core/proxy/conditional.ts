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

export type RangeDecision =
  | { kind: 'full' }
  | { kind: 'partial'; start: number; end: number }
  | { kind: 'unsatisfiable' };

/**
 * One byte range → 206; several → the whole file (a server may ignore Range, RFC 9110 §14.2);
 * a syntactically bad header is ignored; a range past the end → 416; any range of an empty file → the whole (empty) file.
 * An If-Range that does not match the current validators also means the whole file.
 */
export function evaluateRange(range: string | undefined, ifRange: string | undefined, size: number, v: Validators): RangeDecision {
  // An empty file has no byte to select: nginx answers 200 with the (empty) whole, not 416 —
  // what a media element's `Range: bytes=0-` for a 0-byte file gets.
  if (range === undefined || size === 0) return { kind: 'full' };
  const m = /^\s*bytes\s*=\s*(.*)$/i.exec(range);
  if (!m) return { kind: 'full' };
  if (ifRange !== undefined && !ifRangeMatches(ifRange.trim(), v)) return { kind: 'full' };
  const specs = (m[1] ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (specs.length !== 1) return { kind: 'full' };
  const spec = /^(\d*)-(\d*)$/.exec(specs[0] ?? '');
  if (!spec) return { kind: 'full' };
  const [, first = '', last = ''] = spec;
  if (first === '' && last === '') return { kind: 'full' };
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return { kind: 'unsatisfiable' };
  if (start >= size) return { kind: 'unsatisfiable' };
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  return { kind: 'partial', start, end };
}

/** If-Range holds an entity tag (strong comparison) or a date that must equal Last-Modified exactly. */
function ifRangeMatches(value: string, v: Validators): boolean {
  if (value.startsWith('"') || value.startsWith('W/')) return value === v.etag;
  const date = parseHttpDate(value);
  return date !== null && date === Math.floor(v.mtimeMs / 1000);
}
