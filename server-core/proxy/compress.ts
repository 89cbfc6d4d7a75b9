// Response compression for static files: Accept-Encoding negotiation (RFC 9110 §12.5.3), which
// types are worth compressing, and the gzip/brotli encoders. nginx's gzip filter skips bodies
// under `gzip_min_length`; Berth uses 1 KiB (below it the framing costs more than it saves).
import { constants, brotliCompress, createBrotliCompress, createGzip, gzip, type BrotliOptions, type ZlibOptions } from 'node:zlib';
import type { Transform } from 'node:stream';
import { promisify } from 'node:util';

export type Coding = 'br' | 'gzip';

/** nginx gzip_min_length analogue. */
export const MIN_COMPRESS_BYTES = 1024;

/** Server preference when the client weighs both equally: brotli is smaller for text. */
const PREFERENCE: readonly Coding[] = ['br', 'gzip'];

/**
 * The coding to use among `available`, or null for identity. Highest q wins, q=0 means "not
 * acceptable" (also through `*;q=0`), ties go to the server's preference. `x-gzip` is gzip
 * (RFC 9110 §8.4.1.3). No header, or an empty one, means identity.
 */
export function negotiateEncoding(header: string | undefined, available: readonly Coding[] = PREFERENCE): Coding | null {
  if (header === undefined || header.trim() === '' || available.length === 0) return null;
  const q = new Map<string, number>();
  for (const part of header.split(',')) {
    const [rawName = '', ...params] = part.split(';');
    let name = rawName.trim().toLowerCase();
    if (name === '') continue;
    if (name === 'x-gzip') name = 'gzip';
    let weight = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(p);
      if (m) weight = Math.min(1, Number(m[1]));
    }
    // A coding listed twice: the first mention counts.
    if (!q.has(name)) q.set(name, weight);
  }
  let best: Coding | null = null;
  let bestQ = 0;
  for (const coding of PREFERENCE) {
    if (!available.includes(coding)) continue;
    const weight = q.get(coding) ?? q.get('*') ?? 0;
    if (weight > bestQ) {
      best = coding;
      bestQ = weight;
    }
  }
  return best;
}

/** The encodings a client accepts at all (q > 0), for choosing between precompressed files. */
export function acceptedCodings(header: string | undefined): Coding[] {
  const out: Coding[] = [];
  for (const c of PREFERENCE) if (negotiateEncoding(header, [c]) === c) out.push(c);
  return out;
}

/** Text-like types (Caddy's `encode` defaults; nginx's gzip_types would list them by hand). */
export function isCompressibleType(contentType: string): boolean {
  const type = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  if (type.startsWith('text/')) return true;
  if (type.endsWith('+json') || type.endsWith('+xml')) return true;
  return (
    type === 'application/json' ||
    type === 'application/javascript' ||
    type === 'application/x-javascript' ||
    type === 'application/xml' ||
    type === 'application/wasm' ||
    type === 'application/manifest+json' ||
    type === 'image/svg+xml' ||
    // .ico: mime-db's type is the IANA one, image/vnd.microsoft.icon; old tables say image/x-icon.
    type === 'image/x-icon' ||
    type === 'image/vnd.microsoft.icon' ||
    type === 'font/ttf' ||
    type === 'font/otf'
  );
}

/** gzip level 6 (zlib's default, nginx's gzip_comp_level is 1); brotli quality 5 — fast enough on the fly. */
const GZIP_OPTIONS: ZlibOptions = { level: 6 };
function brotliOptions(sizeHint?: number): BrotliOptions {
  const params: Record<number, number> = { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT };
  if (sizeHint !== undefined) params[constants.BROTLI_PARAM_SIZE_HINT] = sizeHint;
  return { params };
}

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/** Compresses off the event loop (zlib's thread pool). */
export function compressBuffer(body: Buffer, coding: Coding): Promise<Buffer> {
  return coding === 'gzip' ? gzipAsync(body, GZIP_OPTIONS) : brotliAsync(body, brotliOptions(body.length));
}

export function createCompressor(coding: Coding, sizeHint?: number): Transform {
  return coding === 'gzip' ? createGzip(GZIP_OPTIONS) : createBrotliCompress(brotliOptions(sizeHint));
}

/** nginx's gzip filter weakens the ETag (since 1.7.3): the bytes differ from the file's. */
export function weakEtag(etag: string): string {
  return etag.startsWith('W/') ? etag : `W/${etag}`;
}

/** Adds `Accept-Encoding` to a Vary value once. */
export function varyWithAcceptEncoding(existing: string | undefined): string {
  if (!existing) return 'Accept-Encoding';
  return existing.split(',').some((v) => v.trim().toLowerCase() === 'accept-encoding' || v.trim() === '*') ? existing : `${existing}, Accept-Encoding`;
}
