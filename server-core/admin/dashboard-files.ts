// Serves the built dashboard (dist/renderer) with a strict CSP. Unknown paths without a file
// extension fall back to index.html (the dashboard routes with its own history).
import { createReadStream, promises as fs } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import mime from 'mime-types';
import { baseSecurityHeaders } from './http-util.js';

/**
 * The dashboard's Content-Security-Policy: only its own files, its own API and WebSocket.
 * CSP Level 3 lets 'self' match ws: to the same host and port, so the WebSocket needs no extra
 * source (and CSP host sources cannot express an IPv6 literal such as [::1] anyway).
 */
export const dashboardCsp = [
  "default-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "style-src 'self'",
  "script-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export async function serveDashboardFile(rootDir: string, pathname: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let rel: string;
  try {
    rel = decodeURIComponent(pathname);
  } catch {
    rel = '\0';
  }
  const clean = normalize(rel).replace(/^([/\\])+/, '');
  const inside = !rel.includes('\0') && !clean.split(/[/\\]/).includes('..');
  let file = inside ? join(rootDir, clean) : '';
  let stat = inside ? await fs.stat(file).catch(() => null) : null;
  if (stat?.isDirectory()) {
    file = join(file, 'index.html');
    stat = await fs.stat(file).catch(() => null);
  }
  if (!stat?.isFile()) {
    if (inside && extname(clean) === '') {
      file = join(rootDir, 'index.html');
      stat = await fs.stat(file).catch(() => null);
    }
    if (!stat?.isFile()) {
      const missingBuild = file === join(rootDir, 'index.html');
      const text = missingBuild ? 'the dashboard is not built: run `npm run build`\n' : 'not found\n';
      res.writeHead(404, { ...baseSecurityHeaders, 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(text);
      return;
    }
  }
  if (!file.startsWith(rootDir + sep)) {
    res.writeHead(404, baseSecurityHeaders).end();
    return;
  }
  const isHtml = file.endsWith('.html');
  // Vite names assets by content hash, so they may be cached; index.html must not be.
  const cache = isHtml ? 'no-store' : file.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache';
  const headers: Record<string, string> = {
    ...baseSecurityHeaders,
    'Content-Type': mime.contentType(extname(file)) || 'application/octet-stream',
    'Content-Length': String(stat.size),
    'Cache-Control': cache,
  };
  if (isHtml) headers['Content-Security-Policy'] = dashboardCsp;
  res.writeHead(200, headers);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(file).pipe(res);
}
