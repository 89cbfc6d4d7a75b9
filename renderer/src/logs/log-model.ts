// The Logs page's data, without the DOM: a ring of the newest lines (100,000 by default), each
// parsed once on arrival for the fields the filters need, and the list of lines that pass the
// current filter, kept up to date incrementally as lines arrive and old ones fall out.
import { parseAccessLine, parseErrorLine, sourceInfo, type LogKind } from './parse-line.js';

export const DEFAULT_CAPACITY = 100_000;

export interface LogEntry {
  /** Increases by one per line, never reused. */
  readonly seq: number;
  readonly source: string;
  readonly kind: LogKind;
  readonly site: string | null;
  readonly text: string;
  /** HTTP status of an access line, else 0. */
  readonly status: number;
  /** HTTP method of an access line, else ''. */
  readonly method: string;
  /** Error-log level (`error`, `warn`…), else ''. */
  readonly level: string;
}

export interface LogFilter {
  kind: LogKind | '';
  site: string;
  /** 1…5 for 1xx…5xx, 0 for any. */
  statusClass: number;
  method: string;
  text: string;
  regex: boolean;
}

export const EMPTY_FILTER: LogFilter = { kind: '', site: '', statusClass: 0, method: '', text: '', regex: false };

export type CompiledFilter = { ok: true; test: (e: LogEntry) => boolean } | { ok: false; error: string };

/** Builds the predicate; an invalid regex is an error for the text field, not an exception. */
export function compileFilter(f: LogFilter): CompiledFilter {
  let textTest: ((s: string) => boolean) | null = null;
  if (f.text !== '') {
    if (f.regex) {
      let re: RegExp;
      try {
        re = new RegExp(f.text, 'i');
      } catch (e) {
        return { ok: false, error: e instanceof Error ? e.message : String(e) };
      }
      textTest = (s) => re.test(s);
    } else {
      const needle = f.text.toLowerCase();
      textTest = (s) => s.toLowerCase().includes(needle);
    }
  }
  const method = f.method.toUpperCase();
  return {
    ok: true,
    test: (e) =>
      (f.kind === '' || e.kind === f.kind) &&
      (f.site === '' || e.site === f.site) &&
      (f.statusClass === 0 || Math.floor(e.status / 100) === f.statusClass) &&
      (method === '' || e.method === method) &&
      (textTest === null || textTest(e.text)),
  };
}

export function makeEntry(seq: number, source: string, text: string): LogEntry {
  const info = sourceInfo(source);
  let status = 0;
  let method = '';
  let level = '';
  if (info.kind === 'access') {
    const a = parseAccessLine(text);
    if (a) {
      status = a.status;
      method = a.method;
    }
  } else if (info.kind === 'error') {
    level = parseErrorLine(text)?.level ?? '';
  }
  return { seq, source, kind: info.kind, site: info.site, text, status, method, level };
}

export class LogModel {
  private readonly ring: Array<LogEntry | undefined>;
  /** seq of the next line. */
  private nextSeq = 0;
  /** seqs of matching lines, oldest first, from `head` on. */
  private matches: number[] = [];
  private head = 0;
  private predicate: (e: LogEntry) => boolean = () => true;
  /** Lines that fell out of the ring. */
  evicted = 0;
  /** Lines seen per site and method (for the filter menus). */
  readonly sites = new Set<string>();
  readonly methods = new Set<string>();

  constructor(readonly capacity = DEFAULT_CAPACITY) {
    this.ring = new Array(capacity);
  }

  /** Lines held. */
  get size(): number {
    return Math.min(this.nextSeq, this.capacity);
  }

  get oldestSeq(): number {
    return this.nextSeq - this.size;
  }

  get matchCount(): number {
    return this.matches.length - this.head;
  }

  append(source: string, lines: readonly string[]): void {
    for (const text of lines) {
      const e = makeEntry(this.nextSeq++, source, text);
      const slot = e.seq % this.capacity;
      if (this.ring[slot] !== undefined) this.evicted++;
      this.ring[slot] = e;
      if (e.site) this.sites.add(e.site);
      if (e.method) this.methods.add(e.method);
      if (this.predicate(e)) this.matches.push(e.seq);
    }
    // Drop matches whose lines fell out; compact now and then so the array does not grow forever.
    const oldest = this.oldestSeq;
    while (this.head < this.matches.length && (this.matches[this.head] as number) < oldest) this.head++;
    if (this.head > 4096 && this.head > this.matches.length / 2) {
      this.matches = this.matches.slice(this.head);
      this.head = 0;
    }
  }

  /** Re-filters everything held (O(lines)). */
  setFilter(test: (e: LogEntry) => boolean): void {
    this.predicate = test;
    const out: number[] = [];
    for (let seq = this.oldestSeq; seq < this.nextSeq; seq++) {
      const e = this.ring[seq % this.capacity] as LogEntry;
      if (test(e)) out.push(seq);
    }
    this.matches = out;
    this.head = 0;
  }

  /** The i-th matching line (0 = oldest). */
  matchAt(i: number): LogEntry | undefined {
    const seq = this.matches[this.head + i];
    return seq === undefined ? undefined : this.ring[seq % this.capacity];
  }

  /** Position of a line in the current matches, or -1. */
  indexOfSeq(seq: number): number {
    const m = this.matches;
    let lo = this.head;
    let hi = m.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = m[mid] as number;
      if (v === seq) return mid - this.head;
      if (v < seq) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  clear(): void {
    this.ring.fill(undefined);
    this.matches = [];
    this.head = 0;
    this.evicted = 0;
    this.nextSeq = 0;
  }
}
