// The fallback behind the group watchdog (group-watchdog.ts): the watchdog cannot act when it dies
// together with the app server (kill -9 -1, the OOM killer taking both). So the watchdog's list of
// app process groups is also kept in a ledger file, and the next app server of the same data dir
// reaps what the ledger names before it starts any app.
// A recorded process group id may have been reused since (after a reboot, or once every member
// died), so a group is killed only when it is provably the one recorded: its leader has the start
// time the ledger holds, or one of its processes carries this data dir's mark in its environment
// (BERTH_DATA_MARK, set by appEnv for every app process). Linux reads both from /proc; where there
// is no /proc (macOS) nothing can be verified, so nothing is killed and the ledger is just cleared.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The variable every app process gets, naming the data dir it belongs to (a hash, not the path). */
export const DATA_MARK_VAR = 'BERTH_DATA_MARK';

export function dataMark(dataDir: string): string {
  return createHash('sha256').update(dataDir).digest('hex').slice(0, 16);
}

/** `<dataDir>/run/app-groups`: one line per process group, `pgid [leader start time]`. */
export function ledgerPathFor(dataDir: string): string {
  return join(dataDir, 'run', 'app-groups');
}

/** A recorded group: its id and, on Linux, its leader's start time (clock ticks after boot). */
export interface LedgerEntry {
  pgid: number;
  start: string | null;
}

/** Rewrites the ledger atomically (a crash mid-write leaves the previous list, never half of one). */
export function writeLedger(path: string, entries: Iterable<LedgerEntry>): void {
  const tmp = `${path}.${process.pid}.tmp`;
  let text = '';
  for (const e of entries) text += e.start === null ? `${e.pgid}\n` : `${e.pgid} ${e.start}\n`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, path);
}

export function readLedger(path: string): LedgerEntry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  const out: LedgerEntry[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d+)(?: (\d+))?$/.exec(line);
    if (m && Number(m[1]) > 1) out.push({ pgid: Number(m[1]), start: m[2] ?? null });
  }
  return out;
}

/** Fields of /proc/PID/stat after the command name (which may hold spaces and parentheses): state ppid pgrp … */
function statFields(procDir: string, pid: number | string): string[] {
  const stat = readFileSync(join(procDir, String(pid), 'stat'), 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** A process's start time (field 22 of /proc/PID/stat), or null (not Linux, or gone). */
export function processStartTime(pid: number, procDir = '/proc'): string | null {
  if (process.platform !== 'linux' && procDir === '/proc') return null;
  try {
    return statFields(procDir, pid)[19] ?? null;
  } catch {
    return null;
  }
}

export interface ReapDeps {
  procDir: string;
  kill(pgid: number): void;
}

const LINUX: ReapDeps = {
  procDir: '/proc',
  kill: (pgid) => process.kill(-pgid, 'SIGKILL'),
};

/**
 * Kills the process groups the ledger names that are still ours, then clears the ledger. A group
 * is ours when its leader is the very process recorded (same start time), or when one of its
 * processes carries `mark` (the leader is gone; php-fpm overwrites its environment with its
 * process title, so the start time is what recognises it). Returns the groups killed.
 */
export function reapRecordedGroups(ledgerPath: string, mark: string, deps: ReapDeps | null = process.platform === 'linux' ? LINUX : null): number[] {
  const recorded = new Map(readLedger(ledgerPath).map((e) => [e.pgid, e.start]));
  rmSync(ledgerPath, { force: true });
  if (recorded.size === 0 || deps === null) return [];
  const needle = `${DATA_MARK_VAR}=${mark}`;
  const ours = new Set<number>();
  for (const [pgid, start] of recorded) {
    if (start === null) continue;
    try {
      const f = statFields(deps.procDir, pgid);
      if (Number(f[2]) === pgid && f[19] === start) ours.add(pgid);
    } catch {
      // the leader is gone: its members may still carry the mark
    }
  }
  let names: string[];
  try {
    names = readdirSync(deps.procDir);
  } catch {
    names = [];
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const pgrp = Number(statFields(deps.procDir, name)[2]);
      if (!recorded.has(pgrp) || ours.has(pgrp)) continue;
      const environ = readFileSync(join(deps.procDir, name, 'environ'), 'latin1');
      if (environ.split('\0').includes(needle)) ours.add(pgrp);
    } catch {
      // gone meanwhile, or another user's process
    }
  }
  const killed: number[] = [];
  for (const pgid of ours) {
    try {
      deps.kill(pgid);
      killed.push(pgid);
    } catch {
      // already gone
    }
  }
  return killed;
}
