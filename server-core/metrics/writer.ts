// The supervisor's metrics writer. Workers publish one message per second; the writer merges the
// workers' seconds in memory and, once a second, writes every finished second in ONE transaction:
// each series' row is upserted into the 1 s table and merged into its current 1 min and 1 h rows
// (so roll-ups are always up to date and are the same merge; seconds written together are merged
// in memory first), then prunes a bounded slice of rows
// past retention. It keeps running totals for `/metrics` and hands the last second to the live view.
import type { Statement } from 'better-sqlite3';
import type { LiveMetricsSecond, SeriesKind } from '../contract/metrics.js';
import type { SqliteDatabase } from '../store/sqlite.js';
import { addBlob, decodeBlob, encodeBlob } from './histogram.js';
import { parsePublish } from './publish-payload.js';
import { RESOLUTION_SECONDS, ROLLUP_TABLES, type Resolution } from './schema.js';
import { SeriesAccum, seriesId } from './series.js';

/** Seconds each roll-up keeps: 1 s rows ~1 h (65 min, so the 1 h view is full), 1 min ~7 d, 1 h ~90 d. */
export const DEFAULT_RETENTION: Record<Resolution, number> = { '1s': 65 * 60, '1m': 7 * 86_400 + 3600, '1h': 90 * 86_400 };

/** Most seconds of history one tick may delete per table: bounded work, still 120× faster than data arrives. */
const PRUNE_SPAN_ROWS = 120;

/** A second that arrives later than this (in seconds) goes to SQLite only, not to the live view. */
const LIVE_LATE_SECONDS = 60;

/** A site has a 5xx burst in a second with at least this many 5xx answers making up this share of its requests. */
export const BURST_MIN_5XX = 5;
export const BURST_MIN_SHARE = 0.2;
/** One burst event per site per this many seconds. */
const BURST_QUIET_SECONDS = 60;

export interface MetricsWriterOptions {
  nowMs?: () => number;
  retention?: Partial<Record<Resolution, number>>;
  /** The newest finished second, merged across workers (empty lists when it was quiet). */
  onSecond?: (live: LiveMetricsSecond) => void;
  /** A site answered many 5xx in one second. */
  onBurst?: (site: string, errors: number, requests: number, second: number) => void;
  /** A child sent a malformed metrics message (reported once per child). */
  onBadPayload?: (childId: string) => void;
}

type Upsert = Statement<[number, SeriesKind, string, number, number, number, number, number, number, number, number, number, Buffer]>;

export class MetricsWriter {
  private readonly now: () => number;
  private readonly retention: Record<Resolution, number>;
  /** second → series id → counts merged from every worker. */
  private readonly pending = new Map<number, Map<string, SeriesAccum>>();
  /** Running totals since the supervisor started (Prometheus counters). */
  private readonly totals = new Map<string, SeriesAccum>();
  private readonly upserts: Record<Resolution, Upsert>;
  private readonly oldest: Record<Resolution, Statement<[], { m: number | null }>>;
  private readonly prune: Record<Resolution, Statement<[number]>>;
  private readonly lastBurst = new Map<string, number>();
  private readonly badChildren = new Set<string>();
  private lastLiveSecond = 0;
  /** Seconds already reported live, merged (for late parts of them), kept LIVE_LATE_SECONDS. */
  private readonly liveSeconds = new Map<number, Map<string, SeriesAccum>>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly options: MetricsWriterOptions = {},
  ) {
    this.now = options.nowMs ?? Date.now;
    this.retention = { ...DEFAULT_RETENTION, ...options.retention };
    registerHistogramFunctions(db);
    const stmts = (res: Resolution) => {
      const t = ROLLUP_TABLES[res];
      return {
        upsert: db.prepare(`
          INSERT INTO ${t} (ts, kind, key, requests, bytes_in, bytes_out, s1xx, s2xx, s3xx, s4xx, s5xx, latency_ms_sum, hist)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT (kind, key, ts) DO UPDATE SET
            requests = requests + excluded.requests, bytes_in = bytes_in + excluded.bytes_in, bytes_out = bytes_out + excluded.bytes_out,
            s1xx = s1xx + excluded.s1xx, s2xx = s2xx + excluded.s2xx, s3xx = s3xx + excluded.s3xx, s4xx = s4xx + excluded.s4xx, s5xx = s5xx + excluded.s5xx,
            latency_ms_sum = latency_ms_sum + excluded.latency_ms_sum, hist = berth_hist_merge(hist, excluded.hist)`) as Upsert,
        oldest: db.prepare(`SELECT min(ts) AS m FROM ${t}`) as Statement<[], { m: number | null }>,
        prune: db.prepare(`DELETE FROM ${t} WHERE ts < ?`) as Statement<[number]>,
      };
    };
    const s = { '1s': stmts('1s'), '1m': stmts('1m'), '1h': stmts('1h') };
    this.upserts = { '1s': s['1s'].upsert, '1m': s['1m'].upsert, '1h': s['1h'].upsert };
    this.oldest = { '1s': s['1s'].oldest, '1m': s['1m'].oldest, '1h': s['1h'].oldest };
    this.prune = { '1s': s['1s'].prune, '1m': s['1m'].prune, '1h': s['1h'].prune };
  }

  /** A `metrics` publish from a child. Malformed data is dropped (and reported once per child). */
  ingest(childId: string, data: unknown): boolean {
    const payload = parsePublish(data, this.now());
    if (payload === null) {
      if (!this.badChildren.has(childId)) {
        this.badChildren.add(childId);
        this.options.onBadPayload?.(childId);
      }
      return false;
    }
    let second = this.pending.get(payload.second);
    if (second === undefined) {
      second = new Map();
      this.pending.set(payload.second, second);
    }
    for (const sample of payload.samples) {
      const id = seriesId(sample.kind, sample.key);
      accum(second, id, sample.kind, sample.key).addSample(sample);
      accum(this.totals, id, sample.kind, sample.key).addSample(sample);
    }
    return true;
  }

  /**
   * Writes every second before the current one (one transaction), prunes, and reports each
   * finished second live. A busy machine can delay a worker's message past this tick, or this
   * tick past the next second: such seconds are reported too, merged with what was already
   * reported for them, so the live view never loses requests that SQLite has.
   */
  tick(): void {
    const current = Math.floor(this.now() / 1000);
    const done = [...this.pending.keys()].filter((s) => s < current).sort((a, b) => a - b);
    const rows = done.map((s) => ({ second: s, series: [...(this.pending.get(s) as Map<string, SeriesAccum>).values()] }));
    this.db.transaction(() => {
      this.writeRows(rows);
      this.pruneOnce(current);
    })();
    for (const s of done) this.pending.delete(s);

    const newest = current - 1;
    for (const { second, series } of rows) {
      if (second <= newest - LIVE_LATE_SECONDS) continue;
      if (second > this.lastLiveSecond) this.detectBursts(second, series);
      this.reportLive(second, series);
    }
    // A quiet newest second is reported as such (empty lists), so live charts keep moving.
    if (newest > this.lastLiveSecond) this.reportLive(newest, []);
    for (const s of this.liveSeconds.keys()) if (s <= newest - LIVE_LATE_SECONDS) this.liveSeconds.delete(s);
  }

  /** Hands a second to the live view: everything reported for it so far, this part included. */
  private reportLive(second: number, series: readonly SeriesAccum[]): void {
    let merged = this.liveSeconds.get(second);
    if (merged === undefined) {
      if (series.length === 0 && second <= this.lastLiveSecond) return;
      merged = new Map();
      this.liveSeconds.set(second, merged);
    }
    for (const a of series) accum(merged, seriesId(a.kind, a.key), a.kind, a.key).add(a);
    if (second > this.lastLiveSecond) this.lastLiveSecond = second;
    const all = [...merged.values()];
    this.options.onSecond?.({
      second,
      sites: all.filter((x) => x.kind === 'site').map((x) => x.live()),
      upstreams: all.filter((x) => x.kind === 'upstream').map((x) => x.live()),
    });
  }

  /**
   * Writes whole seconds directly, in one transaction (the bench's fill and tests). Same path
   * as tick(): 1 s rows plus the 1 min / 1 h merges.
   */
  writeSeconds(rows: ReadonlyArray<{ second: number; series: readonly SeriesAccum[] }>): void {
    this.db.transaction(() => this.writeRows(rows))();
  }

  /** Deletes rows past retention, at most PRUNE_SPAN_ROWS intervals per table; true when more is left. */
  pruneOnce(current = Math.floor(this.now() / 1000)): boolean {
    let more = false;
    for (const res of ['1s', '1m', '1h'] as const) {
      const cutoff = current - this.retention[res];
      const oldest = this.oldest[res].get()?.m ?? null;
      if (oldest === null || oldest >= cutoff) continue;
      const upTo = Math.min(cutoff, oldest + PRUNE_SPAN_ROWS * RESOLUTION_SECONDS[res]);
      this.prune[res].run(upTo);
      if (upTo < cutoff) more = true;
    }
    return more;
  }

  /** Totals since start, per series (for `/metrics`). */
  totalsSnapshot(): SeriesAccum[] {
    return [...this.totals.values()];
  }

  /** Ticks just after every second boundary (workers publish at +5 ms; their messages are in by +300 ms). */
  start(): void {
    const schedule = (): void => {
      this.timer = setTimeout(() => {
        this.tick();
        schedule();
      }, 1300 - (this.now() % 1000));
      this.timer.unref();
    };
    schedule();
  }

  /** Stops the timer and writes whatever arrived (the current second included). */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const rows = [...this.pending.entries()].map(([second, m]) => ({ second, series: [...m.values()] }));
    this.pending.clear();
    if (rows.length > 0) this.writeSeconds(rows);
  }

  /** 1 s rows as they are; 1 min and 1 h rows merged in memory first, then one upsert each. */
  private writeRows(rows: ReadonlyArray<{ second: number; series: readonly SeriesAccum[] }>): void {
    const coarse = { '1m': new Map<string, { ts: number; a: SeriesAccum }>(), '1h': new Map<string, { ts: number; a: SeriesAccum }>() };
    for (const { second, series } of rows) {
      for (const a of series) {
        this.upsert('1s', second, a);
        for (const res of ['1m', '1h'] as const) {
          const ts = second - (second % RESOLUTION_SECONDS[res]);
          const id = `${ts}\u0000${seriesId(a.kind, a.key)}`;
          let m = coarse[res].get(id);
          if (m === undefined) {
            m = { ts, a: new SeriesAccum(a.kind, a.key) };
            coarse[res].set(id, m);
          }
          m.a.add(a);
        }
      }
    }
    for (const res of ['1m', '1h'] as const) for (const { ts, a } of coarse[res].values()) this.upsert(res, ts, a);
  }

  private upsert(res: Resolution, ts: number, a: SeriesAccum): void {
    const s = a.status;
    this.upserts[res].run(ts, a.kind, a.key, a.requests, a.bytesIn, a.bytesOut, s[0] ?? 0, s[1] ?? 0, s[2] ?? 0, s[3] ?? 0, s[4] ?? 0, a.latencyMsSum, encodeBlob(a.hist));
  }

  private detectBursts(second: number, series: readonly SeriesAccum[]): void {
    if (!this.options.onBurst) return;
    for (const a of series) {
      if (a.kind !== 'site') continue;
      const errors = a.status[4] ?? 0;
      if (errors < BURST_MIN_5XX || errors < BURST_MIN_SHARE * a.requests) continue;
      const last = this.lastBurst.get(a.key);
      if (last !== undefined && second - last < BURST_QUIET_SECONDS) continue;
      this.lastBurst.set(a.key, second);
      this.options.onBurst(a.key, errors, a.requests, second);
    }
  }
}

function accum(map: Map<string, SeriesAccum>, id: string, kind: SeriesKind, key: string): SeriesAccum {
  let a = map.get(id);
  if (a === undefined) {
    a = new SeriesAccum(kind, key);
    map.set(id, a);
  }
  return a;
}

/** `berth_hist_merge(a, b)`: the BLOB of two histograms added (used by the upserts). */
export function registerHistogramFunctions(db: SqliteDatabase): void {
  db.function('berth_hist_merge', { deterministic: true }, (a: unknown, b: unknown) =>
    encodeBlob(addBlob(decodeBlob(a instanceof Uint8Array ? a : null), b instanceof Uint8Array ? b : null)),
  );
}
