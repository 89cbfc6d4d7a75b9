// Who holds a TCP port? Linux only, best effort: find the socket inodes listening on the port in
// /proc/net/tcp and /proc/net/tcp6 (state 0A = TCP_LISTEN), then look for a process with an fd
// linking to `socket:[inode]`. Processes of other users are usually unreadable: then the pid is
// unknown. Bounded in processes, fds and time; never throws.
import { readFile, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';

export interface PortOwner {
  pid: number;
  /** /proc/PID/comm, when readable. */
  command: string | null;
}

export interface PortOwnerOptions {
  procRoot?: string;
  maxProcesses?: number;
  maxFds?: number;
  timeoutMs?: number;
}

const TCP_LISTEN = '0A';

/** Socket inodes listening on `port` in one /proc/net/tcp{,6} table. */
export function listeningInodes(table: string, port: number): string[] {
  const inodes: string[] = [];
  for (const line of table.split('\n').slice(1)) {
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode …
    const f = line.trim().split(/\s+/);
    const local = f[1];
    const state = f[3];
    const inode = f[9];
    if (!local || state !== TCP_LISTEN || !inode || inode === '0') continue;
    const hexPort = local.slice(local.lastIndexOf(':') + 1);
    if (parseInt(hexPort, 16) === port) inodes.push(inode);
  }
  return inodes;
}

export async function findPortOwner(port: number, options: PortOwnerOptions = {}): Promise<PortOwner | null> {
  // 3 s: only a bind that already failed waits for this, and one readlink per fd of every process
  // can take over a second on a loaded machine; a message naming the holder is worth the wait.
  const { procRoot = '/proc', maxProcesses = 4096, maxFds = 200_000, timeoutMs = 3000 } = options;
  if (process.platform !== 'linux' && options.procRoot === undefined) return null;
  try {
    const inodes = new Set<string>();
    for (const table of ['tcp', 'tcp6']) {
      const text = await readFile(join(procRoot, 'net', table), 'utf8').catch(() => '');
      for (const inode of listeningInodes(text, port)) inodes.add(inode);
    }
    if (inodes.size === 0) return null;
    const targets = new Set([...inodes].map((i) => `socket:[${i}]`));
    const deadline = Date.now() + timeoutMs;
    const pids = (await readdir(procRoot)).filter((n) => /^\d+$/.test(n)).slice(0, maxProcesses);
    let fdsSeen = 0;
    for (const pid of pids) {
      if (Date.now() > deadline || fdsSeen > maxFds) return null;
      const fdDir = join(procRoot, pid, 'fd');
      const fds = await readdir(fdDir).catch(() => [] as string[]);
      fdsSeen += fds.length;
      for (const fd of fds) {
        const link = await readlink(join(fdDir, fd)).catch(() => '');
        if (targets.has(link)) {
          const comm = await readFile(join(procRoot, pid, 'comm'), 'utf8').catch(() => null);
          return { pid: Number(pid), command: comm === null ? null : comm.trim() };
        }
      }
    }
    return null;
  } catch {
    return null;
  }
}
