import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { GroupWatchdog } from './group-watchdog.js';
import { parseUwsgiStats } from './uwsgi-stats.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A killed grandchild stays a zombie until init reaps it, which some inits do only every few
  // seconds (or never, in a container without one): kill(pid, 0) still succeeds for a zombie.
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0] !== 'Z';
  } catch {
    return true; // no /proc (macOS): kill(pid, 0) is all we have
  }
}

async function until(what: string, check: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('group watchdog', { skip: process.platform === 'win32' ? 'process groups are POSIX' : false }, () => {
  test('kills the listed process groups (leader and its children) when its pipe closes', async () => {
    // A group leader with a forked child, like a uWSGI master and its worker.
    const leader = spawn('/bin/sh', ['-c', 'sleep 60 & echo $!; wait'], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    const childPid = await new Promise<number>((resolve) => leader.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
    const removed = spawn('/bin/sh', ['-c', 'sleep 60'], { detached: true, stdio: 'ignore' });
    const exits = [leader, removed].map((c) => new Promise((r) => c.once('exit', r)));
    const dog = new GroupWatchdog();
    assert.ok(leader.pid && removed.pid);
    dog.add(leader.pid);
    dog.add(removed.pid);
    dog.remove(removed.pid);
    const dogPid = dog.pid;
    assert.ok(dogPid);
    // Simulates the app server dying: the pipe closes without a word.
    (dog as unknown as { child: { stdin: { destroy(): void } } }).child.stdin.destroy();
    await until('the leader and its child killed', () => !alive(childPid) && leader.exitCode === null && leader.signalCode === 'SIGKILL');
    assert.ok(alive(removed.pid), 'a removed group is left alone');
    removed.kill('SIGKILL');
    await Promise.all(exits);
    await until('the watchdog exits', () => !alive(dogPid));
  });

  test('a killed watchdog is replaced and still knows the groups', async () => {
    const app = spawn('/bin/sh', ['-c', 'sleep 60'], { detached: true, stdio: 'ignore' });
    const exited = new Promise((r) => app.once('exit', r));
    const dog = new GroupWatchdog();
    assert.ok(app.pid);
    dog.add(app.pid);
    const first = dog.pid;
    assert.ok(first);
    process.kill(first, 'SIGKILL');
    await until('a new watchdog', () => dog.pid !== null && dog.pid !== first);
    assert.ok(alive(app.pid), 'the app survives the watchdog change');
    (dog as unknown as { child: { stdin: { destroy(): void } } }).child.stdin.destroy();
    await exited;
    assert.equal(app.signalCode, 'SIGKILL');
  });
});

describe('uWSGI stats', () => {
  test('worker pids and request counts from the stats document', () => {
    const doc = JSON.stringify({ version: '2.0.21', workers: [{ id: 1, pid: 101, requests: 7, status: 'idle' }, { id: 2, pid: 102, requests: 0 }, { id: 3, pid: 0, requests: 0 }] });
    assert.deepEqual([...(parseUwsgiStats(doc) ?? [])], [[101, 7], [102, 0]]);
    assert.equal(parseUwsgiStats('not json'), null);
    assert.equal(parseUwsgiStats('{"workers": 3}'), null);
  });
});
