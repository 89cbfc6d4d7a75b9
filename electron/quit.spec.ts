import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QuitCoordinator } from './quit.js';

describe('QuitCoordinator', () => {
  it('stops once and exits 0, however many quits arrive', async () => {
    let stops = 0;
    const exits: number[] = [];
    const q = new QuitCoordinator({
      stop: async () => {
        stops++;
        await new Promise((r) => setTimeout(r, 10));
      },
      exit: (code) => exits.push(code),
      log: () => undefined,
    });
    assert.equal(q.quitting, false);
    await Promise.all([q.quit(), q.quit(), q.quit()]);
    await q.quit();
    assert.equal(q.quitting, true);
    assert.equal(stops, 1);
    assert.deepEqual(exits, [0]);
  });

  it('exits 1 and says why when stopping fails', async () => {
    const exits: number[] = [];
    const lines: string[] = [];
    const q = new QuitCoordinator({
      stop: () => Promise.reject(new Error('child proxy-1 did not stop')),
      exit: (code) => exits.push(code),
      log: (l) => lines.push(l),
    });
    await q.quit();
    assert.deepEqual(exits, [1]);
    assert.deepEqual(lines, ['stopping failed: child proxy-1 did not stop']);
  });

  it('exits after the timeout when stop hangs', async () => {
    const exits: number[] = [];
    const lines: string[] = [];
    const q = new QuitCoordinator({
      stop: () => new Promise<void>(() => undefined),
      exit: (code) => exits.push(code),
      log: (l) => lines.push(l),
      timeoutMs: 30,
    });
    await q.quit();
    assert.deepEqual(exits, [1]);
    assert.match(lines[0] ?? '', /longer than 0.03 s/);
  });
});
