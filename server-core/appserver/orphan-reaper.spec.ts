import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATA_MARK_VAR, dataMark, processStartTime, readLedger, reapRecordedGroups, writeLedger } from './orphan-reaper.js';

function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

describe('orphan reaper', () => {
  it('writes and reads the ledger; ignores junk lines', () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-ledger-'));
    try {
      const path = join(dir, 'app-groups');
      writeLedger(path, [{ pgid: 1234, start: '987' }, { pgid: 5678, start: null }]);
      assert.equal(readFileSync(path, 'utf8'), '1234 987\n5678\n');
      assert.deepEqual(readLedger(path), [{ pgid: 1234, start: '987' }, { pgid: 5678, start: null }]);
      writeFileSync(path, '12\nx\n-3\n1\n\n99 5\n7 y\n');
      assert.deepEqual(readLedger(path), [{ pgid: 12, start: null }, { pgid: 99, start: '5' }]);
      assert.deepEqual(readLedger(join(dir, 'missing')), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('kills only recorded groups holding a process with this data dir\u2019s mark (a fake /proc)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-proc-'));
    try {
      const mark = dataMark('/data/one');
      const proc = (pid: number, pgrp: number, start: number, env: string[]): void => {
        mkdirSync(join(dir, 'proc', String(pid)), { recursive: true });
        // A command name with spaces and parentheses: fields are counted after the last ')'.
        // Field 22 (start time) is the 20th after the name.
        const after = ['S', '1', String(pgrp), String(pgrp), ...Array.from({ length: 15 }, () => '0'), String(start), '0'];
        writeFileSync(join(dir, 'proc', String(pid), 'stat'), `${pid} (odd (name) x) ${after.join(' ')}`);
        writeFileSync(join(dir, 'proc', String(pid), 'environ'), `${env.join('\0')}\0`);
      };
      proc(100, 100, 5000, ['PATH=/bin', `${DATA_MARK_VAR}=${mark}`]);
      proc(101, 100, 5001, ['PATH=/bin']);
      proc(200, 200, 6000, [`${DATA_MARK_VAR}=${dataMark('/data/other')}`]);
      proc(300, 300, 7000, [`${DATA_MARK_VAR}=${mark}`]);
      // php-fpm: no mark left in its environment, but the leader is the process recorded.
      proc(500, 500, 8000, ['php-fpm: master process']);
      // A reused group id: same pgid, another start time, no mark.
      proc(600, 600, 9999, ['PATH=/bin']);
      assert.equal(processStartTime(500, join(dir, 'proc')), '8000');
      const ledger = join(dir, 'app-groups');
      writeLedger(ledger, [
        { pgid: 100, start: null },
        { pgid: 200, start: null },
        { pgid: 400, start: '1' },
        { pgid: 500, start: '8000' },
        { pgid: 600, start: '1234' },
      ]);
      const killed: number[] = [];
      assert.deepEqual(reapRecordedGroups(ledger, mark, { procDir: join(dir, 'proc'), kill: (g) => killed.push(g) }).sort(), [100, 500]);
      assert.deepEqual(killed.sort(), [100, 500], '300 is marked but never recorded; 200 is another data dir\u2019s; 600 is a reused id');
      assert.equal(existsSync(ledger), false, 'the ledger is cleared');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('SIGKILLs a real marked process group and spares an unmarked one (Linux)', { skip: process.platform !== 'linux' && 'needs /proc' }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-reap-'));
    const mark = dataMark(dir);
    const marked = spawn('sleep', ['30'], { detached: true, stdio: 'ignore', env: { ...process.env, [DATA_MARK_VAR]: mark } });
    const plain = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    const recorded = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    try {
      await Promise.all([once(marked, 'spawn'), once(plain, 'spawn'), once(recorded, 'spawn')]);
      const start = processStartTime(recorded.pid as number);
      assert.match(start ?? '', /^\d+$/);
      const ledger = join(dir, 'app-groups');
      writeLedger(ledger, [
        { pgid: marked.pid as number, start: null },
        { pgid: plain.pid as number, start: null },
        { pgid: recorded.pid as number, start },
      ]);
      // Listen before killing: both exits can arrive while the first one is awaited.
      const exits = [marked, recorded].map((c) => once(c, 'exit') as Promise<[number | null, string | null]>);
      assert.deepEqual(reapRecordedGroups(ledger, mark).sort(), [marked.pid as number, recorded.pid as number].sort());
      for (const [, signal] of await Promise.all(exits)) assert.equal(signal, 'SIGKILL');
      assert.ok(alive(plain), 'a group with neither the mark nor its recorded start time is left alone');
    } finally {
      for (const c of [marked, plain, recorded]) if (alive(c)) c.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
