import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { isBerthError } from '../errors.js';
import { openStore } from './database.js';
import { migrations, type Migration } from './migrations.js';

const tempDirs: string[] = [];
function tempDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-store-'));
  tempDirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

const siteConfig = (id: string) => ({ schemaVersion: 1, sites: [{ id, names: [`${id}.localhost`], root: '/srv/www' }] });

const addNotes: Migration = {
  version: 2,
  name: 'notes table',
  up: (db) => db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL) STRICT'),
};

function tableNames(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name`).all() as { name: string }[]).map((r) => r.name);
  } finally {
    db.close();
  }
}

function userVersion(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return db.pragma('user_version', { simple: true }) as number;
  } finally {
    db.close();
  }
}

describe('openStore on a fresh data dir', () => {
  it('creates berth.db at the newest schema with WAL, foreign keys, busy timeout and NORMAL sync', () => {
    const dir = join(tempDataDir(), 'nested', 'data');
    const store = openStore(dir);
    try {
      assert.equal(store.file, join(dir, 'berth.db'));
      assert.deepEqual(store.migration, { from: 0, to: migrations.length, backup: null });
      assert.equal(store.db.pragma('user_version', { simple: true }), migrations.length);
      assert.equal(store.db.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(store.db.pragma('foreign_keys', { simple: true }), 1);
      assert.equal(store.db.pragma('synchronous', { simple: true }), 1); // 1 = NORMAL
      assert.equal(store.db.pragma('busy_timeout', { simple: true }), 5000);
      assert.equal(store.config.currentVersion(), null);
      assert.match(store.meta.get('created_at') ?? '', /^\d{4}-\d\d-\d\dT/);
      if (process.platform !== 'win32') assert.equal(statSync(store.file).mode & 0o777, 0o600);
    } finally {
      store.close();
    }
    for (const t of ['config_current', 'config_versions', 'events', 'meta']) assert.ok(tableNames(join(dir, 'berth.db')).includes(t), t);
  });

  it('reopens a current database without migrating or backing up', () => {
    const dir = tempDataDir();
    const first = openStore(dir);
    first.config.apply(siteConfig('one'), 'api', 'first');
    first.close();
    const again = openStore(dir);
    try {
      assert.deepEqual(again.migration, { from: migrations.length, to: migrations.length, backup: null });
      assert.equal(again.config.current()?.config.sites[0]?.id, 'one');
    } finally {
      again.close();
    }
    assert.ok(!existsSync(join(dir, `berth.db.bak-v${migrations.length}`)));
  });

  it('close() can be called twice', () => {
    const store = openStore(tempDataDir());
    store.close();
    assert.doesNotThrow(() => store.close());
  });
});

describe('migrating an existing database', () => {
  it('copies the old file to berth.db.bak-v<old> first and keeps the data', () => {
    const dir = tempDataDir();
    const v1 = openStore(dir, { migrations: [migrations[0]!] });
    v1.config.apply(siteConfig('kept'), 'api', 'before upgrade');
    v1.close();

    const v2 = openStore(dir, { migrations: [migrations[0]!, addNotes] });
    const backup = join(dir, 'berth.db.bak-v1');
    try {
      assert.deepEqual(v2.migration, { from: 1, to: 2, backup });
      assert.equal(v2.db.pragma('user_version', { simple: true }), 2);
      v2.db.prepare('INSERT INTO notes (text) VALUES (?)').run('works');
      assert.equal(v2.config.current()?.note, 'before upgrade');
    } finally {
      v2.close();
    }
    assert.equal(userVersion(backup), 1);
    assert.ok(!tableNames(backup).includes('notes'));
    const old = new Database(backup, { readonly: true });
    try {
      const row = old.prepare('SELECT note, config FROM config_versions WHERE version = 1').get() as { note: string; config: string };
      assert.equal(row.note, 'before upgrade');
      assert.equal(JSON.parse(row.config).sites[0].id, 'kept');
    } finally {
      old.close();
    }
    if (process.platform !== 'win32') assert.equal(statSync(backup).mode & 0o777, 0o600);
  });

  it('never overwrites an earlier backup: the next free name is used', () => {
    const dir = tempDataDir();
    openStore(dir, { migrations: [migrations[0]!] }).close();
    const earlier = join(dir, 'berth.db.bak-v1');
    writeFileSync(earlier, 'an older backup the user keeps');

    const store = openStore(dir, { migrations: [migrations[0]!, addNotes] });
    store.close();
    assert.equal(store.migration.backup, join(dir, 'berth.db.bak-v1-2'));
    assert.equal(readFileSync(earlier, 'utf8'), 'an older backup the user keeps');
    assert.equal(userVersion(join(dir, 'berth.db.bak-v1-2')), 1);
  });

  it('rolls back a failing migration step, keeps the old version and names the backup', () => {
    const dir = tempDataDir();
    openStore(dir, { migrations: [migrations[0]!] }).close();
    const broken: Migration = {
      version: 2,
      name: 'broken step',
      up: (db) => {
        db.exec('CREATE TABLE half_done (x INTEGER)');
        db.exec('INSERT INTO no_such_table VALUES (1)');
      },
    };
    assert.throws(
      () => openStore(dir, { migrations: [migrations[0]!, broken] }),
      (e: unknown) =>
        isBerthError(e, 'BERTH_ERR_DB_MIGRATION') && /schema 2 \(broken step\)/.test(e.message) && (e.hint ?? '').includes('berth.db.bak-v1'),
    );
    const file = join(dir, 'berth.db');
    assert.equal(userVersion(file), 1);
    assert.ok(!tableNames(file).includes('half_done'));
  });
});

describe('refusing databases it must not touch', () => {
  it('refuses a file that is not SQLite and leaves it byte-identical', () => {
    const dir = tempDataDir();
    const file = join(dir, 'berth.db');
    const content = Buffer.from('{"this is": "a JSON file someone saved as berth.db"}\n');
    writeFileSync(file, content);
    assert.throws(
      () => openStore(dir),
      (e: unknown) => isBerthError(e, 'BERTH_ERR_DB_CORRUPT') && e.message.includes(file) && /move it aside/i.test(e.hint ?? ''),
    );
    assert.deepEqual(readFileSync(file), content);
  });

  it('refuses a damaged SQLite file (quick_check fails) and leaves it byte-identical', () => {
    const dir = tempDataDir();
    const store = openStore(dir);
    for (let i = 0; i < 400; i++) {
      store.events.append({ level: 'info', kind: 'child-started', child: `proxy-${i}`, message: `started worker number ${i} `.repeat(8) });
    }
    store.close();
    const file = join(dir, 'berth.db');
    const damaged = readFileSync(file);
    const pageSize = damaged.readUInt16BE(16);
    assert.ok(damaged.length > pageSize * 6, 'the test database spans several pages');
    // Overwrite pages 3..5 (b-tree pages of the tables) with garbage, keep the header page intact.
    damaged.fill(0xa5, pageSize * 2, pageSize * 5);
    writeFileSync(file, damaged);

    assert.throws(() => openStore(dir), (e: unknown) => isBerthError(e, 'BERTH_ERR_DB_CORRUPT') && e.message.includes(file));
    assert.deepEqual(readFileSync(file), damaged);
  });

  it('refuses a database written by a newer Berth and leaves it byte-identical', () => {
    const dir = tempDataDir();
    openStore(dir).close();
    const file = join(dir, 'berth.db');
    const raw = new Database(file);
    raw.pragma(`user_version = ${migrations.length + 5}`);
    raw.close();
    const before = readFileSync(file);

    assert.throws(
      () => openStore(dir),
      (e: unknown) =>
        isBerthError(e, 'BERTH_ERR_DB_TOO_NEW') &&
        e.message.includes(file) &&
        e.message.includes('newer Berth') &&
        /upgrade Berth, or use another --data-dir/.test(e.hint ?? ''),
    );
    assert.deepEqual(readFileSync(file), before);
    assert.equal(userVersion(file), migrations.length + 5);
  });
});
