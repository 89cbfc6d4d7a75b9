// Buffered append-only log files: lines collect in memory and are appended at least once a
// second (and at once past 64 KiB), so a request never waits for the disk. Each flush opens
// the file in append mode, so a log rotated or deleted by the user is simply recreated.
// Size-based rotation (what nginx leaves to logrotate): before a write would take the file past
// `maxBytes`, `x.log` → `x.log.1` → … → `x.log.N` (the oldest dropped) and the write goes to a
// fresh `x.log`. Writes are serialised per file and lines appended meanwhile wait in memory for
// the next flush, so rotation loses no line. Every appended line is also offered to `onLine`
// (the live tail).
import { appendFileSync, mkdirSync } from 'node:fs';
import { appendFile, mkdir, rename, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

const FLUSH_AT_BYTES = 64 * 1024;
/** When the disk stalls, keep at most this much in memory and count what is dropped. */
const MAX_PENDING_BYTES = 8 * 1024 * 1024;

export interface RotationPolicy {
  /** Rotate before the file would pass this size; 0 = never. */
  maxBytes: number;
  /** Rotated files kept (`.1` … `.keep`). */
  keep: number;
}

export const NO_ROTATION: RotationPolicy = { maxBytes: 0, keep: 1 };

export type LineListener = (path: string, line: string) => void;

export class BufferedLogFile {
  private pending: string[] = [];
  private pendingBytes = 0;
  private dropped = 0;
  private dirReady = false;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    readonly path: string,
    private readonly onError: (message: string) => void,
    private readonly policy: () => RotationPolicy = () => NO_ROTATION,
    private readonly onLine: LineListener | null = null,
  ) {}

  /** `line` without its newline. */
  append(line: string): void {
    if (this.pendingBytes > MAX_PENDING_BYTES) {
      this.dropped++;
      return;
    }
    this.pending.push(line);
    this.pendingBytes += line.length + 1;
    this.onLine?.(this.path, line);
    if (this.pendingBytes >= FLUSH_AT_BYTES) void this.flush();
  }

  /** Resolves when everything appended so far is on disk (or failed and was reported). */
  flush(): Promise<void> {
    const data = this.take();
    if (data === null) return this.writing;
    this.writing = this.writing
      .then(async () => {
        if (!this.dirReady) {
          await mkdir(dirname(this.path), { recursive: true });
          this.dirReady = true;
        }
        await this.rotateIfNeeded(Buffer.byteLength(data));
        await appendFile(this.path, data);
      })
      .catch((e: unknown) => {
        this.dirReady = false;
        this.onError(`cannot write ${this.path}: ${(e as Error).message}`);
      });
    return this.writing;
  }

  /** For the last moment before exit, when nothing async will run any more (no rotation here). */
  flushSync(): void {
    const data = this.take();
    if (data === null) return;
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      appendFileSync(this.path, data);
    } catch (e) {
      this.onError(`cannot write ${this.path}: ${(e as Error).message}`);
    }
  }

  /**
   * The size on disk is read before each write (one stat per flush, about once a second), so
   * several workers appending to one file still rotate it near the limit, and a rotation done by
   * another worker is seen at once.
   */
  private async rotateIfNeeded(incoming: number): Promise<void> {
    const { maxBytes, keep } = this.policy();
    if (maxBytes <= 0) return;
    const size = await stat(this.path).then(
      (st) => st.size,
      () => 0, // no file yet: nothing to rotate
    );
    if (size === 0 || size + incoming <= maxBytes) return;
    for (let i = keep - 1; i >= 1; i--) {
      await rename(`${this.path}.${i}`, `${this.path}.${i + 1}`).catch(ignoreMissing);
    }
    await rename(this.path, `${this.path}.1`).catch(ignoreMissing);
  }

  private take(): string | null {
    if (this.dropped > 0) {
      this.onError(`${this.path}: dropped ${this.dropped} log lines while the disk did not keep up`);
      this.dropped = 0;
    }
    if (this.pending.length === 0) return null;
    const data = `${this.pending.join('\n')}\n`;
    this.pending = [];
    this.pendingBytes = 0;
    return data;
  }
}

function ignoreMissing(e: unknown): void {
  if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
}

/** All log files of one worker, flushed together by one timer. */
export class LogFiles {
  private readonly files = new Map<string, BufferedLogFile>();
  private timer: NodeJS.Timeout | null = null;
  private rotation: RotationPolicy = NO_ROTATION;
  private lineListener: LineListener | null = null;

  constructor(
    private readonly onError: (message: string) => void,
    private readonly flushIntervalMs = 1000,
  ) {}

  /** Applies to every file, from its next flush. */
  setRotation(policy: RotationPolicy): void {
    this.rotation = { maxBytes: Math.max(0, policy.maxBytes), keep: Math.max(1, policy.keep) };
  }

  /** Every line appended from now on, with its file's path (the live tail). */
  onLine(listener: LineListener | null): void {
    this.lineListener = listener;
  }

  file(path: string): BufferedLogFile {
    let f = this.files.get(path);
    if (!f) {
      f = new BufferedLogFile(
        path,
        this.onError,
        () => this.rotation,
        (p, line) => this.lineListener?.(p, line),
      );
      this.files.set(path, f);
    }
    return f;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flushAll(), this.flushIntervalMs);
    this.timer.unref();
  }

  async flushAll(): Promise<void> {
    await Promise.all([...this.files.values()].map((f) => f.flush()));
  }

  flushAllSync(): void {
    for (const f of this.files.values()) f.flushSync();
  }

  /** Stops the timer and writes what is left. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flushAll();
  }
}
