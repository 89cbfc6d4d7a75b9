// The `static` content handler: nginx `root`/`alias`, `index`, `autoindex`, `try_files`.
// Sending a found file (cache, compression, conditional GET, ranges, expires) is static-send.ts.
import { isAbsolute, resolve } from 'node:path';
import type { StaticHandler } from '../config/schema.js';
import { readListing, renderListing } from './autoindex.js';
import { resolveConfined, type ConfinedResult } from './confined-path.js';
import type { ContentHandler, ContentResult, RequestContext } from './request-context.js';
import { normalizePath } from './request-target.js';
import { answerStatus, logRequestError, sendBody, sendErrorPage, sendRedirect } from './respond.js';
import { decorationHeaders, freshCachedFile, sendCachedFile, sendFoundFile, sendPrecompressedOnly } from './static-send.js';
import { expandVariables } from './variables.js';

const DONE: ContentResult = { kind: 'done' };
/** A directory or file the worker may not read: nginx's 403. */
const DENIED = new Set(['EACCES', 'EPERM']);

/** Where a URI lives on disk for this location, and the directory it must stay inside. */
interface FileMapping {
  /** Confinement base: the root, or the alias. */
  base: string;
  pathFor(uri: string): string;
}

/** RFC 9110 §15.5.6: a 405 must list the allowed methods (nginx sends none). */
const NOT_ALLOWED_HEADERS = { Allow: 'GET, HEAD' };

export const serveStatic: ContentHandler<StaticHandler> = async (ctx, h) => {
  const method = ctx.method;
  // nginx's static module refuses other methods at once, but a POST only once a file is found:
  // a POST to a missing file is a 404, to a directory the directory's 301/index/403 (serveUri).
  if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') {
    sendErrorPage(ctx, 405, NOT_ALLOWED_HEADERS);
    return DONE;
  }
  // Root confinement (the issue's rule, stricter than nginx): a file is never named through an
  // encoded slash, whatever it decodes to. Proxied locations pass such paths on.
  if (ctx.encodedSlash && ctx.internalRedirects === 0) {
    logRequestError(ctx, 'info', `an encoded slash (%2F) in "${ctx.req.url ?? ''}" does not name a file here`);
    sendErrorPage(ctx, 400);
    return DONE;
  }
  const mapping = fileMapping(ctx, h);
  if (!mapping) {
    logRequestError(ctx, 'error', `no root for "${ctx.uri}": set the site's root folder or the location's root or alias`);
    sendErrorPage(ctx, 404);
    return DONE;
  }
  if (h.tryFiles.length > 0) return tryFiles(ctx, h, mapping);
  return serveUri(ctx, h, mapping, ctx.uri);
};

function fileMapping(ctx: RequestContext, h: StaticHandler): FileMapping | null {
  const dataDir = ctx.table.runtime.dataDir;
  const absolute = (p: string) => (isAbsolute(p) ? p : resolve(dataDir, p));
  const location = ctx.location;
  if (h.alias !== undefined && location) {
    const alias = absolute(expandVariables(h.alias, ctx));
    const base = alias.length > 1 ? alias.replace(/\/+$/, '') : alias;
    if (location.regex) {
      // In a regex location nginx's alias is the whole path (usually built from captures).
      const matched = ctx.uri;
      return { base, pathFor: (uri) => alias + (uri.startsWith(matched) ? uri.slice(matched.length) : uri) };
    }
    const prefix = location.match.path;
    return { base, pathFor: (uri) => alias + (uri.startsWith(prefix) ? uri.slice(prefix.length) : uri) };
  }
  const root = h.root ?? ctx.site?.root ?? null;
  if (root === null) return null;
  const base = absolute(root).replace(/(.)\/+$/, '$1');
  return { base, pathFor: (uri) => (base === '/' ? uri : base + uri) };
}

/** nginx `try_files`: the first existing candidate is served, else the last entry (`=CODE` or a URI). */
async function tryFiles(ctx: RequestContext, h: StaticHandler, mapping: FileMapping): Promise<ContentResult> {
  const candidates = h.tryFiles.slice(0, -1);
  for (const candidate of candidates) {
    // nginx tests for a directory only when the entry is written with a trailing slash (`$uri/`;
    // `$uri` expanding to `/dir/` is a file test), and goes on with that name minus the slash:
    // `/blog` + `$uri/` is then the directory's 301 to `/blog/`, as without try_files.
    const wantDir = candidate.endsWith('/');
    const expanded = expandVariables(candidate, ctx);
    const uri = normalizePath(wantDir ? expanded.slice(0, -1) || '/' : expanded);
    if (uri === null) continue;
    const found = await resolveConfined(mapping.base, mapping.pathFor(uri));
    if (found.kind === 'found' && (wantDir ? found.stat.isDirectory() : found.stat.isFile())) {
      ctx.uri = uri;
      return serveUri(ctx, h, mapping, uri);
    }
  }
  const last = expandVariables(h.tryFiles.at(-1) ?? '', ctx);
  const code = /^=(\d{3})$/.exec(last);
  if (code) {
    sendErrorPage(ctx, Number(code[1]));
    return DONE;
  }
  const q = last.indexOf('?');
  // nginx splits the fallback's own `?`; without one the request's args are dropped (hence the
  // recipes' `/index.php?$query_string`).
  return q === -1 ? { kind: 'internal-redirect', uri: last, args: '' } : { kind: 'internal-redirect', uri: last.slice(0, q), args: last.slice(q + 1) };
}

async function serveUri(ctx: RequestContext, h: StaticHandler, mapping: FileMapping, uri: string): Promise<ContentResult> {
  const path = mapping.pathFor(uri);
  const cached = freshCachedFile(mapping.base, path);
  if (cached) {
    if (ctx.method === 'POST') sendErrorPage(ctx, 405, NOT_ALLOWED_HEADERS);
    else await sendCachedFile(ctx, h, cached, path);
    return DONE;
  }
  const found = await resolveConfined(mapping.base, path);
  if (found.kind !== 'found') {
    // nginx gzip_static: a missing file's `.gz` (`.br`) for a client that takes it; it declines a URI
    // ending in `/`, and a POST meets the static module's 404 (checked against nginx 1.22).
    if (found.kind === 'missing' && h.compress && ctx.method !== 'POST' && !uri.endsWith('/') && (await sendPrecompressedOnly(ctx, h, mapping.base, path))) return DONE;
    return refuse(ctx, found, path, mapping.base);
  }

  if (found.stat.isDirectory()) {
    if (!uri.endsWith('/')) {
      // nginx answers a directory without its trailing slash with 301 to the slash form (with the location's `expires` and `add_header`).
      sendRedirect(ctx, 301, `${encodePath(uri)}/${ctx.args === '' ? '' : `?${ctx.args}`}`, decorationHeaders(ctx, h, 301, Date.now()));
      return DONE;
    }
    for (const name of h.index ?? ctx.site?.index ?? []) {
      // nginx's index module: an absolute entry (`index index.html /index.php`) is an internal redirect once reached, never tested.
      if (name.startsWith('/')) return { kind: 'internal-redirect', uri: name, args: ctx.args };
      const indexUri = uri + name;
      const index = await resolveConfined(mapping.base, mapping.pathFor(indexUri));
      // Like nginx's index module: an internal redirect, so the index file goes through location selection again.
      if (index.kind === 'found' && index.stat.isFile()) return { kind: 'internal-redirect', uri: indexUri, args: ctx.args };
    }
    // nginx's autoindex declines a POST; the directory is then forbidden, as without autoindex.
    if (h.autoindex && ctx.method !== 'POST') {
      const listing = await readListing(found.realPath).catch((e: NodeJS.ErrnoException) => {
        if (!DENIED.has(e.code ?? '')) throw e;
        return null;
      });
      if (listing === null) {
        logRequestError(ctx, 'error', `opendir() "${path}" failed (13: Permission denied)`);
        sendErrorPage(ctx, 403);
        return DONE;
      }
      const html = renderListing(uri, listing);
      sendBody(ctx, answerStatus(ctx, 200), html, 'text/html; charset=utf-8');
      return DONE;
    }
    logRequestError(ctx, 'error', `directory index of "${path}" is forbidden`);
    sendErrorPage(ctx, 403);
    return DONE;
  }
  if (!found.stat.isFile()) {
    // FIFOs, sockets, devices: never opened (a FIFO would block the worker).
    logRequestError(ctx, 'error', `"${path}" is not a regular file`);
    sendErrorPage(ctx, 404);
    return DONE;
  }
  if (ctx.method === 'POST') {
    sendErrorPage(ctx, 405, NOT_ALLOWED_HEADERS);
    return DONE;
  }
  // The mapped path names the type (nginx takes the extension from the URI, not a symlink's target).
  await sendFoundFile(ctx, h, { base: mapping.base, mappedPath: path, realPath: found.realPath, stat: found.stat });
  return DONE;
}

function refuse(ctx: RequestContext, r: Exclude<ConfinedResult, { kind: 'found' }>, path: string, base: string): ContentResult {
  if (r.kind === 'outside') {
    logRequestError(ctx, 'error', `"${path}" resolves outside the root "${base}"; refused`);
    sendErrorPage(ctx, 403);
  } else if (r.kind === 'forbidden') {
    logRequestError(ctx, 'error', `open() "${path}" failed (${r.code})`);
    sendErrorPage(ctx, 403);
  } else {
    logRequestError(ctx, 'error', `open() "${path}" failed (${r.code === 'ENOTDIR' ? '20: Not a directory' : '2: No such file or directory'})`);
    sendErrorPage(ctx, 404);
  }
  return DONE;
}

/** Percent-encodes a decoded path for a Location header, segment by segment. */
export function encodePath(uri: string): string {
  return uri
    .split('/')
    .map((s) => encodeURIComponent(s))
    .join('/');
}
