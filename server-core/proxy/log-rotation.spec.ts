import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ErrorLog } from './error-log.js';
import { LogFiles } from './log-files.js';
import { LogTail } from './log-tail.js';
import type { LogLinesBatch } from '../contract/metrics.js';

async function readRotated(path: string, keep: number): Promise<string[]> {
  const lines: string[] = [];
  for (let i = keep; i >= 1; i--) {
    const text = await readFile(`${path}.${i}`, 'utf8').catch(() => '');
    lines.push(...text.split('\n').filter((l) => l !== ''));
  }
  lines.push(...(await readFile(path, 'utf8')).split('\n').filter((l) => l !== ''));
  return lines;
}

describe('log rotation', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-logrot-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('loses no line and keeps order across rotations during a burst', async () => {
    const errors: string[] = [];
    const files = new LogFiles((m) => errors.push(m));
    files.setRotation({ maxBytes: 4096, keep: 100 });
    const path = join(dir, 'burst', 'site.access.log');
    const f = files.file(path);
    const total = 5000;
    const flushes: Promise<void>[] = [];
    // A bounded burst: lines keep arriving while earlier flushes rotate and write.
    for (let i = 1; i <= total; i++) {
      f.append(`line ${String(i).padStart(5, '0')} ${'x'.repeat(i % 40)}`);
      if (i % 97 === 0) flushes.push(f.flush());
    }
    await Promise.all(flushes);
    await files.close();
    assert.deepEqual(errors, []);
    const lines = await readRotated(path, 100);
    assert.equal(lines.length, total);
    lines.forEach((l, k) => assert.ok(l.startsWith(`line ${String(k + 1).padStart(5, '0')} `), `line ${k + 1}: ${l}`));
    const names = await readdir(join(dir, 'burst'));
    assert.ok(names.length > 10, `rotated into ${names.length} files`);
    for (const name of names) {
      const size = (await stat(join(dir, 'burst', name))).size;
      // One flush batch may start a file that is over the limit only if the batch alone is.
      assert.ok(size <= 4096 + 97 * 60, `${name} is ${size} bytes`);
    }
  });

  it('keeps only N rotated files, newest first, and never rotates with maxBytes 0', async () => {
    const files = new LogFiles(() => undefined);
    files.setRotation({ maxBytes: 1000, keep: 3 });
    const path = join(dir, 'keep', 'error.log');
    const f = files.file(path);
    for (let i = 1; i <= 200; i++) {
      f.append(`entry ${String(i).padStart(3, '0')} ${'y'.repeat(80)}`);
      if (i % 5 === 0) await f.flush();
    }
    await files.close();
    const names = (await readdir(join(dir, 'keep'))).sort();
    assert.deepEqual(names, ['error.log', 'error.log.1', 'error.log.2', 'error.log.3']);
    const lines = await readRotated(path, 3);
    // What is kept is the newest part of the stream, contiguous and in order.
    const numbers = lines.map((l) => Number(l.slice(6, 9)));
    assert.equal(numbers.at(-1), 200);
    numbers.forEach((n, k) => k > 0 && assert.equal(n, (numbers[k - 1] ?? 0) + 1));

    const never = new LogFiles(() => undefined);
    never.setRotation({ maxBytes: 0, keep: 3 });
    const p2 = join(dir, 'never', 'x.log');
    for (let i = 0; i < 50; i++) {
      never.file(p2).append('z'.repeat(100));
      await never.file(p2).flush();
    }
    assert.deepEqual(await readdir(join(dir, 'never')), ['x.log']);
  });

  it('writes error.log lines at or above the configured level only', async () => {
    const files = new LogFiles(() => undefined);
    const log = new ErrorLog(files, join(dir, 'levels'));
    log.write('info', 'i1');
    log.write('warn', 'w1');
    log.write('error', 'e1');
    log.setLevel('warn');
    log.write('info', 'i2');
    log.write('notice', 'n2');
    log.write('warn', 'w2');
    log.setLevel('info');
    log.write('info', 'i3');
    assert.equal(log.enabled('notice'), true);
    await files.close();
    const text = await readFile(join(dir, 'levels', 'error.log'), 'utf8');
    const messages = text.trim().split('\n').map((l) => l.replace(/^.*#0: /, ''));
    assert.deepEqual(messages, ['e1', 'w2', 'i3']);
    assert.match(text, /\[warn\] \d+#0: w2/);
  });
});

describe('live tail of log lines', () => {
  it('flushes at most once per interval, bounded per flush, grouped by source, telling how many it drops', async () => {
    const batches: LogLinesBatch[] = [];
    const flushTimes: number[] = [];
    const tail = new LogTail(
      (b) => {
        batches.push(b);
        if (flushTimes.at(-1) !== Date.now()) flushTimes.push(Date.now());
      },
      { intervalMs: 100, maxBatch: 10, maxQueued: 25 },
    );
    const files = new LogFiles(() => undefined);
    files.onLine(tail.push);
    for (let i = 0; i < 40; i++) files.file('/nowhere/shop.access.log').append(`req ${i}`);
    files.file('/nowhere/error.log').append('boom');
    // Until the 25 queued lines went out (3 flushes), bounded; a fixed wait can be too short under load.
    for (const end = Date.now() + 10_000; batches.flatMap((b) => b.lines).length < 25 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 20));
    // …and one more interval, in which nothing else may be published.
    await new Promise((r) => setTimeout(r, 150));
    tail.stop();
    const lines = batches.flatMap((b) => b.lines);
    assert.ok(batches.every((b) => b.lines.length <= 10));
    // 25 queued, the other 16 (error.log's line among them) counted as dropped.
    assert.equal(lines.length, 25);
    assert.equal(tail.dropped, 16);
    // The drops are told, once, with the first batch after them: the client knows lines are missing.
    assert.deepEqual(batches[0], { source: 'access:shop', lines: Array.from({ length: 10 }, (_, i) => `req ${i}`), skipped: 16 });
    assert.deepEqual(batches.slice(1).map((b) => b.skipped), batches.slice(1).map(() => undefined));
    assert.deepEqual(lines, Array.from({ length: 25 }, (_, i) => `req ${i}`));
    // The timer runs on the event loop's clock, which can lag Date.now() by however long the process
    // was descheduled before the previous flush: a gap of 60 ms still tells a 100 ms pacing from none.
    for (let k = 1; k < flushTimes.length; k++) assert.ok((flushTimes[k] ?? 0) - (flushTimes[k - 1] ?? 0) >= 60, `at most one flush per interval: ${flushTimes.join(', ')}`);
    tail.push('/nowhere/error.log', 'after stop');
    assert.equal(batches.flatMap((b) => b.lines).includes('after stop'), false);
    // No flush: these paths are never written (no timer was started).
  });
});
