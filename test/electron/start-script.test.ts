// scripts/start.mjs (`npm start`): which way it starts, and that the headless fallback really runs
// `berth serve`, forwards SIGINT and exits with its code.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './builder-tools.js';

type Result = { ok: true } | { ok: false; reason: string };
type Launch = { mode: 'headless'; reason: string } | { mode: 'electron'; binary: string };
interface StartScript {
  electronBinary(root: string): { ok: true; path: string } | { ok: false; reason: string };
  firstErrorLine(output: string): string;
  electronSqlitePath(root: string, abi?: string): string;
  chooseLaunch(env: Record<string, string | undefined>, root: string, steps: { fetchElectron(root: string): Promise<Result>; rebuildNative(root: string): Result }): Promise<Launch>;
}

const startScript = join(repoRoot, 'scripts', 'start.mjs');
const start = (await import(pathToFileURL(startScript).href)) as StartScript;

const temps: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

/** A checkout layout with the electron package as npm leaves it, binary optional. */
function fakeCheckout(opts: { binary: boolean; native: boolean }): string {
  const root = tempDir('berth-start-');
  const pkg = join(root, 'node_modules', 'electron');
  mkdirSync(join(pkg, 'dist'), { recursive: true });
  writeFileSync(join(pkg, 'package.json'), '{"name":"electron","version":"45.4.1"}');
  writeFileSync(join(pkg, 'abi_version'), '150');
  if (opts.binary) {
    writeFileSync(join(pkg, 'path.txt'), 'electron');
    writeFileSync(join(pkg, 'dist', 'electron'), '#!/bin/sh\n');
    chmodSync(join(pkg, 'dist', 'electron'), 0o755);
  }
  if (opts.native) {
    mkdirSync(join(root, 'native', 'electron-150'), { recursive: true });
    writeFileSync(join(root, 'native', 'electron-150', 'better_sqlite3.node'), '');
  }
  return root;
}

const noNetwork = { fetchElectron: async (_root: string): Promise<Result> => ({ ok: false, reason: 'download failed: getaddrinfo ENOTFOUND github.com' }) };

after(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

describe('start.mjs: choosing how to start', () => {
  it('runs headless on request, without touching Electron', async () => {
    const launch = await start.chooseLaunch({ BERTH_HEADLESS: '1' }, fakeCheckout({ binary: true, native: true }), {
      fetchElectron: () => assert.fail('must not download'),
      rebuildNative: () => assert.fail('must not rebuild'),
    });
    assert.deepEqual(launch, { mode: 'headless', reason: 'BERTH_HEADLESS=1' });
  });

  it('tries the download once and says why it runs headless', async () => {
    const root = fakeCheckout({ binary: false, native: false });
    assert.deepEqual(start.electronBinary(root), { ok: false, reason: 'node_modules/electron/path.txt missing: the binary was never downloaded' });
    let downloads = 0;
    const launch = await start.chooseLaunch({}, root, {
      fetchElectron: async (r) => {
        downloads++;
        return noNetwork.fetchElectron(r);
      },
      rebuildNative: () => assert.fail('must not rebuild'),
    });
    assert.equal(downloads, 1);
    assert.deepEqual(launch, { mode: 'headless', reason: 'Electron binary not available (download failed: getaddrinfo ENOTFOUND github.com)' });
  });

  it('builds better-sqlite3 for Electron when missing, and falls back when that fails', async () => {
    const root = fakeCheckout({ binary: true, native: false });
    assert.equal(start.electronSqlitePath(root), join(root, 'native', 'electron-150', 'better_sqlite3.node'));
    let rebuilds = 0;
    const launch = await start.chooseLaunch({}, root, {
      ...noNetwork,
      rebuildNative: () => {
        rebuilds++;
        return { ok: false, reason: 'scripts/rebuild-native-for-electron.mjs failed, see above' };
      },
    });
    assert.equal(rebuilds, 1);
    assert.equal(launch.mode, 'headless');
    assert.match((launch as { reason: string }).reason, /^better-sqlite3 is not built for Electron/);
  });

  it('starts Electron when the binary and the native module are there', async () => {
    const root = fakeCheckout({ binary: true, native: true });
    const launch = await start.chooseLaunch({}, root, { ...noNetwork, rebuildNative: () => assert.fail('must not rebuild') });
    assert.deepEqual(launch, { mode: 'electron', binary: join(root, 'node_modules', 'electron', 'dist', 'electron') });
  });

  it("picks the line that names the failure from a download's output", () => {
    const undiciStack = 'TypeError: fetch failed\n    at node:internal/deps/undici/undici:14976:13\n    at async FetchDownloader.download';
    assert.equal(start.firstErrorLine(undiciStack), 'fetch failed');
    assert.equal(start.firstErrorLine('Downloading...\nRequestError: getaddrinfo ENOTFOUND github.com\n    at x'), 'getaddrinfo ENOTFOUND github.com');
    assert.equal(start.firstErrorLine('HTTPError: Response code 404 (Not Found) for https://x'), 'Response code 404 (Not Found) for https://x');
    assert.equal(start.firstErrorLine(''), 'no output');
  });
});

describe('start.mjs: headless run', () => {
  it('prints one line why, runs berth serve, forwards SIGINT and exits with its code', { timeout: 60_000 }, async () => {
    const dataDir = tempDir('berth-start-data-');
    const proc = spawn(process.execPath, [startScript, '--no-open', '--admin-port', '0', '--http-port', '0', '--https-port', '0', '--data-dir', dataDir], {
      cwd: repoRoot,
      env: { ...process.env, BERTH_HEADLESS: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => proc.once('exit', (code, signal) => resolve([code, signal])));
    try {
      const adminJson = join(dataDir, 'admin.json');
      const deadline = Date.now() + 30_000;
      while (!existsSync(adminJson)) {
        assert.ok(Date.now() < deadline, `berth serve was not ready in 30 s:\n${out}`);
        assert.equal(proc.exitCode, null, `start.mjs exited early:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, 100)); // admin.json is written in one go, but give the writer its tick
      const servePid = (JSON.parse(readFileSync(adminJson, 'utf8')) as { pid: number }).pid;
      assert.notEqual(servePid, proc.pid, 'berth serve runs as a child of start.mjs');
      assert.equal(out.split('\n')[0], 'BERTH_HEADLESS=1; running headless: berth serve');

      proc.kill('SIGINT');
      const [code, signal] = await exited;
      assert.deepEqual([code, signal], [0, null], out);
      assert.throws(() => process.kill(servePid, 0), { code: 'ESRCH' }, 'berth serve still runs after start.mjs exited');
    } finally {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    }
  });
});
