// nginx `autoindex on`: an HTML listing of a directory, directories first, then files, by name
// (byte order, as nginx's strcmp); names starting with a dot are left out (as nginx does); a name
// longer than 50 characters is cut to 47 and `..>`; times in GMT (`autoindex_localtime off`).
import { lstat, opendir, stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface ListingEntry {
  name: string;
  isDir: boolean;
  mtimeMs: number;
  size: number;
}

export async function readListing(dir: string): Promise<ListingEntry[]> {
  const entries: ListingEntry[] = [];
  for await (const d of await opendir(dir)) {
    if (d.name.startsWith('.')) continue;
    // stat follows symlinks, so a link to a directory lists as a directory; a dangling link is
    // listed with the link's own size and time, as nginx does; an entry removed meanwhile is not.
    const s = (await stat(join(dir, d.name)).catch(() => null)) ?? (await lstat(join(dir, d.name)).catch(() => null));
    if (s) entries.push({ name: d.name, isDir: s.isDirectory(), mtimeMs: s.mtimeMs, size: s.size });
  }
  entries.sort((a, b) => (a.isDir !== b.isDir ? (a.isDir ? -1 : 1) : Buffer.compare(Buffer.from(a.name), Buffer.from(b.name))));
  return entries;
}

export function renderListing(uri: string, entries: readonly ListingEntry[]): string {
  const title = `Index of ${escapeHtml(uri)}`;
  let html = `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<h1>${title}</h1><hr><pre><a href="../">../</a>\r\n`;
  for (const e of entries) {
    const chars = [...e.name];
    const href = encodeURIComponent(e.name) + (e.isDir ? '/' : '');
    let shown: string;
    if (chars.length > NAME_COLUMN) shown = `${escapeHtml(chars.slice(0, NAME_COLUMN - 3).join(''))}..&gt;</a> `;
    else {
      const label = e.isDir ? `${e.name}/` : e.name;
      shown = `${escapeHtml(label)}</a>${' '.repeat(Math.max(1, NAME_COLUMN + 1 - [...label].length))}`;
    }
    html += `<a href="${escapeHtml(href)}">${shown}${listingDate(e.mtimeMs)} ${(e.isDir ? '-' : String(e.size)).padStart(19)}\r\n`;
  }
  return `${html}</pre><hr></body>\r\n</html>\r\n`;
}

/** nginx NGX_HTTP_AUTOINDEX_NAME_LEN: the name column's width in characters. */
const NAME_COLUMN = 50;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `21-Nov-2026 11:00`, GMT. */
function listingDate(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}
