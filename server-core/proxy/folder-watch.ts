// Change notices for the files the open-file cache holds: one `fs.watch` per folder (inotify on
// Linux, FSEvents on macOS, ReadDirectoryChangesW on Windows), shared by every cached file in it.
// A notice naming a file (written, renamed over, deleted, chmod-ed) drops the entries that hold
// it, so an edit shows on the next request without a stat per hit (which cost a quarter of a
// cached static request). Watches are capped per process (inotify's per-user limit is shared with
// the user's editors and dev servers); a file whose folder cannot be watched is not `watched`, and
// the cache stats it on every hit instead.
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

/** Folders watched at most, per process. */
export const MAX_WATCHED_FOLDERS = 256;

interface Folder {
  watcher: FSWatcher;
  /** File name in the folder → the cache keys that hold it. */
  names: Map<string, Set<string>>;
}

export class FolderWatch {
  private readonly folders = new Map<string, Folder>();

  /** `changed(key)` is called for every key that holds a file of a folder that reported a change. */
  constructor(
    private readonly changed: (key: string) => void,
    private readonly maxFolders = MAX_WATCHED_FOLDERS,
  ) {}

  get folderCount(): number {
    return this.folders.size;
  }

  /** Watches `paths` for `key`; false (and nothing watched) when one of their folders cannot be. */
  add(key: string, paths: readonly string[]): boolean {
    const added: string[] = [];
    for (const path of paths) {
      const folder = this.folderFor(dirname(path));
      if (!folder) {
        for (const p of added) this.removePath(key, p);
        return false;
      }
      const name = basename(path);
      let keys = folder.names.get(name);
      if (!keys) folder.names.set(name, (keys = new Set()));
      keys.add(key);
      added.push(path);
    }
    return true;
  }

  /** Stops watching `paths` for `key`; a folder with no file left is unwatched. */
  remove(key: string, paths: readonly string[]): void {
    for (const path of paths) this.removePath(key, path);
  }

  close(): void {
    for (const f of this.folders.values()) f.watcher.close();
    this.folders.clear();
  }

  private removePath(key: string, path: string): void {
    const dir = dirname(path);
    const folder = this.folders.get(dir);
    const keys = folder?.names.get(basename(path));
    if (!folder || !keys) return;
    keys.delete(key);
    if (keys.size === 0) folder.names.delete(basename(path));
    if (folder.names.size === 0) {
      folder.watcher.close();
      this.folders.delete(dir);
    }
  }

  private folderFor(dir: string): Folder | null {
    const known = this.folders.get(dir);
    if (known) return known;
    if (this.folders.size >= this.maxFolders) return null;
    let watcher: FSWatcher;
    try {
      // Not persistent: a watch never keeps a worker alive.
      watcher = watch(dir, { persistent: false });
    } catch {
      return null; // ENOSPC (inotify limit), EACCES, a folder gone meanwhile
    }
    const folder: Folder = { watcher, names: new Map() };
    watcher.on('change', (_event, name) => this.notice(folder, typeof name === 'string' ? name : null));
    // A failed watch (the folder deleted, say): every file in it is dropped and the folder forgotten.
    watcher.on('error', () => {
      this.notice(folder, null);
      watcher.close();
      if (this.folders.get(dir) === folder) this.folders.delete(dir);
    });
    this.folders.set(dir, folder);
    return folder;
  }

  /** `name` null: the platform did not say which file (then all of the folder's). */
  private notice(folder: Folder, name: string | null): void {
    const keys = name === null ? [...folder.names.values()].flatMap((s) => [...s]) : [...(folder.names.get(name) ?? [])];
    for (const key of keys) this.changed(key);
  }
}
