import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { electronNativeBinding, openSqlite } from './sqlite.js';

const root = mkdtempSync(join(tmpdir(), 'berth-sqlite-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('electronNativeBinding', () => {
  const built = join(root, 'native', 'electron-140', 'better_sqlite3.node');
  mkdirSync(join(root, 'native', 'electron-140'), { recursive: true });
  writeFileSync(built, 'an Electron build sits here');

  it('is undefined under plain Node, even when an Electron build exists', () => {
    assert.equal(electronNativeBinding({ node: '20.19.0', modules: '140' }, root), undefined);
  });

  it('is the Electron build for the running ABI when it exists', () => {
    assert.equal(electronNativeBinding({ node: '22.20.0', electron: '38.0.0', modules: '140' }, root), built);
  });

  it('falls back to the default binding when no build exists for this ABI (the packaged app)', () => {
    assert.equal(electronNativeBinding({ node: '22.20.0', electron: '39.0.0', modules: '141' }, root), undefined);
  });

  it('is undefined in this test process (Node)', () => {
    assert.equal(electronNativeBinding(), undefined);
  });
});

describe('openSqlite', () => {
  it('opens a database with the default binding under Node', () => {
    const db = openSqlite(join(root, 'plain.db'));
    try {
      db.exec('CREATE TABLE t (x INTEGER)');
      db.prepare('INSERT INTO t VALUES (?)').run(41);
      assert.deepEqual(db.prepare('SELECT x + 1 AS y FROM t').get(), { y: 42 });
    } finally {
      db.close();
    }
  });
});
