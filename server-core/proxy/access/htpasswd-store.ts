// Loaded htpasswd files, re-read when their mtime or size changes. Like nginx's
// open_file_cache_valid, a file is stat()ed at most once per check interval, so a busy protected
// site costs no syscall per request; an edited file is picked up within the interval.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { parseHtpasswd, verifyPassword, type HtpasswdFile } from './htpasswd.js';

interface Loaded {
  file: HtpasswdFile;
  mtimeMs: number;
  size: number;
  /** Bumped on every re-read; part of the verified-credentials key. */
  generation: number;
  checkedAt: number;
}

export interface HtpasswdStoreOptions {
  /** Default 1000 ms. */
  checkIntervalMs?: number;
  now?: () => number;
  /** Called once per load with the file's refused lines. */
  onProblems?: (path: string, problems: readonly string[]) => void;
}

/** Successful checks remembered (bcrypt costs milliseconds per request otherwise). */
const VERIFIED_MAX = 1024;

export class HtpasswdStore {
  private readonly files = new Map<string, Loaded>();
  private readonly inflight = new Map<string, Promise<Loaded>>();
  /** sha256(path, generation, user length, user, password) → true, in insertion (LRU) order. No passwords kept. */
  private readonly verified = new Map<string, true>();
  private generation = 0;
  private readonly checkIntervalMs: number;
  private readonly now: () => number;

  constructor(private readonly options: HtpasswdStoreOptions = {}) {
    this.checkIntervalMs = options.checkIntervalMs ?? 1000;
    this.now = options.now ?? Date.now;
  }

  /** Throws the fs error when the file cannot be read (the caller answers 403 for ENOENT, else 500, as nginx does). */
  async load(path: string): Promise<HtpasswdFile> {
    return (await this.current(path)).file;
  }

  /** 'ok', 'unknown-user' or 'mismatch'; `user` is bytes as latin1 characters (basic-auth.ts). */
  async check(path: string, user: string, password: Buffer): Promise<'ok' | 'unknown-user' | 'mismatch'> {
    const loaded = await this.current(path);
    const entry = loaded.file.entries.get(user);
    if (!entry) return 'unknown-user';
    const key = createHash('sha256').update(`${path}\0${loaded.generation}\0${user.length}\0`).update(user, 'latin1').update(password).digest('base64');
    if (this.verified.has(key)) {
      this.verified.delete(key);
      this.verified.set(key, true);
      return 'ok';
    }
    if (!(await verifyPassword(entry, password))) return 'mismatch';
    this.verified.set(key, true);
    if (this.verified.size > VERIFIED_MAX) this.verified.delete(this.verified.keys().next().value as string);
    return 'ok';
  }

  private current(path: string): Promise<Loaded> {
    const known = this.files.get(path);
    if (known && this.now() - known.checkedAt < this.checkIntervalMs) return Promise.resolve(known);
    let pending = this.inflight.get(path);
    if (!pending) {
      pending = this.refresh(path, known).finally(() => this.inflight.delete(path));
      this.inflight.set(path, pending);
    }
    return pending;
  }

  private async refresh(path: string, known: Loaded | undefined): Promise<Loaded> {
    let st;
    try {
      st = await stat(path);
    } catch (e) {
      this.files.delete(path);
      throw e;
    }
    if (known && known.mtimeMs === st.mtimeMs && known.size === st.size) {
      known.checkedAt = this.now();
      return known;
    }
    const file = parseHtpasswd(await readFile(path), path);
    if (file.problems.length > 0) this.options.onProblems?.(path, file.problems);
    const loaded: Loaded = { file, mtimeMs: st.mtimeMs, size: st.size, generation: ++this.generation, checkedAt: this.now() };
    this.files.set(path, loaded);
    return loaded;
  }
}
