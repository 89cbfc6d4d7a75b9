// Per-process RSS and CPU. Linux: /proc/<pid>/stat (utime, stime, starttime, rss — proc(5)).
// Elsewhere: `ps -o pid=,ppid=,rss=,time=` once per sample.
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

export interface ProcSample {
  pid: number;
  ppid: number;
  /** Total CPU time used so far, milliseconds. */
  cpuMs: number;
  rssBytes: number;
  /** Process start, ms since the epoch (Linux only; null elsewhere). */
  startedAt: number | null;
}

/** USER_HZ: 100 on every Linux Berth supports (sysconf(_SC_CLK_TCK)). */
const CLOCK_TICKS = 100;
const PAGE_SIZE = 4096;

let bootTimeMs: number | null = null;
function bootTime(): number {
  if (bootTimeMs === null) {
    const m = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
    bootTimeMs = m ? Number(m[1]) * 1000 : 0;
  }
  return bootTimeMs;
}

function readLinux(pid: number): ProcSample | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) may contain spaces and parentheses: parse after the last ')'.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // f[0] is field 3 (state); field n is f[n - 3].
  if (f[0] === 'Z') return null;
  const ticks = Number(f[11]) + Number(f[12]);
  return {
    pid,
    ppid: Number(f[1]),
    cpuMs: (ticks * 1000) / CLOCK_TICKS,
    rssBytes: Number(f[21]) * PAGE_SIZE,
    startedAt: bootTime() + (Number(f[19]) * 1000) / CLOCK_TICKS,
  };
}

/** Samples `pids` and every descendant of them. */
export async function sampleProcessTree(pids: readonly number[]): Promise<Map<number, ProcSample>> {
  const out = new Map<number, ProcSample>();
  if (pids.length === 0) return out;
  if (process.platform === 'linux') {
    const all: ProcSample[] = [];
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      const s = readLinux(Number(name));
      if (s) all.push(s);
    }
    collectTree(all, pids, out);
    return out;
  }
  const all = await psAll();
  collectTree(all, pids, out);
  return out;
}

function collectTree(all: ProcSample[], roots: readonly number[], out: Map<number, ProcSample>): void {
  const byParent = new Map<number, ProcSample[]>();
  for (const s of all) {
    const list = byParent.get(s.ppid) ?? [];
    list.push(s);
    byParent.set(s.ppid, list);
  }
  const byPid = new Map(all.map((s) => [s.pid, s]));
  const stack = [...roots];
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    const s = byPid.get(pid);
    if (!s || out.has(pid)) continue;
    out.set(pid, s);
    for (const c of byParent.get(pid) ?? []) stack.push(c.pid);
  }
}

function psAll(): Promise<ProcSample[]> {
  return new Promise((resolve) => {
    execFile('ps', ['-A', '-o', 'pid=,ppid=,rss=,time='], (err, stdout) => {
      if (err) return resolve([]);
      const rows: ProcSample[] = [];
      for (const line of stdout.split('\n')) {
        const m = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)/.exec(line);
        if (!m) continue;
        const cpuS = Number(m[4] ?? 0) * 86400 + Number(m[5] ?? 0) * 3600 + Number(m[6]) * 60 + Number(m[7]);
        rows.push({ pid: Number(m[1]), ppid: Number(m[2]), rssBytes: Number(m[3]) * 1024, cpuMs: cpuS * 1000, startedAt: null });
      }
      resolve(rows);
    });
  });
}

/** CPU percent (of one core) between two samples of the same process. */
export function cpuPercent(prev: { cpuMs: number; at: number } | undefined, cur: { cpuMs: number; at: number }): number | null {
  if (!prev || cur.at <= prev.at) return null;
  return Math.max(0, Math.round(((cur.cpuMs - prev.cpuMs) / (cur.at - prev.at)) * 1000) / 10);
}
