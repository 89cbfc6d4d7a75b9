// `DATA_DIR/admin.json` tells other tools (the CLI's `status`, tests, scripts) where the running
// admin API is and its token. It holds a secret, so it is written 0600 and atomically.
import { chmodSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { BerthError } from '../errors.js';

export interface AdminJson {
  url: string;
  token: string;
  pid: number;
}

export function readAdminJson(path: string): AdminJson | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  try {
    const v = JSON.parse(text) as Partial<AdminJson>;
    if (typeof v.url === 'string' && typeof v.token === 'string' && typeof v.pid === 'number') return { url: v.url, token: v.token, pid: v.pid };
  } catch {
    // fall through: a torn or hand-edited file is treated as absent
  }
  return null;
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Refuses to start a second Berth on the same data dir (both would write the same database and ports). */
export function claimDataDir(adminJsonPath: string): void {
  const existing = readAdminJson(adminJsonPath);
  if (existing && existing.pid !== process.pid && isProcessAlive(existing.pid)) {
    throw new BerthError('BERTH_ERR_ALREADY_RUNNING', `Berth is already running for this data dir (pid ${existing.pid}, ${existing.url})`, {
      hint: 'use that instance (`berth status`), stop it first, or pass another --data-dir',
    });
  }
}

export function writeAdminJson(path: string, value: AdminJson): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600); // the umask cannot widen it, but an existing tmp file could have other bits
  renameSync(tmp, path);
}

/** Removes admin.json if it still describes this process (another instance may own it by now). */
export function removeAdminJson(path: string, pid: number): void {
  const current = readAdminJson(path);
  if (current && current.pid === pid) {
    try {
      unlinkSync(path);
    } catch {
      // already gone
    }
  }
}
