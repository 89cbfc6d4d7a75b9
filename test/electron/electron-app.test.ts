// The desktop app end to end, through Playwright's Electron driver: the window opens on the
// dashboard, the page has no Node, navigation and new windows stay locked, and quitting leaves no
// child process behind (and saves the window's place). Runs where Electron's binary is installed (and better-sqlite3 is built
// for it: `npm run rebuild:electron`); elsewhere it is skipped with the reason.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { _electron } from 'playwright-core';
import type { ElectronApplication, Page } from 'playwright-core';
import type { StatusResponse } from '../../server-core/contract/api.js';
// Brings the `window.berthDesktop` declaration into scope.
import type {} from '../../server-core/contract/desktop.js';
import { isAlive } from '../helpers/berth-process.js';
import { repoRoot } from './builder-tools.js';

interface StartScript {
  electronBinary(root: string): { ok: true; path: string } | { ok: false; reason: string };
  electronSqlitePath(root: string): string;
}
const start = (await import(pathToFileURL(join(repoRoot, 'scripts', 'start.mjs')).href)) as StartScript;

function unavailable(): string | null {
  const binary = start.electronBinary(repoRoot);
  if (!binary.ok) return `Electron binary not installed (${binary.reason}; \`npm start\` or \`node node_modules/electron/install.js\` fetches it where github.com is reachable)`;
  if (!existsSync(start.electronSqlitePath(repoRoot))) return 'better-sqlite3 is not built for Electron (run `npm run rebuild:electron`)';
  return null;
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('Electron app', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-electron-'));
  let app: ElectronApplication | null = null;
  after(async () => {
    if (app) await app.close().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('opens the dashboard in a locked-down window and quits without orphans', { timeout: 120_000 }, async (t) => {
    const reason = unavailable();
    if (reason) {
      t.skip(reason);
      return;
    }
    const binary = start.electronBinary(repoRoot) as { ok: true; path: string };
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'ELECTRON_RUN_AS_NODE') env[k] = v;
    app = await _electron.launch({
      executablePath: binary.path,
      args: [repoRoot, '--data-dir', dataDir, '--admin-port', '0', '--http-port', '0', '--https-port', '0'],
      cwd: repoRoot,
      env,
      timeout: 60_000,
    });
    const page: Page = await app.firstWindow();
    await page.waitForLoadState('domcontentloaded');

    // The window shows the dashboard from the admin server.
    const admin = JSON.parse(readFileSync(join(dataDir, 'admin.json'), 'utf8')) as { url: string; token: string; pid: number };
    const adminOrigin = new URL(admin.url).origin;
    assert.equal(new URL(page.url()).origin, adminOrigin);
    assert.equal(admin.pid, app.process().pid, 'the stack runs inside the Electron main process');

    // No Node in the page; only the bridge.
    assert.deepEqual(
      await page.evaluate(() => [typeof (globalThis as { require?: unknown }).require, typeof (globalThis as { process?: unknown }).process, typeof (globalThis as { module?: unknown }).module]),
      ['undefined', 'undefined', 'undefined'],
    );
    assert.deepEqual(await page.evaluate(() => [window.berthDesktop?.isDesktop, typeof window.berthDesktop?.openExternal]), [true, 'function']);

    // Links leave through shell.openExternal, recorded here instead of starting a browser.
    await app.evaluate(({ shell }) => {
      const opened: string[] = [];
      (globalThis as { berthOpened?: string[] }).berthOpened = opened;
      shell.openExternal = async (url: string) => {
        opened.push(url);
      };
    });
    const opened = (): Promise<string[]> => app!.evaluate(() => (globalThis as { berthOpened?: string[] }).berthOpened ?? []);

    // Off-origin navigation is blocked; a web URL goes to the browser instead, file: nowhere.
    const before = page.url();
    await page.evaluate(() => {
      window.location.href = 'file:///etc/hostname';
    });
    await page.evaluate(() => {
      window.location.href = 'https://example.com/docs';
    });
    // Main decides asynchronously (will-navigate, then shell.openExternal): wait for the outcome,
    // not a fixed time. The file: navigation came first, so it has been decided by then too.
    await waitFor('the web URL handed to the browser', async () => (await opened()).length >= 1);
    assert.equal(page.url(), before);
    assert.deepEqual(await opened(), ['https://example.com/docs']);

    // window.open never creates a second window.
    assert.equal(await page.evaluate(() => window.open('https://example.com/new') === null), true);
    assert.equal(await page.evaluate(() => window.open('/') === null), true);
    await waitFor('the second web URL handed to the browser', async () => (await opened()).length >= 2);
    assert.equal(app.windows().length, 1);
    assert.deepEqual(await opened(), ['https://example.com/docs', 'https://example.com/new']);

    // The bridge refuses what main must not do.
    await assert.rejects(page.evaluate(() => window.berthDesktop!.openExternal('file:///etc/passwd')), /openExternal opens only http and https URLs/);
    await assert.rejects(page.evaluate(() => window.berthDesktop!.revealPath('/etc/passwd')), /inside the Berth data folder/);

    // Quit: every child process is gone with the app.
    const res = await fetch(`${admin.url}/api/v1/status`, { headers: { authorization: `Bearer ${admin.token}` } });
    assert.equal(res.status, 200);
    const status = (await res.json()) as StatusResponse;
    const pids = status.children.map((c) => c.pid).filter((p): p is number => typeof p === 'number');
    assert.ok(pids.length >= 3, `expected the proxy, app server and cert service to run: ${JSON.stringify(status.children)}`);
    const mainPid = app.process().pid!;
    const closed = new Promise<void>((r) => app!.once('close', () => r()));
    await app.evaluate(({ app: electronApp }) => electronApp.quit());
    await closed;
    app = null;
    await waitFor('the main process to exit', () => !isAlive(mainPid));
    await waitFor('every child to exit', () => pids.every((p) => !isAlive(p)));

    // The window's place was saved on the way out, for the next launch.
    const saved = JSON.parse(readFileSync(join(dataDir, 'window-state.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(Object.keys(saved).sort(), ['height', 'maximized', 'width', 'x', 'y']);
  });
});
