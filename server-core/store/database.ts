// Opens the data dir's database: refuse what is not safe to touch, back up, migrate, then hand out
// one repo per job. The order matters: nothing is written before the integrity checks pass.
import { chmodSync, mkdirSync } from 'node:fs';
import { dataPaths } from '../paths.js';
import { ConfigRepo } from './config-repo.js';
import { DEFAULT_EVENT_RETENTION, EventRepo } from './event-repo.js';
import { assertIntact, assertNotTooNew, assertSqliteHeader, readUserVersion } from './integrity.js';
import { MetaRepo } from './meta-repo.js';
import { migrate, type MigrationResult } from './migrator.js';
import { latestVersion, migrations as builtInMigrations, type Migration } from './migrations.js';
import { openSqlite, type SqliteDatabase } from './sqlite.js';

export interface StoreOptions {
  /** Defaults to the built-in list; specs pass their own to exercise upgrades. */
  migrations?: readonly Migration[];
  /** Supervisor events kept. Default 10,000. */
  eventRetention?: number;
  /** Clock for applied_at / event times. */
  now?: () => Date;
}

export interface Store {
  /** The database file, `<dataDir>/berth.db`. */
  readonly file: string;
  /** The raw connection, for repos added by later issues (metrics, cert index). */
  readonly db: SqliteDatabase;
  readonly config: ConfigRepo;
  readonly events: EventRepo;
  readonly meta: MetaRepo;
  /** What opening did to the schema (and where the pre-upgrade copy went, if one was made). */
  readonly migration: MigrationResult;
  close(): void;
}

/** How long a connection waits for another process's write lock before failing with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;

export function openStore(dataDir: string, options: StoreOptions = {}): Store {
  const list = options.migrations ?? builtInMigrations;
  const file = dataPaths(dataDir).database;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });

  assertSqliteHeader(file);
  const db = openSqlite(file);
  try {
    assertNotTooNew(file, readUserVersion(db, file), latestVersion(list));
    assertIntact(db, file);

    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('foreign_keys = ON');
    // WAL: readers (CLI status, the dashboard API) never block the writer. With WAL, NORMAL is
    // durable against application crashes and only risks the last commits on power loss
    // (https://www.sqlite.org/pragma.html#pragma_synchronous).
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');

    const migration = migrate(db, file, list);
    chmodSync(file, 0o600);

    const meta = new MetaRepo(db);
    if (meta.get('created_at') === null) meta.set('created_at', (options.now?.() ?? new Date()).toISOString());

    let closed = false;
    return {
      file,
      db,
      config: new ConfigRepo(db, options.now),
      events: new EventRepo(db, options.eventRetention ?? DEFAULT_EVENT_RETENTION, options.now),
      meta,
      migration,
      close() {
        if (closed) return;
        closed = true;
        db.close();
      },
    };
  } catch (e) {
    db.close();
    throw e;
  }
}
