// Buffered append-only log files: lines collect in memory and are appended at least once a
// second (and at once past 64 KiB), so a request never waits for the disk. Each flush opens
// the file in append mode, so a log rotated or deleted by the user is simply recreated.
import { appendFileSync, mkdirSync } from 'node:fs';
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

const FLUSH_AT_BYTES = 64 * 1024;
/** When the disk stalls, keep at most this much in memory and count what is dropped. */
const MAX_PENDING_BYTES = 8 * 1024 * 1024;

export class BufferedLogFile {
  private pending: string[] = [];
  private pendingBytes = 0;
  private dropped = 0;
  private dirReady = false;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    readonly path: string,
    private readonly onError: (message: string) => void,
  ) {}

  /** `line` without its newline. */
  append(line: string): void {
    if (this.pendingBytes > MAX_PENDING_BYTES) {
      this.dropped++;
      return;
    }
    this.pending.push(line);
    this.pendingBytes += line.length + 1;
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
        await appendFile(this.path, data);
      })
      .catch((e: unknown) => {
        this.dirReady = false;
        this.onError(`cannot write ${this.path}: ${(e as Error).message}`);
      });
    return this.writing;
  }

  /** For the last moment before exit, when nothing async will run any more. */
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

/** All log files of one worker, flushed together by one timer. */
export class LogFiles {
  private readonly files = new Map<string, BufferedLogFile>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly onError: (message: string) => void,
    private readonly flushIntervalMs = 1000,
  ) {}

  file(path: string): BufferedLogFile {
    let f = this.files.get(path);
    if (!f) {
      f = new BufferedLogFile(path, this.onError);
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
