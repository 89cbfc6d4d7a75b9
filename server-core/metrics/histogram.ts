// Latency histograms with one fixed, log-spaced bucket layout (HDR-like), so two histograms merge
// by adding counts and percentiles of merged data stay exact to one bucket — never an average of
// percentiles. Layout: bucket 0 holds [0, 0.05 ms); bucket k (1…162) holds
// [0.05·2^((k-1)/8), 0.05·2^(k/8)) ms, eight buckets per doubling (≤ 9.05 % relative width);
// bucket 163 holds everything from ~62.3 s up.

/** Lower edge of the first log bucket, in milliseconds. */
export const MIN_MS = 0.05;
/** Buckets per doubling of latency. */
export const SUB_BUCKETS = 8;
/** Log buckets needed to reach 60 s from 0.05 ms. */
const LOG_BUCKETS = Math.ceil(SUB_BUCKETS * Math.log2(60_000 / MIN_MS));
/** Index of the overflow bucket. */
export const OVERFLOW = LOG_BUCKETS + 1;
/** Total buckets: underflow + log buckets + overflow. */
export const BUCKETS = LOG_BUCKETS + 2;

/** Counts per bucket, `BUCKETS` long. Float64 so hour roll-ups cannot wrap. */
export type Histogram = Float64Array;

export function newHistogram(): Histogram {
  return new Float64Array(BUCKETS);
}

/** The bucket a latency in milliseconds falls in; NaN and negatives count as 0. */
export function bucketIndex(ms: number): number {
  if (!(ms >= MIN_MS)) return 0;
  const k = Math.floor(Math.log2(ms / MIN_MS) * SUB_BUCKETS) + 1;
  return k > LOG_BUCKETS ? OVERFLOW : k;
}

/** Inclusive lower edge of bucket k, in ms. */
export function bucketLower(k: number): number {
  return k <= 0 ? 0 : MIN_MS * 2 ** ((k - 1) / SUB_BUCKETS);
}

/** Exclusive upper edge of bucket k, in ms (Infinity for the overflow bucket). */
export function bucketUpper(k: number): number {
  return k >= OVERFLOW ? Number.POSITIVE_INFINITY : MIN_MS * 2 ** (k / SUB_BUCKETS);
}

export function record(h: Histogram, ms: number): void {
  const k = bucketIndex(ms);
  h[k] = (h[k] ?? 0) + 1;
}

/** Adds `from` into `into`. */
export function mergeInto(into: Histogram, from: Histogram): Histogram {
  for (let i = 0; i < BUCKETS; i++) into[i] = (into[i] ?? 0) + (from[i] ?? 0);
  return into;
}

export function total(h: Histogram): number {
  let n = 0;
  for (let i = 0; i < BUCKETS; i++) n += h[i] ?? 0;
  return n;
}

/**
 * The q-quantile (0 < q ≤ 1) by nearest rank, interpolated linearly inside its bucket; null for an
 * empty histogram. The true value lies in the same bucket, so the error is below one bucket width.
 * Values in the overflow bucket report its lower edge.
 */
export function percentile(h: Histogram, q: number): number | null {
  const n = total(h);
  if (n === 0) return null;
  const rank = Math.max(1, Math.ceil(Math.min(1, Math.max(0, q)) * n));
  let seen = 0;
  for (let k = 0; k < BUCKETS; k++) {
    const c = h[k] ?? 0;
    if (c === 0) continue;
    if (seen + c >= rank) {
      if (k === OVERFLOW) return bucketLower(k);
      const lo = bucketLower(k);
      return lo + ((bucketUpper(k) - lo) * (rank - seen)) / c;
    }
    seen += c;
  }
  return bucketLower(OVERFLOW);
}

// ---- sparse forms: [index, count, index, count…] for IPC/JSON, and a compact BLOB for SQLite ----

/** Non-zero buckets as `[index, count, …]` (what a worker publishes). */
export function toSparse(h: Histogram): number[] {
  const out: number[] = [];
  for (let k = 0; k < BUCKETS; k++) {
    const c = h[k] ?? 0;
    if (c !== 0) out.push(k, c);
  }
  return out;
}

/** Adds a sparse list into `into`; false (and nothing added) when the list is malformed. */
export function addSparse(into: Histogram, sparse: unknown): boolean {
  if (!Array.isArray(sparse) || sparse.length % 2 !== 0) return false;
  for (let i = 0; i < sparse.length; i += 2) {
    const k: unknown = sparse[i];
    const c: unknown = sparse[i + 1];
    if (!Number.isInteger(k) || (k as number) < 0 || (k as number) >= BUCKETS) return false;
    if (!Number.isSafeInteger(c) || (c as number) < 0) return false;
  }
  for (let i = 0; i < sparse.length; i += 2) {
    const k = sparse[i] as number;
    into[k] = (into[k] ?? 0) + (sparse[i + 1] as number);
  }
  return true;
}

const BLOB_VERSION = 1;

/**
 * BLOB layout: one version byte (1), then per non-zero bucket its index (one byte, < 256) and its
 * count as an unsigned LEB128 varint. A quiet second with a handful of latencies takes ~10 bytes.
 */
export function encodeBlob(h: Histogram): Buffer {
  const bytes: number[] = [BLOB_VERSION];
  for (let k = 0; k < BUCKETS; k++) {
    let c = h[k] ?? 0;
    if (c === 0) continue;
    bytes.push(k);
    // Arithmetic rather than bit operations: counts may exceed 2^32.
    while (c >= 0x80) {
      bytes.push((c % 0x80) | 0x80);
      c = Math.floor(c / 0x80);
    }
    bytes.push(c);
  }
  return Buffer.from(bytes);
}

/** Adds a BLOB's counts into `into`. Throws on a malformed BLOB (the store is ours: that is a bug). */
export function addBlob(into: Histogram, blob: Uint8Array | null): Histogram {
  if (blob === null || blob.length === 0) return into;
  if (blob[0] !== BLOB_VERSION) throw new Error(`unknown histogram blob version ${blob[0]}`);
  let i = 1;
  while (i < blob.length) {
    const k = blob[i++] as number;
    if (k >= BUCKETS) throw new Error(`histogram blob: bucket ${k} out of range`);
    let c = 0;
    let scale = 1;
    for (;;) {
      if (i >= blob.length) throw new Error('histogram blob: truncated count');
      const b = blob[i++] as number;
      c += (b & 0x7f) * scale;
      if (b < 0x80) break;
      scale *= 0x80;
    }
    into[k] = (into[k] ?? 0) + c;
  }
  return into;
}

export function decodeBlob(blob: Uint8Array | null): Histogram {
  return addBlob(newHistogram(), blob);
}
