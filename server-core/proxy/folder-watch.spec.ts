import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FolderWatch } from './folder-watch.js';

describe('folder watch', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-folderwatch-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('one watch per folder; a change notice names the keys holding that file only; the last file out unwatches', async () => {
    const changed: string[] = [];
    const w = new FolderWatch((key) => changed.push(key));
    const [a, b] = [join(dir, 'a.txt'), join(dir, 'b.txt')];
    await writeFile(a, '1');
    await writeFile(b, '1');
    assert.ok(w.add('A', [a]));
    assert.ok(w.add('B', [b]));
    assert.equal(w.folderCount, 1);
    await writeFile(a, '2');
    for (let i = 0; i < 100 && !changed.includes('A'); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(changed.includes('A'));
    assert.ok(!changed.includes('B'), 'b.txt did not change');
    w.remove('A', [a]);
    w.remove('B', [b]);
    assert.equal(w.folderCount, 0);
    w.close();
  });

  it('past its folder cap (or for a folder that cannot be watched) it says no, and holds nothing for the key', async () => {
    const w = new FolderWatch(() => undefined, 1);
    assert.ok(w.add('A', [join(dir, 'a.txt')]));
    assert.equal(w.add('B', [join(dir, 'a.txt'), join(dir, 'sub', 'c.txt')]), false);
    assert.equal(w.folderCount, 1);
    w.remove('A', [join(dir, 'a.txt')]);
    assert.equal(w.folderCount, 0, 'B left nothing behind');
    assert.equal(w.add('C', [join(dir, 'no-such-folder', 'x.txt')]), false);
    w.close();
  });
});
