// The database schema, as numbered migrations. `PRAGMA user_version` holds the last one applied.
// Append only: a released migration never changes, the next change is the next number.
import { createMetricsTables } from '../metrics/schema.js';
import type { SqliteDatabase } from './sqlite.js';

export interface Migration {
  /** 1, 2, 3… with no gaps. */
  version: number;
  name: string;
  /** Runs inside the migration's transaction; the runner sets user_version afterwards. */
  up(db: SqliteDatabase): void;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'config versions, supervisor events, meta',
    up(db) {
      db.exec(`
        CREATE TABLE config_versions (
          version        INTEGER PRIMARY KEY,
          applied_at     TEXT    NOT NULL,
          source         TEXT    NOT NULL CHECK (source IN ('first-run', 'api', 'restore', 'import')),
          note           TEXT    NOT NULL DEFAULT '',
          schema_version INTEGER NOT NULL,
          config         TEXT    NOT NULL CHECK (json_valid(config))
        ) STRICT;

        -- Exactly one row (id = 1): the version the stack runs.
        CREATE TABLE config_current (
          id      INTEGER PRIMARY KEY CHECK (id = 1),
          version INTEGER NOT NULL REFERENCES config_versions (version)
        ) STRICT;

        -- AUTOINCREMENT: ids never come back after retention deletes the oldest rows,
        -- so a client can resume from the last id it saw.
        CREATE TABLE events (
          id      INTEGER PRIMARY KEY AUTOINCREMENT,
          at      TEXT    NOT NULL,
          level   TEXT    NOT NULL CHECK (level IN ('info', 'warn', 'error')),
          kind    TEXT    NOT NULL,
          child   TEXT,
          message TEXT    NOT NULL
        ) STRICT;

        CREATE TABLE meta (
          key   TEXT PRIMARY KEY,
          value TEXT NOT NULL
        ) STRICT;
      `);
    },
  },
  {
    version: 2,
    name: 'metrics roll-ups (1 s, 1 min, 1 h)',
    up: createMetricsTables,
  },
];

/** Throws when a migration list is not 1..n in order (a programming error, caught by the specs). */
export function assertMigrationOrder(list: readonly Migration[]): void {
  list.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration "${m.name}" has version ${m.version}, expected ${i + 1}`);
  });
}

export function latestVersion(list: readonly Migration[]): number {
  return list.length === 0 ? 0 : (list[list.length - 1]?.version ?? 0);
}
