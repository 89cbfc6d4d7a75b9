// Checks that run before Berth writes anything to an existing database: a file that is not SQLite,
// is damaged, or was written by a newer Berth is refused and left exactly as it is.
import { closeSync, openSync, readSync } from 'node:fs';
import { BerthError, errorMessage } from '../errors.js';
import type { SqliteDatabase } from './sqlite.js';

/** Every SQLite 3 database starts with these 16 bytes (https://www.sqlite.org/fileformat.html §1.3). */
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

const CORRUPT_HINT =
  'Berth did not change the file. Move it aside (or restore a backup such as berth.db.bak-v*) and start again; ' +
  'Berth then creates a new database.';

export function corruptError(file: string, detail: string, cause?: unknown): BerthError {
  return new BerthError('BERTH_ERR_DB_CORRUPT', `the database ${file} is damaged or not a Berth database (${detail})`, {
    hint: CORRUPT_HINT,
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * Reads the first bytes without SQLite: a missing or empty file is a new database (SQLite treats
 * a zero-length file as empty); anything else must carry the SQLite header.
 */
export function assertSqliteHeader(file: string): void {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new BerthError('BERTH_ERR_DB_OPEN', `cannot read the database ${file}: ${errorMessage(e)}`, {
      hint: 'check that the file and its folder belong to you and are readable',
      cause: e,
    });
  }
  try {
    const head = Buffer.alloc(SQLITE_HEADER.length);
    const read = readSync(fd, head, 0, head.length, 0);
    if (read === 0) return;
    if (read < head.length || !head.equals(SQLITE_HEADER)) throw corruptError(file, 'it is not an SQLite database');
  } finally {
    closeSync(fd);
  }
}

/** `PRAGMA quick_check`: the O(N) structural check (https://www.sqlite.org/pragma.html#pragma_quick_check). */
export function assertIntact(db: SqliteDatabase, file: string): void {
  let rows: string[];
  try {
    rows = (db.pragma('quick_check') as Record<string, unknown>[]).map((r) => String(Object.values(r)[0]));
  } catch (e) {
    throw corruptError(file, errorMessage(e), e);
  }
  if (rows.length !== 1 || rows[0] !== 'ok') {
    throw corruptError(file, `quick_check: ${rows.slice(0, 3).join('; ')}`);
  }
}

/** The schema version of the file, read without writing. */
export function readUserVersion(db: SqliteDatabase, file: string): number {
  try {
    return db.pragma('user_version', { simple: true }) as number;
  } catch (e) {
    throw corruptError(file, errorMessage(e), e);
  }
}

export function assertNotTooNew(file: string, found: number, known: number): void {
  if (found > known) {
    throw new BerthError(
      'BERTH_ERR_DB_TOO_NEW',
      `the database ${file} was written by a newer Berth (schema ${found}; this Berth knows up to ${known})`,
      { hint: 'upgrade Berth, or use another --data-dir; Berth did not change the file' },
    );
  }
}
