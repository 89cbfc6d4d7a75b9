// Starts the real `berth serve` (compiled CLI) on free loopback ports with a temp data dir.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StatusResponse } from '../../server-core/contract/api.js';

export const repoRoot = new URL('../../..', import.meta.url).pathname.replace(/\/$/, '');
export const berthBin = join(repoRoot, 'bin', 'berth.js');

export interface BerthProcess {
  dataDir: string;
  adminUrl: string;
  adminPort: number;
  dashboardUrl: string;
  token: string;
  pid: number;
  proc: ChildProcess;
  /** Everything the process printed so far. */
  output(): string;
  /** Authenticated GET of an admin API path, parsed as JSON. */
  api<T = unknown>(path: string, init?: RequestInit): Promise<{ status: number; body: T }>;
  status(): Promise<StatusResponse>;
  /** Sends the signal and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Removes the temp data dir (after stop). */
  cleanup(): void;
}

export function makeTempDir(prefix = 'berth-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Runs the CLI to completion (for commands that exit by themselves). */
export function runBerth(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 30_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [berthBin, ...args], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`berth ${args.join(' ')} did not exit within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    // 'close', not 'exit': only then has all of the output been read (tests match on it).
    proc.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export async function startBerth(opts: { args?: string[]; dataDir?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<BerthProcess> {
  const dataDir = opts.dataDir ?? makeTempDir();
  const args = [berthBin, 'serve', '--no-open', '--admin-port', '0', '--http-port', '0', '--https-port', '0', '--data-dir', dataDir, ...(opts.args ?? [])];
  const proc = spawn(process.execPath, args, { cwd: repoRoot, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  // 'close', not 'exit': only then is all it printed in output() ("Berth stopped." is its last line).
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once('close', (code, signal) => resolve({ code, signal })));
  let gone = false;
  void exited.then(() => (gone = true));

  const adminJson = join(dataDir, 'admin.json');
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  let admin: { url: string; token: string; pid: number } | null = null;
  while (!admin) {
    if (gone) throw new Error(`berth serve exited before it was ready:\n${out}`);
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`berth serve was not ready in time:\n${out}`);
    }
    if (existsSync(adminJson)) {
      try {
        admin = JSON.parse(readFileSync(adminJson, 'utf8')) as { url: string; token: string; pid: number };
      } catch {
        admin = null; // being written
      }
    }
    if (!admin) await new Promise((r) => setTimeout(r, 50));
  }
  const { url, token, pid } = admin;
  const api = async <T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${url}${path}`, { ...init, headers: { Authorization: `Bearer ${token}`, ...(init.headers as Record<string, string> | undefined) } });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
  };
  return {
    dataDir,
    adminUrl: url,
    adminPort: Number(new URL(url).port),
    dashboardUrl: `${url}/?token=${token}`,
    token,
    pid,
    proc,
    output: () => out,
    api,
    status: async () => (await api<StatusResponse>('/api/v1/status')).body,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (!gone) proc.kill(signal);
      const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
    cleanup: () => {
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it returns a value (not undefined) or the time is up. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** True while the process exists and is not a zombie (an exited child nobody reaped yet). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return process.platform !== 'linux';
  }
}
