// Brings a database to the newest schema: one transaction per migration, and a copy of the old
// file first whenever a database that already holds data is about to change shape.
import { chmodSync, existsSync } from 'node:fs';
import { BerthError, errorMessage } from '../errors.js';
import { assertMigrationOrder, latestVersion, type Migration } from './migrations.js';
import type { SqliteDatabase } from './sqlite.js';

export interface MigrationResult {
  from: number;
  to: number;
  /** The copy taken before migrating, or null when none was needed (new or current database). */
  backup: string | null;
}

export function migrate(db: SqliteDatabase, file: string, list: readonly Migration[]): MigrationResult {
  assertMigrationOrder(list);
  const from = db.pragma('user_version', { simple: true }) as number;
  const to = latestVersion(list);
  if (from >= to) return { from, to: from, backup: null };

  const backup = hasData(db) ? backupBeforeMigration(db, file, from) : null;
  for (const m of list) {
    if (m.version <= from) continue;
    const step = db.transaction(() => {
      // Another process may have migrated between our read and this write lock.
      if ((db.pragma('user_version', { simple: true }) as number) >= m.version) return;
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    });
    try {
      // IMMEDIATE: take the write lock up front, so two Berth processes never run one migration twice.
      step.immediate();
    } catch (e) {
      throw new BerthError('BERTH_ERR_DB_MIGRATION', `could not upgrade the database ${file} to schema ${m.version} (${m.name}): ${errorMessage(e)}`, {
        hint: backup
          ? `this step was rolled back; the database as it was before the upgrade is saved at ${backup}`
          : 'this step was rolled back',
        cause: e,
      });
    }
  }
  return { from, to, backup };
}

function hasData(db: SqliteDatabase): boolean {
  const row = db.prepare(`SELECT count(*) AS n FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'`).get() as { n: number };
  return row.n > 0;
}

/**
 * `VACUUM INTO` writes a consistent copy (including anything still in the WAL) as a new file.
 * An existing backup is never overwritten: the next free `-2`, `-3`… name is used.
 */
function backupBeforeMigration(db: SqliteDatabase, file: string, fromVersion: number): string {
  const base = `${file}.bak-v${fromVersion}`;
  let target = base;
  for (let n = 2; existsSync(target); n++) {
    if (n > 1000) throw new BerthError('BERTH_ERR_DB_MIGRATION', `too many backups named ${base}-N`, { hint: 'move old backups out of the data dir' });
    target = `${base}-${n}`;
  }
  try {
    db.prepare('VACUUM INTO ?').run(target);
  } catch (e) {
    throw new BerthError('BERTH_ERR_DB_MIGRATION', `could not back up ${file} to ${target} before upgrading it: ${errorMessage(e)}`, {
      hint: 'free some disk space or check folder permissions; the database was not changed',
      cause: e,
    });
  }
  chmodSync(target, 0o600);
  return target;
}
