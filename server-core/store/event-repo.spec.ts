import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openStore, type Store } from './database.js';
import { DEFAULT_EVENT_RETENTION } from './event-repo.js';

const dirs: string[] = [];
const stores: Store[] = [];
function open(options: Parameters<typeof openStore>[1] = {}): Store {
  const dir = mkdtempSync(join(tmpdir(), 'berth-events-'));
  dirs.push(dir);
  const store = openStore(dir, options);
  stores.push(store);
  return store;
}
after(() => {
  for (const s of stores) s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('EventRepo', () => {
  it('append returns the stored event with its id and time', () => {
    const store = open({ now: () => new Date('2026-03-04T05:06:07.000Z') });
    const e = store.events.append({ level: 'warn', kind: 'child-exited', child: 'proxy-1', message: 'exited with code 1' });
    assert.deepEqual(e, { id: 1, at: '2026-03-04T05:06:07.000Z', level: 'warn', kind: 'child-exited', child: 'proxy-1', message: 'exited with code 1' });
    const explicit = store.events.append({ at: '2026-01-01T00:00:00.000Z', level: 'info', kind: 'stack-started', child: null, message: 'up' });
    assert.equal(explicit.id, 2);
    assert.deepEqual(store.events.recent(10), [e, explicit]);
  });

  it('recent returns the newest events, oldest first', () => {
    const store = open();
    for (let i = 1; i <= 6; i++) store.events.append({ level: 'info', kind: 'child-started', child: `proxy-${i}`, message: `start ${i}` });
    assert.deepEqual(
      store.events.recent(3).map((e) => e.message),
      ['start 4', 'start 5', 'start 6'],
    );
    assert.deepEqual(store.events.recent(0), []);
  });

  it('keeps only the newest events beyond the retention', () => {
    const store = open({ eventRetention: 5 });
    for (let i = 1; i <= 12; i++) store.events.append({ level: 'error', kind: 'child-failed', child: 'appserver', message: `failure ${i}` });
    assert.deepEqual(
      store.events.recent(100).map((e) => e.id),
      [8, 9, 10, 11, 12],
    );
    assert.equal((store.db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n, 5);
  });

  it('keeps 10,000 events by default', () => {
    const store = open();
    const extra = 7;
    const appendAll = store.db.transaction(() => {
      for (let i = 1; i <= DEFAULT_EVENT_RETENTION + extra; i++) {
        store.events.append({ level: 'info', kind: 'config-applied', child: null, message: `config ${i}` });
      }
    });
    appendAll();
    assert.equal(DEFAULT_EVENT_RETENTION, 10_000);
    assert.equal((store.db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n, 10_000);
    const all = store.events.recent(20_000);
    assert.equal(all[0]?.id, extra + 1);
    assert.equal(all.at(-1)?.id, DEFAULT_EVENT_RETENTION + extra);
  });

  it('rejects a retention that is not a positive integer', () => {
    assert.throws(() => open({ eventRetention: 0 }), RangeError);
  });
});
