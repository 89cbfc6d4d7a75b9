// The dashboard's desktop section against main's real bridge handlers, without the Electron binary:
// a real `berth serve`, the built dashboard in Chromium, and `window.berthDesktop` wired (through
// Playwright's exposeFunction, standing in for ipcRenderer.invoke) to registerDesktopIpc and the
// real launch-at-login module writing an XDG autostart entry in a temp folder. Proves the page and
// main agree on channels and argument shapes, and that main's checks run on what the page sends.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { desktopChannels } from '../../electron/channels.js';
import { registerDesktopIpc } from '../../electron/ipc.js';
import type { InvokeEventLike } from '../../electron/ipc.js';
import { autostartFileName, createLaunchAtLogin } from '../../electron/login-item.js';
import { startBerth, waitFor } from '../helpers/berth-process.js';
import type { BerthProcess } from '../helpers/berth-process.js';
import { chromiumSkipReason, openBrowserSession, type BrowserSession } from '../helpers/browser.js';

const skipReason = chromiumSkipReason('the desktop bridge test');

describe('Settings → desktop section over the bridge', { skip: skipReason, timeout: 120_000 }, () => {
  let berth: BerthProcess | undefined;
  let session: BrowserSession | undefined;
  let page: Page;
  const autostart = mkdtempSync(join(tmpdir(), 'berth-autostart-'));
  const calls: string[] = [];

  before(async () => {
    berth = await startBerth();
    const handlers = new Map<string, (event: InvokeEventLike, ...args: unknown[]) => unknown>();
    const unused = async (): Promise<never> => {
      throw new Error('not part of this test');
    };
    const login = createLaunchAtLogin('linux', { executable: '/opt/Berth/berth', args: [] }, { getLoginItemSettings: () => ({ openAtLogin: false }), setLoginItemSettings: () => undefined }, autostart);
    registerDesktopIpc(
      { handle: (channel, listener) => handlers.set(channel, listener), removeHandler: (channel) => handlers.delete(channel) },
      {
        openExternal: unused,
        showItemInFolder: () => undefined,
        pickDirectory: unused,
        pickFile: unused,
        getLaunchAtLogin: () => login.get(),
        setLaunchAtLogin: (enabled) => login.set(enabled),
        installTrust: unused,
      },
      { adminOrigin: new URL(berth.adminUrl).origin, dataDir: berth.dataDir },
    );

    session = await openBrowserSession();
    const { context } = session;
    page = session.page;
    // What ipcRenderer.invoke does: hand the call to main with the calling frame's URL.
    await page.exposeFunction('berthTestInvoke', async (channel: string, args: unknown[]) => {
      calls.push(channel);
      const handler = handlers.get(channel);
      if (!handler) throw new Error(`no handler for ${channel}`);
      return handler({ senderFrame: { url: page.url() } }, ...args);
    });
    // The preload's bridge shape, calling through the exposed function.
    await context.addInitScript((channels: Record<string, string>) => {
      const invoke = (channel: string, ...args: unknown[]) => (window as unknown as { berthTestInvoke(c: string, a: unknown[]): Promise<unknown> }).berthTestInvoke(channel, args);
      (window as unknown as { berthDesktop: unknown }).berthDesktop = {
        isDesktop: true,
        platform: 'linux',
        openExternal: (url: string) => invoke(channels.openExternal!, url),
        revealPath: (path: string) => invoke(channels.revealPath!, path),
        pickDirectory: (title: string) => invoke(channels.pickDirectory!, title),
        pickFile: (title: string, filters: unknown) => invoke(channels.pickFile!, title, filters),
        getLaunchAtLogin: () => invoke(channels.getLaunchAtLogin!),
        setLaunchAtLogin: (enabled: boolean) => invoke(channels.setLaunchAtLogin!, enabled === true),
        installTrust: (store: string) => invoke(channels.installTrust!, store),
      };
    }, desktopChannels);
  });

  after(async () => {
    await session?.close();
    if (berth) {
      await berth.stop();
      berth.cleanup();
    }
    rmSync(autostart, { recursive: true, force: true });
  });

  it('reads, turns on and turns off start-at-login from the Settings page', async () => {
    assert.ok(berth);
    await page.goto(berth.dashboardUrl);
    await page.getByTestId('nav-settings').click();
    const box = page.getByTestId('launch-at-login');
    await page.getByTestId('settings-desktop').waitFor();
    await page.waitForFunction(() => !(document.querySelector('[data-testid="launch-at-login"]') as HTMLInputElement | null)?.disabled);
    assert.equal(await box.isChecked(), false);

    await box.check();
    const file = join(autostart, autostartFileName);
    await page.waitForFunction(() => (document.querySelector('[data-testid="launch-at-login"]') as HTMLInputElement).checked);
    // The box turns at the click; the bridge call that writes the file completes after it.
    await waitFor('the autostart entry written', () => (existsSync(file) ? true : undefined), 10_000, 25);
    assert.match(readFileSync(file, 'utf8'), /^Exec="\/opt\/Berth\/berth"$/m);

    await box.uncheck();
    await page.waitForFunction(() => !(document.querySelector('[data-testid="launch-at-login"]') as HTMLInputElement).checked);
    await waitFor('the autostart entry removed', () => (existsSync(file) ? undefined : true), 10_000, 25);
    await waitFor('both set calls made', () => (calls.length >= 3 ? true : undefined), 10_000, 25);
    assert.deepEqual(calls, [desktopChannels.getLaunchAtLogin, desktopChannels.setLaunchAtLogin, desktopChannels.setLaunchAtLogin]);
    assert.equal(await page.getByTestId('launch-at-login-error').count(), 0);
  });
});
