// The metrics tables: one per roll-up, identical columns. Run once by a numbered store migration;
// released SQL never changes (a new shape is a new migration).
import type { SqliteDatabase } from '../store/sqlite.js';

export const ROLLUP_TABLES = { '1s': 'metrics_1s', '1m': 'metrics_1m', '1h': 'metrics_1h' } as const;
export type Resolution = keyof typeof ROLLUP_TABLES;

/** Seconds per row of each roll-up. */
export const RESOLUTION_SECONDS: Record<Resolution, number> = { '1s': 1, '1m': 60, '1h': 3600 };

function tableSql(name: string): string {
  // ts: unix seconds at the start of the row's interval. hist: BLOB from histogram.encodeBlob.
  // Primary key (kind, key, ts) serves the per-series range queries; the ts index serves pruning.
  return `
    CREATE TABLE ${name} (
      ts             INTEGER NOT NULL,
      kind           TEXT    NOT NULL CHECK (kind IN ('site', 'upstream')),
      key            TEXT    NOT NULL,
      requests       INTEGER NOT NULL,
      bytes_in       INTEGER NOT NULL,
      bytes_out      INTEGER NOT NULL,
      s1xx           INTEGER NOT NULL,
      s2xx           INTEGER NOT NULL,
      s3xx           INTEGER NOT NULL,
      s4xx           INTEGER NOT NULL,
      s5xx           INTEGER NOT NULL,
      latency_ms_sum REAL    NOT NULL,
      hist           BLOB    NOT NULL,
      PRIMARY KEY (kind, key, ts)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX ${name}_ts ON ${name} (ts);
  `;
}

/** Migration 2's body. */
export function createMetricsTables(db: SqliteDatabase): void {
  db.exec(Object.values(ROLLUP_TABLES).map(tableSql).join('\n'));
}
