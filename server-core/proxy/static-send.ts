// Sends one static file the static handler found: picks the representation (identity, a
// precompressed `.br`/`.gz` sibling like nginx gzip_static, or gzip/brotli on the fly like the
// gzip filter), answers conditional requests and ranges (several: multipart, byteranges.ts) for it,
// and adds `expires` and `add_header`. Small files come from the open-file cache (file-cache.ts);
// larger ones stream.
// Compression is skipped for Range requests (ranges apply to the file's own bytes), for non-text
// types and for bodies under 1 KiB; HEAD gets the headers GET would (RFC 9110 §9.3.2), encoding
// included. A compressible response carries `Vary: Accept-Encoding` whatever it chose, so caches
// keep the variants apart.
// An error page's file goes out with the error's status (ctx.errStatus, nginx r->err_status):
// then, as nginx's filters do for any status but 200, no 304/412, no ranges, no Accept-Ranges and
// no Last-Modified, `expires`/`add_header` only for the statuses they apply to, and on-the-fly
// compression only for 403 and 404 (nginx's gzip filter: 200, 403, 404). With `=200` the file is
// answered as any other.
// A missing file whose `.gz`/`.br` sibling exists is that sibling for a client that accepts its
// coding (nginx gzip_static: it opens `file.gz` without looking for `file`), and still the 404 for
// one that does not: sent whole, never a range (nginx's gzip_static allows none, so no
// Accept-Ranges either), with the sibling's own ETag and Last-Modified.
import type { Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { extname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import mime from 'mime-types';
import type { StaticHandler } from '../config/schema.js';
import { multipartBody, multipartFromFile, planMultipart } from './byteranges.js';
import { createCompressor, isCompressibleType, MIN_COMPRESS_BYTES, negotiateEncoding, weakEtag, type Coding } from './compress.js';
import { evaluatePreconditions, evaluateRange, httpDate, makeEtag, type Validators } from './conditional.js';
import { resolveConfined } from './confined-path.js';
import { rawHeader } from './raw-headers.js';
import { FileCache, type CachedFile, type Sibling } from './file-cache.js';
import type { RequestContext } from './request-context.js';
import { logRequestError, sendBody, sendErrorPage } from './respond.js';
import { expandVariables } from './variables.js';

/** One cache per proxy worker process. */
export const fileCache = new FileCache();

/** Statuses nginx's `expires` and `add_header` apply to (without `always`). */
const DECORATED = new Set([200, 201, 204, 206, 301, 302, 303, 304, 307, 308]);

/** The error page status a file goes out with, or 0: none, or 200 (answered as any file). */
function forcedStatus(ctx: RequestContext): number {
  return ctx.errStatus === 200 ? 0 : ctx.errStatus;
}

const SIBLING_SUFFIX: Record<Coding, string> = { br: '.br', gzip: '.gz' };
const NO_SIBLINGS: ReadonlyMap<Coding, Sibling> = new Map();
const NO_SIBLING_PATHS: ReadonlyMap<Coding, string> = new Map();
/** nginx `expires max`: max-age=315360000 (ten years), as the importer maps it. */
const EXPIRES_MAX_S = 315_360_000;

/** A file the handler resolved inside its root. */
export interface FoundFile {
  base: string;
  /** The path the URI maps to: names the type and the precompressed siblings. */
  mappedPath: string;
  realPath: string;
  stat: Stats;
}

/** nginx `expires` and `add_header` for a response with `status`. */
export function decorationHeaders(ctx: RequestContext, h: StaticHandler, status: number, nowMs: number): Record<string, string> {
  const out: Record<string, string> = {};
  if (!DECORATED.has(status)) return out;
  if (h.expiresS !== undefined) {
    if (h.expiresS === -1) {
      // nginx `expires epoch`.
      out.Expires = 'Thu, 01 Jan 1970 00:00:01 GMT';
      out['Cache-Control'] = 'no-cache';
    } else {
      // nginx `expires max` sends a fixed date, not ten years from now.
      out.Expires = h.expiresS === EXPIRES_MAX_S ? 'Thu, 31 Dec 2037 23:55:55 GMT' : httpDate(nowMs + h.expiresS * 1000);
      out['Cache-Control'] = `max-age=${h.expiresS}`;
    }
  }
  for (const [name, value] of Object.entries(h.addHeaders)) {
    out[name] = expandVariables(value, ctx).replace(/[\r\n\0]/g, '');
  }
  return out;
}

/** Served from memory, after one stat, when the cache fully checked this file less than a second ago (file-cache.ts). */
export function freshCachedFile(base: string, mappedPath: string): CachedFile | undefined {
  return fileCache.fresh(FileCache.key(base, mappedPath), mappedPath);
}

/**
 * nginx gzip_static for a file that is not there (`mappedPath` missing): its sibling in a coding
 * the client accepts, sent as that coding. False when there is none (the caller answers 404).
 * Only for the types Berth compresses (text, JS, CSS, SVG, JSON…), where precompressed files are
 * found: nginx looks whenever `gzip_static on` is set, which Berth's `compress` (on by default)
 * would make two extra lookups on every 404 (4,000 pipelined 404s: 0.8 → 2.3 s).
 */
export async function sendPrecompressedOnly(ctx: RequestContext, h: StaticHandler, base: string, mappedPath: string): Promise<boolean> {
  if (!isCompressibleType(typeOf(mappedPath))) return false;
  const siblings = await findSiblings({ base, mappedPath });
  if (siblings.size === 0) return false;
  // Ranges do not matter here: the sibling is the only representation there is.
  const coding = negotiateEncoding(headerValue(ctx.req.headers['accept-encoding']), [...siblings.keys()]);
  const found = coding === null ? undefined : siblings.get(coding);
  if (coding === null || found === undefined) return false;
  const file: FoundFile = { base, mappedPath, realPath: found.realPath, stat: found.stat };
  if (found.stat.size <= fileCache.maxFileBytes) {
    const entry = await fileCache.load(FileCache.key(base, mappedPath + SIBLING_SUFFIX[coding]), found.realPath, found.stat, NO_SIBLING_PATHS);
    if (entry) {
      await sendCachedFile(ctx, h, entry, mappedPath, coding);
      return true;
    }
  }
  await streamFile(ctx, h, file, NO_SIBLING_PATHS, coding);
  return true;
}

export async function sendFoundFile(ctx: RequestContext, h: StaticHandler, file: FoundFile): Promise<void> {
  const siblings = h.compress ? siblingPaths(await findSiblings(file)) : NO_SIBLING_PATHS;
  if (file.stat.size <= fileCache.maxFileBytes) {
    const entry = await fileCache.load(FileCache.key(file.base, file.mappedPath), file.realPath, file.stat, siblings);
    if (entry) return sendCachedFile(ctx, h, entry, file.mappedPath);
  }
  return streamFile(ctx, h, file, siblings);
}

/** `precompressed`: the entry's bytes are already in that coding (a sibling standing in for a missing file). */
export async function sendCachedFile(ctx: RequestContext, h: StaticHandler, entry: CachedFile, mappedPath: string, precompressed?: Coding): Promise<void> {
  const { req } = ctx;
  const contentType = ctx.contentType ?? typeOf(mappedPath);
  const forced = forcedStatus(ctx);
  const onTheFly = precompressed === undefined && h.compress && isCompressibleType(contentType) && entry.size >= MIN_COMPRESS_BYTES && compressesStatus(forced);
  // The entry is shared by every location mapping to this file: its siblings count only where compression is on.
  const siblings = h.compress && precompressed === undefined ? entry.siblings : NO_SIBLINGS;
  const varies = precompressed !== undefined || onTheFly || siblings.size > 0;
  const coding = precompressed === undefined ? chooseCoding(ctx, onTheFly, [...siblings.keys()]) : null;

  let body = entry.body;
  let validators: Validators = { etag: entry.etag, mtimeMs: entry.mtimeMs };
  let etagHeader = entry.etag;
  let lastModified = entry.lastModified;
  let encoding: Coding | null = precompressed ?? null;
  if (coding !== null) {
    const sibling = siblings.get(coding);
    if (sibling) {
      body = sibling.body;
      validators = { etag: sibling.etag, mtimeMs: sibling.mtimeMs };
      etagHeader = sibling.etag;
      lastModified = sibling.lastModified;
      encoding = coding;
    } else {
      const out = await fileCache.encoded(entry, coding);
      if (out) {
        body = out;
        etagHeader = weakEtag(entry.etag);
        encoding = coding;
      }
    }
  }

  const base = { ETag: etagHeader, 'Last-Modified': lastModified, ...(varies ? { Vary: 'Accept-Encoding' } : {}) };
  const pre = forced === 0 ? preconditions(ctx, validators) : 'proceed';
  if (pre === 'precondition-failed') return sendErrorPage(ctx, 412);
  if (pre === 'not-modified') return sendBody(ctx, 304, '', '', { ...base, ...decorationHeaders(ctx, h, 304, Date.now()) });

  // Ranges only ever reach the identity representation (a sibling chosen for a Range request goes whole).
  const range = encoding === null && forced === 0 ? evaluateRange(firstRange(ctx), headerValue(req.headers['if-range']), body.length, validators) : ({ kind: 'full' } as const);
  if (range.kind === 'unsatisfiable') return sendErrorPage(ctx, 416, { 'Content-Range': `bytes */${body.length}` });
  if (range.kind === 'multipart') {
    const plan = planMultipart(range.ranges, body.length, contentType);
    writeHead(ctx, h, 206, plan.contentType, plan.length, null, base, null);
    if (req.method === 'HEAD') return void ctx.res.end();
    ctx.bodyBytes += plan.length;
    return void ctx.res.end(multipartBody(plan, body));
  }
  const status = forced !== 0 ? forced : range.kind === 'partial' ? 206 : 200;
  const start = range.kind === 'partial' ? range.start : 0;
  const end = range.kind === 'partial' ? range.end + 1 : body.length;
  writeHead(ctx, h, status, contentType, end - start, encoding, base, range.kind === 'partial' ? `bytes ${start}-${end - 1}/${body.length}` : null);
  if (ctx.method === 'HEAD' || end <= start) {
    ctx.res.end();
    return;
  }
  const slice = start === 0 && end === body.length ? body : body.subarray(start, end);
  ctx.bodyBytes += slice.length;
  ctx.res.end(slice);
}

/** Large files: from disk through one handle, so headers describe the bytes sent even if the file changes. */
async function streamFile(ctx: RequestContext, h: StaticHandler, file: FoundFile, siblings: ReadonlyMap<Coding, string>, precompressed?: Coding): Promise<void> {
  const { req } = ctx;
  const contentType = ctx.contentType ?? typeOf(file.mappedPath);
  const forced = forcedStatus(ctx);
  const onTheFly = precompressed === undefined && h.compress && isCompressibleType(contentType) && file.stat.size >= MIN_COMPRESS_BYTES && compressesStatus(forced);
  const varies = precompressed !== undefined || onTheFly || siblings.size > 0;
  const coding = precompressed === undefined ? chooseCoding(ctx, onTheFly, [...siblings.keys()]) : null;
  const siblingPath = coding === null ? undefined : siblings.get(coding);

  let handle: FileHandle;
  let encoding: Coding | null = precompressed ?? null;
  let compressOnTheFly = false;
  try {
    try {
      handle = await open(siblingPath ?? file.realPath, 'r');
      if (siblingPath !== undefined) encoding = coding;
    } catch (e) {
      if (siblingPath === undefined) throw e;
      // The sibling vanished since it was found: serve the file itself.
      handle = await open(file.realPath, 'r');
    }
  } catch (e) {
    // Found by stat but not readable (mode 000, say), or gone since: nginx's 403 / 404.
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (code !== 'EACCES' && code !== 'EPERM' && code !== 'ENOENT') throw e;
    logRequestError(ctx, 'error', `open() "${file.mappedPath}" failed (${code === 'ENOENT' ? '2: No such file or directory' : '13: Permission denied'})`);
    return sendErrorPage(ctx, code === 'ENOENT' ? 404 : 403);
  }
  let streaming = false;
  try {
    const st = await handle.stat();
    if (encoding === null && coding !== null && onTheFly) {
      encoding = coding;
      compressOnTheFly = true;
    }
    const etag = makeEtag(st.mtimeMs, st.size);
    const validators: Validators = { etag, mtimeMs: st.mtimeMs };
    const base = { ETag: compressOnTheFly ? weakEtag(etag) : etag, 'Last-Modified': httpDate(st.mtimeMs), ...(varies ? { Vary: 'Accept-Encoding' } : {}) };
    const pre = forced === 0 ? preconditions(ctx, validators) : 'proceed';
    if (pre === 'precondition-failed') return sendErrorPage(ctx, 412);
    if (pre === 'not-modified') return sendBody(ctx, 304, '', '', { ...base, ...decorationHeaders(ctx, h, 304, Date.now()) });

    const range = encoding === null && forced === 0 ? evaluateRange(firstRange(ctx), headerValue(req.headers['if-range']), st.size, validators) : ({ kind: 'full' } as const);
    if (range.kind === 'unsatisfiable') return sendErrorPage(ctx, 416, { 'Content-Range': `bytes */${st.size}` });
    const plan = range.kind === 'multipart' ? planMultipart(range.ranges, st.size, contentType) : null;
    const start = range.kind === 'partial' ? range.start : 0;
    const end = range.kind === 'partial' ? range.end : st.size - 1;
    writeHead(
      ctx,
      h,
      forced !== 0 ? forced : range.kind === 'full' ? 200 : 206,
      plan ? plan.contentType : contentType,
      plan ? plan.length : compressOnTheFly ? null : end - start + 1,
      encoding,
      base,
      range.kind === 'partial' ? `bytes ${start}-${end}/${st.size}` : null,
    );
    if (ctx.method === 'HEAD' || end < start) {
      ctx.res.end();
      return;
    }
    const stream = plan ? Readable.from(multipartFromFile(plan, handle), { objectMode: false }) : handle.createReadStream({ start, end, autoClose: true });
    streaming = true;
    const counted = compressOnTheFly && encoding !== null ? createCompressor(encoding, st.size) : null;
    (counted ?? stream).on('data', (chunk: Buffer | string) => {
      ctx.bodyBytes += chunk.length;
    });
    // Which side failed: a client gone mid-file closes the response first, and the pipeline then
    // destroys the file stream with "Premature close" (so `stream.errored` cannot tell). Both
    // listeners go on before pipeline()'s own, so they see the first event as it happens.
    let responseClosed = false;
    let readError: Error | null = null as Error | null;
    const onClose = (): void => {
      responseClosed = true;
    };
    ctx.res.once('close', onClose);
    stream.once('error', (err: Error) => {
      if (!responseClosed) readError = err;
    });
    try {
      if (counted) await pipeline(stream, counted, ctx.res);
      else await pipeline(stream, ctx.res);
    } catch {
      // nginx: a failed read is an error; a client that goes away is normal, at most an info line.
      if (readError !== null) logRequestError(ctx, 'error', `reading "${file.realPath}" failed: ${readError.message}`);
      else logRequestError(ctx, 'info', 'client prematurely closed connection while sending response to client');
      ctx.res.destroy();
    } finally {
      ctx.res.off('close', onClose);
    }
  } finally {
    if (!streaming) await handle.close();
  }
}

function writeHead(
  ctx: RequestContext,
  h: StaticHandler,
  status: number,
  contentType: string,
  length: number | null,
  encoding: Coding | null,
  base: Record<string, string>,
  contentRange: string | null,
): void {
  const { res } = ctx;
  res.statusCode = status;
  // nginx's header filter drops Last-Modified from any status but 200, 206 and 304 (an error page's file).
  const lastModified = status === 200 || status === 206;
  for (const [k, v] of Object.entries(base)) if (lastModified || k !== 'Last-Modified') res.setHeader(k, v);
  // nginx's range filter says Accept-Ranges on a whole, unencoded answer only (not on a 206).
  if (encoding !== null) res.setHeader('Content-Encoding', encoding);
  else if (status === 200) res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('Content-Type', contentType);
  if (length !== null) res.setHeader('Content-Length', length);
  if (contentRange !== null) res.setHeader('Content-Range', contentRange);
  for (const [k, v] of Object.entries(decorationHeaders(ctx, h, status, Date.now()))) res.setHeader(k, v);
}

/** nginx's gzip filter compresses 200, 403 and 404 answers only (`forced` 0 = the file's own 200/206). */
function compressesStatus(forced: number): boolean {
  return forced === 0 || forced === 403 || forced === 404;
}

const ON_THE_FLY: readonly Coding[] = ['br', 'gzip'];

/**
 * The coding to send: a sibling, or on-the-fly compression where `onTheFly`. A Range request is
 * never compressed on the fly (the range applies to the file's bytes), but gets a sibling whole
 * when the client takes its coding: nginx's gzip_static serves `file.gz` for any Range (it allows
 * no ranges on it).
 */
function chooseCoding(ctx: RequestContext, onTheFly: boolean, siblings: readonly Coding[]): Coding | null {
  const available = onTheFly && firstRange(ctx) === undefined ? ON_THE_FLY : siblings;
  if (available.length === 0) return null;
  return negotiateEncoding(headerValue(ctx.req.headers['accept-encoding']), available);
}

/** The first Range field: nginx reads only that one (node:http's `headers.range` joins repeats with ", "). */
function firstRange(ctx: RequestContext): string | undefined {
  return rawHeader(ctx.req.rawHeaders, 'range');
}

/** `file.br` / `file.gz` next to the mapped path, confined to the same root, regular files only. */
async function findSiblings(file: Pick<FoundFile, 'base' | 'mappedPath'>): Promise<Map<Coding, { realPath: string; stat: Stats }>> {
  const out = new Map<Coding, { realPath: string; stat: Stats }>();
  for (const coding of ['br', 'gzip'] as const) {
    const found = await resolveConfined(file.base, file.mappedPath + SIBLING_SUFFIX[coding]);
    if (found.kind === 'found' && found.stat.isFile()) out.set(coding, found);
  }
  return out;
}

function siblingPaths(found: ReadonlyMap<Coding, { realPath: string }>): Map<Coding, string> {
  const out = new Map<Coding, string>();
  for (const [coding, f] of found) out.set(coding, f.realPath);
  return out;
}

function preconditions(ctx: RequestContext, v: Validators): ReturnType<typeof evaluatePreconditions> {
  const { req } = ctx;
  return evaluatePreconditions(
    {
      method: ctx.method,
      ifMatch: headerValue(req.headers['if-match']),
      ifNoneMatch: headerValue(req.headers['if-none-match']),
      ifModifiedSince: headerValue(req.headers['if-modified-since']),
      ifUnmodifiedSince: headerValue(req.headers['if-unmodified-since']),
    },
    v,
  );
}

/** The file's type from its extension; an X-Accel-Redirect upstream's Content-Type wins over it (ctx.contentType). */
function typeOf(mappedPath: string): string {
  return mime.contentType(extname(mappedPath)) || 'application/octet-stream';
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
