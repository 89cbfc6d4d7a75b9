// nginx `autoindex on`: an HTML listing of a directory, directories first, then files, by name;
// names starting with a dot are left out (as nginx does); times in GMT (`autoindex_localtime off`).
import { opendir, stat } from 'node:fs/promises';
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
    try {
      // stat follows symlinks, so a link to a directory lists as a directory.
      const s = await stat(join(dir, d.name));
      entries.push({ name: d.name, isDir: s.isDirectory(), mtimeMs: s.mtimeMs, size: s.size });
    } catch {
      // A dangling link or an entry removed meanwhile: nginx skips it too.
    }
  }
  entries.sort((a, b) => (a.isDir !== b.isDir ? (a.isDir ? -1 : 1) : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return entries;
}

export function renderListing(uri: string, entries: readonly ListingEntry[]): string {
  const title = `Index of ${escapeHtml(uri)}`;
  let html = `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<h1>${title}</h1><hr><pre><a href="../">../</a>\r\n`;
  for (const e of entries) {
    const label = e.isDir ? `${e.name}/` : e.name;
    const href = encodeURIComponent(e.name) + (e.isDir ? '/' : '');
    const padding = ' '.repeat(Math.max(1, 51 - [...label].length));
    html += `<a href="${escapeHtml(href)}">${escapeHtml(label)}</a>${padding}${listingDate(e.mtimeMs)} ${(e.isDir ? '-' : String(e.size)).padStart(19)}\r\n`;
  }
  return `${html}</pre><hr></body>\r\n</html>\r\n`;
}

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
