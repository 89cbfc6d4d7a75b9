// Where the nginx reader gets file contents: the disk (CLI), or the files a user uploaded
// (dashboard import). Both answer the same two questions, so include/glob logic is written once.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { posix } from 'node:path';

export interface FileSource {
  /** The file's text, or null when there is no such file. */
  read(path: string): string | null;
  /** Names in a directory, or null when it is not one. */
  list(dir: string): string[] | null;
}

export const diskSource: FileSource = {
  read(path) {
    try {
      if (!statSync(path).isFile()) return null;
      return readFileSync(path, 'utf8');
    } catch {
      return null;
    }
  },
  list(dir) {
    try {
      return readdirSync(dir);
    } catch {
      return null;
    }
  },
};

/** Uploaded files by absolute POSIX path (`/etc/nginx/nginx.conf`, or `/upload/site.conf`). */
export function memorySource(files: ReadonlyMap<string, string>): FileSource {
  return {
    read: (path) => files.get(posix.normalize(path)) ?? null,
    list(dir) {
      const prefix = posix.normalize(dir).replace(/\/?$/, '/');
      const names = new Set<string>();
      for (const p of files.keys()) {
        if (p.startsWith(prefix)) names.add(p.slice(prefix.length).split('/')[0] as string);
      }
      return names.size === 0 ? null : [...names];
    },
  };
}
