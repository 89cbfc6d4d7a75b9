// No orphans when the app server dies abruptly. Node cannot set prctl(PR_SET_PDEATHSIG) for its
// children, and uWSGI, gunicorn and php-fpm do not notice their parent going away. So each app
// server holds a pipe to a tiny `/bin/sh` watchdog in its own session (setsid: a SIGKILL of the
// stack's process group does not reach it) and tells it the process group of every app process it
// spawns (`+pgid`) and reaps (`-pgid`). When the pipe closes — the app server exited, however it
// died — the watchdog SIGKILLs every group still listed, then exits. A normal stop removes every
// group first, so the watchdog has nothing left to kill.
// Limits: POSIX only (process groups, /bin/sh). A watchdog killed together with the app server
// (kill -9 -1, the OOM killer picking both) cannot act: for that the groups are also written to a
// ledger file that the next app server reaps from (orphan-reaper.ts). A watchdog that dies alone is
// respawned with the current groups. Linux does not reuse a pid while it names a live process group, so a
// listed group is never someone else's.
import { spawn, type ChildProcess } from 'node:child_process';
import { processStartTime, writeLedger } from './orphan-reaper.js';

/** Reads `+N` / `-N` lines; on EOF kills the listed groups. Ignores the terminal's signals. */
export const WATCHDOG_SCRIPT = [
  "trap '' INT TERM HUP QUIT",
  "pgs=' '",
  'while IFS= read -r line; do',
  '  pg=${line#?}',
  '  case $pg in ""|*[!0-9]*) continue ;; esac',
  '  case $line in',
  '    +*) pgs="$pgs$pg " ;;',
  '    -*) case $pgs in *" $pg "*) pgs="${pgs%% $pg *} ${pgs#* $pg }" ;; esac ;;',
  '  esac',
  'done',
  'for pg in $pgs; do kill -s KILL -- "-$pg" 2>/dev/null; done',
  'exit 0',
].join('\n');

export class GroupWatchdog {
  private child: ChildProcess | null = null;
  private readonly groups = new Set<number>();
  /** Each group leader's start time, for the ledger (read when the group is added). */
  private readonly starts = new Map<number, string | null>();
  private closed = false;
  private ledger: string | null = null;

  constructor(private readonly shell = '/bin/sh') {}

  /** The watchdog's pid (tests), or null before the first group. */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  /** Keeps the list in `path` too (orphan-reaper.ts), from now on. */
  useLedger(path: string): void {
    this.ledger = path;
    this.saveLedger();
  }

  add(pgid: number): void {
    if (this.closed || process.platform === 'win32') return;
    this.groups.add(pgid);
    if (this.ledger !== null) this.starts.set(pgid, processStartTime(pgid));
    this.saveLedger();
    if (this.child) this.send(`+${pgid}\n`);
    else this.ensure();
  }

  remove(pgid: number): void {
    if (!this.groups.delete(pgid)) return;
    this.starts.delete(pgid);
    this.saveLedger();
    this.send(`-${pgid}\n`);
  }

  private saveLedger(): void {
    if (this.ledger === null) return;
    try {
      writeLedger(this.ledger, [...this.groups].map((pgid) => ({ pgid, start: this.starts.get(pgid) ?? null })));
    } catch {
      // A full or read-only disk must not stop apps: the watchdog itself still works.
    }
  }

  /** Normal exit: nothing is listed any more; closing the pipe lets the watchdog exit. */
  close(): void {
    this.closed = true;
    this.child?.stdin?.end();
    this.child = null;
  }

  private send(line: string): void {
    const stdin = this.child?.stdin;
    // A pipe write of a few bytes is atomic and lands in the kernel buffer at once.
    if (stdin && !stdin.destroyed) stdin.write(line);
  }

  private ensure(): ChildProcess | null {
    if (this.child) return this.child;
    if (this.closed) return null;
    const child = spawn(this.shell, ['-c', WATCHDOG_SCRIPT], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
    this.child = child;
    child.stdin?.on('error', () => undefined);
    child.on('error', () => undefined);
    child.once('exit', () => {
      if (this.child !== child) return;
      // Killed by someone: a new one takes over the groups still listed.
      this.child = null;
      if (!this.closed && this.groups.size > 0) this.ensure();
    });
    // Neither the process nor its pipe keeps the app server's event loop alive.
    child.unref();
    (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    if (this.groups.size > 0) child.stdin?.write([...this.groups].map((g) => `+${g}\n`).join(''));
    return child;
  }
}
