import assert from 'node:assert/strict';
import { chmod, mkdtemp, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import type { Coding } from './compress.js';
import { FileCache } from './file-cache.js';

const NONE = new Map<Coding, string>();

describe('open-file cache', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-filecache-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  function clockedCache(opts: ConstructorParameters<typeof FileCache>[0] = {}) {
    const c = { t: 1_000_000 };
    return { c, cache: new FileCache({ validMs: 1000, now: () => c.t, ...opts }) };
  }

  async function load(cache: FileCache, path: string, siblings = NONE) {
    return cache.load(FileCache.key(dir, path), path, await stat(path), siblings);
  }

  it('serves a fresh entry without the disk, and re-checks it after validMs', async () => {
    const path = join(dir, 'a.txt');
    await writeFile(path, 'version 1');
    const { c, cache } = clockedCache();
    const first = await load(cache, path);
    assert.equal(first?.body.toString(), 'version 1');
    assert.equal(cache.fresh(FileCache.key(dir, path), path), first);
    c.t += 999;
    assert.equal(cache.fresh(FileCache.key(dir, path), path), first);
    c.t += 1;
    assert.equal(cache.fresh(FileCache.key(dir, path), path), undefined, 'expired: the caller re-resolves and calls load');
    // Unchanged on disk: the same bytes are kept, only the check time moves.
    assert.equal(await load(cache, path), first);
    assert.equal(cache.fresh(FileCache.key(dir, path), path), first);
  });

  for (const watchFolders of [true, false]) {
    it(`a fresh entry is not served once its file or a sibling changed, was chmod-ed or is gone (no waiting for validMs; ${watchFolders ? 'folder watch' : 'a stat per hit'})`, async () => {
      const path = join(dir, `edited-${watchFolders}.css`);
      const siblings = new Map<Coding, string>([['gzip', `${path}.gz`]]);
      await writeFile(path, 'a{}'.repeat(100));
      await writeFile(`${path}.gz`, gzipSync('a{}'.repeat(100)));
      const { cache } = clockedCache({ watchFolders });
      const key = FileCache.key(dir, path);
      // A watch notice arrives through the event loop: allow it a moment (the clock, validMs, does not move).
      const dropped = async (what: string) => {
        for (let i = 0; i < 100 && cache.fresh(key, path) !== undefined; i++) await new Promise((r) => setTimeout(r, 10));
        assert.equal(cache.fresh(key, path), undefined, what);
      };
      const first = await load(cache, path, siblings);
      assert.equal(first?.siblings.size, 1);
      assert.equal(first?.watched, watchFolders);
      assert.equal(cache.fresh(key, path), first);
      await writeFile(path, 'b{}'.repeat(100));
      await dropped('edited');
      const second = await load(cache, path, siblings);
      assert.equal(second?.body.toString(), 'b{}'.repeat(100));
      assert.equal(cache.fresh(key, path), second);
      await writeFile(`${path}.gz`, gzipSync('b{}'.repeat(100)));
      await dropped('the precompressed sibling changed');
      await load(cache, path, siblings);
      await chmod(path, 0o000);
      await dropped('permissions changed');
      await chmod(path, 0o644);
      await load(cache, path, siblings);
      assert.notEqual(cache.fresh(key, path), undefined);
      await rename(path, `${path}.old`);
      await writeFile(path, 'c{}'.repeat(100));
      await dropped('replaced by a rename, as editors save');
      assert.equal((await load(cache, path, siblings))?.body.toString(), 'c{}'.repeat(100));
      await rm(path);
      await dropped('deleted');
      cache.clear();
    });
  }

  it('reloads a file rewritten in place with the same size (mtime/ctime differ)', async () => {
    const path = join(dir, 'same-size.txt');
    await writeFile(path, 'AAAA');
    const { c, cache } = clockedCache();
    const old = await load(cache, path);
    await writeFile(path, 'BBBB');
    await utimes(path, new Date(), new Date(Date.now() + 3000));
    c.t += 1000;
    const now = await load(cache, path);
    assert.notEqual(now, old);
    assert.equal(now?.body.toString(), 'BBBB');
    assert.notEqual(now?.etag, old?.etag);
    assert.equal(old?.body.toString(), 'AAAA', 'a response in flight keeps the bytes it started with');
  });

  it('reloads after an atomic rename (new inode), as deploy tools do', async () => {
    const path = join(dir, 'deploy.js');
    await writeFile(path, 'old();');
    const { cache } = clockedCache();
    const old = await load(cache, path);
    await writeFile(join(dir, 'deploy.js.tmp'), 'new();');
    await rename(join(dir, 'deploy.js.tmp'), path);
    const now = await load(cache, path);
    assert.equal(now?.body.toString(), 'new();');
    assert.notEqual(now?.ino, old?.ino);
  });

  it('does not cache files over maxFileBytes', async () => {
    const path = join(dir, 'big.bin');
    await writeFile(path, Buffer.alloc(2048));
    const { cache } = clockedCache({ maxFileBytes: 1024 });
    assert.equal(await load(cache, path), null);
    assert.equal(cache.size, 0);
  });

  it('stays within maxEntries and maxBytes, dropping the least recently used', async () => {
    const { cache } = clockedCache({ maxEntries: 3, maxBytes: 10_000 });
    const paths: string[] = [];
    for (let i = 0; i < 5; i++) {
      const p = join(dir, `e${i}.txt`);
      await writeFile(p, `entry ${i}`.padEnd(100, '.'));
      paths.push(p);
    }
    for (const p of paths.slice(0, 3)) await load(cache, p);
    cache.fresh(FileCache.key(dir, paths[0] ?? ''), paths[0] ?? ''); // touch e0: e1 is now the oldest
    await load(cache, paths[3] ?? '');
    assert.equal(cache.size, 3);
    assert.ok(cache.fresh(FileCache.key(dir, paths[0] ?? ''), paths[0] ?? ''));
    assert.equal(cache.fresh(FileCache.key(dir, paths[1] ?? ''), paths[1] ?? ''), undefined);

    const small = clockedCache({ maxEntries: 100, maxBytes: 250 });
    for (const p of paths) await load(small.cache, p);
    assert.ok(small.cache.totalBytes <= 250);
    assert.equal(small.cache.size, 2);
  });

  it('compresses once on demand, counts the bytes, and keeps precompressed siblings in step', async () => {
    const path = join(dir, 'page.html');
    const text = '<p>hello hello hello</p>\n'.repeat(100);
    await writeFile(path, text);
    const { c, cache } = clockedCache();
    const entry = await load(cache, path);
    assert.ok(entry);
    const before = cache.totalBytes;
    const gz = await cache.encoded(entry, 'gzip');
    assert.equal(gunzipSync(gz ?? Buffer.alloc(0)).toString(), text);
    assert.equal(await cache.encoded(entry, 'gzip'), gz, 'made once');
    assert.equal(cache.totalBytes, before + (gz?.length ?? 0));

    // A .gz sibling appears: the entry reloads with it.
    const sib = `${path}.gz`;
    await writeFile(sib, gz ?? '');
    c.t += 1000;
    const withSibling = await load(cache, path, new Map([['gzip', sib]]));
    assert.notEqual(withSibling, entry);
    assert.equal(withSibling?.siblings.get('gzip')?.body.length, gz?.length);
    // The sibling changes: reload again.
    await writeFile(sib, Buffer.concat([gz ?? Buffer.alloc(0), Buffer.alloc(1)]));
    await utimes(sib, new Date(), new Date(Date.now() + 5000));
    const again = await load(cache, path, new Map([['gzip', sib]]));
    assert.notEqual(again, withSibling);
  });
});
