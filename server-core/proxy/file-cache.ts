// Open-file cache for small hot static files (PERFORMANCE.md: a cached Buffer with precomputed
// headers is 0.69–0.82× nginx, stat + stream per request 0.10–0.14×). An edit, a chmod or a
// delete shows on the next request, as without nginx's open_file_cache: the folders of cached
// files are watched (folder-watch.ts) and a change notice drops the entry; a file whose folder
// cannot be watched is stat-ed on every hit instead (one synchronous stat, no open or read).
// Like nginx's open_file_cache, the full check (path resolution inside the root, precompressed
// siblings that appeared) runs every `validMs` (open_file_cache_valid; nginx's default is 60 s,
// Berth's 1 s): same inode, size, mtime and ctime keep the bytes, anything else reloads.
import { statSync, type Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { compressBuffer, type Coding } from './compress.js';
import { FolderWatch } from './folder-watch.js';
import { httpDate, makeEtag } from './conditional.js';

export interface FileIdentity {
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

/** A precompressed sibling (`file.br`, `file.gz`): its own bytes and validators (nginx gzip_static). */
export interface Sibling extends FileIdentity {
  path: string;
  body: Buffer;
  etag: string;
  lastModified: string;
}

export interface CachedFile extends FileIdentity {
  readonly key: string;
  readonly realPath: string;
  readonly body: Buffer;
  readonly etag: string;
  readonly lastModified: string;
  /** Precompressed siblings found at load, by coding. */
  readonly siblings: ReadonlyMap<Coding, Sibling>;
  /** On-the-fly compressed bodies (null: not smaller than the file), made on first need. */
  readonly encoded: Map<Coding, Promise<Buffer | null>>;
  checkedAt: number;
  bytes: number;
  /** Its files' folders are watched: a hit needs no stat (false: stat on every hit). */
  watched: boolean;
}

export interface FileCacheOptions {
  maxEntries?: number;
  maxBytes?: number;
  /** Larger files are streamed from disk, never cached. */
  maxFileBytes?: number;
  validMs?: number;
  now?: () => number;
  /** Watch cached files' folders for changes (default true; false: stat on every hit). */
  watchFolders?: boolean;
}

export function identityOf(st: Stats): FileIdentity {
  return { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs };
}

export function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;
}

export class FileCache {
  private readonly entries = new Map<string, CachedFile>();
  private bytes = 0;
  readonly maxEntries: number;
  readonly maxBytes: number;
  readonly maxFileBytes: number;
  readonly validMs: number;
  private readonly now: () => number;
  private readonly watches: FolderWatch | null;

  constructor(options: FileCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 2000;
    this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.maxFileBytes = options.maxFileBytes ?? 1024 * 1024;
    this.validMs = options.validMs ?? 1000;
    this.now = options.now ?? Date.now;
    this.watches = options.watchFolders === false ? null : new FolderWatch((key) => this.remove(key));
  }

  static key(base: string, path: string): string {
    return `${base}\0${path}`;
  }

  get size(): number {
    return this.entries.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  /**
   * An entry fully checked less than `validMs` ago whose file (at `path`, the mapped path) and
   * cached siblings still stat the same: serve it without reading. Otherwise undefined, and the
   * caller resolves the path again and calls `load`.
   */
  fresh(key: string, path: string): CachedFile | undefined {
    const e = this.entries.get(key);
    if (!e || this.now() - e.checkedAt >= this.validMs) return undefined;
    if (!e.watched) {
      if (!statsSame(path, e)) return undefined;
      for (const sibling of e.siblings.values()) if (!statsSame(sibling.path, sibling)) return undefined;
    }
    // Most recently used last.
    this.entries.delete(key);
    this.entries.set(key, e);
    return e;
  }

  /**
   * The entry for a file just resolved (`realPath` + `st` from the confinement check), reusing
   * the cached bytes when the file is unchanged, else reading it. `siblingPaths` are the
   * precompressed candidates (already confined by the caller) to look for. Null when the file is
   * too large or changed while being read: the caller streams it.
   */
  async load(key: string, realPath: string, st: Stats, siblingPaths: ReadonlyMap<Coding, string>): Promise<CachedFile | null> {
    if (st.size > this.maxFileBytes) return null;
    const known = this.entries.get(key);
    if (known && known.realPath === realPath && sameIdentity(known, identityOf(st)) && (await this.siblingsUnchanged(known, siblingPaths))) {
      known.checkedAt = this.now();
      this.entries.delete(key);
      this.entries.set(key, known);
      return known;
    }
    if (known) this.remove(key);
    const read = await readStable(realPath, this.maxFileBytes);
    if (!read) return null;
    const siblings = new Map<Coding, Sibling>();
    for (const [coding, path] of siblingPaths) {
      const s = await readStable(path, this.maxFileBytes);
      if (s && s.body.length < read.body.length) siblings.set(coding, { ...s.id, path, body: s.body, etag: makeEtag(s.id.mtimeMs, s.id.size), lastModified: httpDate(s.id.mtimeMs) });
    }
    let bytes = read.body.length;
    for (const s of siblings.values()) bytes += s.body.length;
    const entry: CachedFile = {
      key,
      realPath,
      ...read.id,
      body: read.body,
      etag: makeEtag(read.id.mtimeMs, read.id.size),
      lastModified: httpDate(read.id.mtimeMs),
      siblings,
      encoded: new Map(),
      checkedAt: this.now(),
      bytes,
      watched: false,
    };
    if (bytes > this.maxBytes) return entry;
    entry.watched = this.watches?.add(key, watchedPaths(entry)) ?? false;
    this.entries.set(key, entry);
    this.bytes += bytes;
    this.evict();
    return entry;
  }

  /** The on-the-fly `coding` body of an entry, compressed once and kept with it. */
  encoded(entry: CachedFile, coding: Coding): Promise<Buffer | null> {
    let p = entry.encoded.get(coding);
    if (!p) {
      p = compressBuffer(entry.body, coding).then((out) => {
        if (out.length >= entry.body.length) return null;
        if (this.entries.get(entry.key) === entry) {
          entry.bytes += out.length;
          this.bytes += out.length;
          this.evict();
        }
        return out;
      });
      entry.encoded.set(coding, p);
    }
    return p;
  }

  /** Drops everything (e.g. tests, or a config swap that changes roots). */
  clear(): void {
    this.watches?.close();
    this.entries.clear();
    this.bytes = 0;
  }

  private remove(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    if (e.watched) this.watches?.remove(key, watchedPaths(e));
    this.entries.delete(key);
    this.bytes -= e.bytes;
  }

  private evict(): void {
    while (this.entries.size > this.maxEntries || this.bytes > this.maxBytes) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.remove(oldest);
    }
  }

  private async siblingsUnchanged(entry: CachedFile, siblingPaths: ReadonlyMap<Coding, string>): Promise<boolean> {
    for (const [coding, path] of siblingPaths) {
      const cached = entry.siblings.get(coding);
      const st: Stats | null = await stat(path).catch(() => null);
      if (!cached) {
        // A sibling that appeared (or is not smaller, or too large, as before): reload if it is a candidate now.
        if (st?.isFile() && st.size < entry.size) return false;
        continue;
      }
      if (!st || !sameIdentity(cached, identityOf(st))) return false;
    }
    for (const coding of entry.siblings.keys()) if (!siblingPaths.has(coding)) return false;
    return true;
  }
}

/** The file as the URI names it (a link, maybe), the file itself, and its precompressed siblings. */
function watchedPaths(e: CachedFile): string[] {
  const mapped = e.key.slice(e.key.indexOf('\0') + 1);
  const paths = [e.realPath, ...[...e.siblings.values()].map((s) => s.path)];
  return mapped === e.realPath ? paths : [mapped, ...paths];
}

/** A synchronous stat on purpose: a cached hit is one syscall, not a thread-pool round trip. */
function statsSame(path: string, known: FileIdentity): boolean {
  try {
    const st = statSync(path, { throwIfNoEntry: false });
    return st !== undefined && sameIdentity(known, identityOf(st));
  } catch {
    // EACCES on a folder, ENOTDIR…: the slow path says which answer it is.
    return false;
  }
}

/** Reads a regular file through one handle; null if it is missing, too large, or changed meanwhile. */
async function readStable(path: string, maxBytes: number): Promise<{ body: Buffer; id: FileIdentity } | null> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return null;
  }
  try {
    const before = await handle.stat();
    if (!before.isFile() || before.size > maxBytes) return null;
    const body = await handle.readFile();
    const after = await handle.stat();
    const id = identityOf(before);
    if (!sameIdentity(id, identityOf(after)) || body.length !== before.size) return null;
    return { body, id };
  } finally {
    await handle.close();
  }
}
