// One app's output: every line appended to `<logDir>/apps/<id>.log`, the last lines kept in memory
// for the API, and the last stderr lines kept as crash evidence.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import type { AppLogLine } from '../contract/apps.js';

const KEEP_LINES = 500;
const KEEP_STDERR = 20;
/** A runaway line is cut, so one bad write cannot fill memory. */
const MAX_LINE = 8192;

export class AppLog {
  private readonly lines: AppLogLine[] = [];
  private readonly stderr: string[] = [];
  private stream: WriteStream | null = null;

  constructor(
    readonly file: string,
    private readonly now: () => Date = () => new Date(),
    /** Every line as written to the file (the live tail on the WebSocket). */
    private readonly onLine: ((line: string) => void) | null = null,
  ) {}

  write(stream: AppLogLine['stream'], pid: number | null, line: string): void {
    const text = line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}…` : line;
    const entry: AppLogLine = { at: this.now().toISOString(), pid, stream, line: text };
    this.lines.push(entry);
    if (this.lines.length > KEEP_LINES) this.lines.shift();
    if (stream === 'stderr') {
      this.stderr.push(text);
      if (this.stderr.length > KEEP_STDERR) this.stderr.shift();
    }
    if (!this.stream) {
      mkdirSync(dirname(this.file), { recursive: true });
      this.stream = createWriteStream(this.file, { flags: 'a', mode: 0o600 });
      this.stream.on('error', () => undefined);
    }
    const formatted = `${entry.at} [${pid ?? '-'}] ${stream}: ${text}`;
    this.stream.write(`${formatted}\n`);
    this.onLine?.(formatted);
  }

  last(n: number): AppLogLine[] {
    return this.lines.slice(-n);
  }

  lastStderr(n = KEEP_STDERR): string[] {
    return this.stderr.slice(-n);
  }

  clearStderr(): void {
    this.stderr.length = 0;
  }

  close(): Promise<void> {
    const s = this.stream;
    this.stream = null;
    return new Promise((resolve) => (s ? s.end(resolve) : resolve()));
  }
}

/** Splits a byte stream into lines; the last partial line waits for its end. */
export function lineSplitter(onLine: (line: string) => void): { push(chunk: Buffer): void; end(): void } {
  let rest = '';
  return {
    push(chunk) {
      rest += chunk.toString('utf8');
      let i: number;
      while ((i = rest.indexOf('\n')) >= 0) {
        onLine(rest.slice(0, i).replace(/\r$/, ''));
        rest = rest.slice(i + 1);
      }
      if (rest.length > MAX_LINE * 4) {
        onLine(rest);
        rest = '';
      }
    },
    end() {
      if (rest !== '') onLine(rest);
      rest = '';
    },
  };
}
