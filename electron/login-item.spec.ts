import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { autostartDir, autostartEntry, autostartFileName, createLaunchAtLogin, desktopExecArg, launchTarget } from './login-item.js';
import type { LoginItemApi } from './login-item.js';

/** Electron's login-item store as Windows keeps it: one entry per path + args. */
class RecordingLoginItems implements LoginItemApi {
  readonly entries = new Map<string, boolean>();
  readonly calls: unknown[] = [];
  getLoginItemSettings(options?: { path?: string; args?: string[] }) {
    return { openAtLogin: this.entries.get(JSON.stringify(options ?? {})) ?? false };
  }
  setLoginItemSettings(settings: { openAtLogin: boolean; path?: string; args?: string[] }): void {
    this.calls.push(settings);
    const { openAtLogin, ...key } = settings;
    this.entries.set(JSON.stringify(key), openAtLogin);
  }
}

describe('launch at login', () => {
  const root = mkdtempSync(join(tmpdir(), 'berth-login-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('starts the installed app, the AppImage file, or electron with the checkout', () => {
    assert.deepEqual(launchTarget({ execPath: 'C:\\Users\\u\\AppData\\Local\\Programs\\Berth\\Berth.exe', appPath: 'x', defaultApp: false }), {
      executable: 'C:\\Users\\u\\AppData\\Local\\Programs\\Berth\\Berth.exe',
      args: [],
    });
    assert.deepEqual(launchTarget({ execPath: '/tmp/.mount_BerthX/berth', appPath: '/tmp/.mount_BerthX/resources/app.asar', defaultApp: false, appImage: '/home/u/Apps/Berth.AppImage' }), {
      executable: '/home/u/Apps/Berth.AppImage',
      args: [],
    });
    assert.deepEqual(launchTarget({ execPath: '/repo/node_modules/electron/dist/electron', appPath: '/repo', defaultApp: true, customDataDir: '/tmp/b' }), {
      executable: '/repo/node_modules/electron/dist/electron',
      args: ['/repo', '--data-dir', '/tmp/b'],
    });
  });

  it('uses Electron login items with the same path and args on Windows and macOS', async () => {
    const api = new RecordingLoginItems();
    const target = { executable: 'C:\\Berth\\Berth.exe', args: ['--data-dir', 'D:\\berth'] };
    const login = createLaunchAtLogin('win32', target, api, join(root, 'unused'));
    assert.equal(await login.get(), false);
    assert.equal(await login.set(true), true);
    assert.equal(await login.get(), true);
    assert.equal(await login.set(false), false);
    assert.deepEqual(api.calls, [
      { openAtLogin: true, path: 'C:\\Berth\\Berth.exe', args: ['--data-dir', 'D:\\berth'] },
      { openAtLogin: false, path: 'C:\\Berth\\Berth.exe', args: ['--data-dir', 'D:\\berth'] },
    ]);
    assert.equal(existsSync(join(root, 'unused')), false);
  });

  it('quotes Exec arguments per the Desktop Entry spec', () => {
    assert.equal(desktopExecArg('/opt/Berth/berth'), '"/opt/Berth/berth"');
    assert.equal(desktopExecArg('/home/u/My Apps/Berth'), '"/home/u/My Apps/Berth"');
    // `$` → `\$` inside quotes → `\\$` after the string escape.
    assert.equal(desktopExecArg('/tmp/$HOME"x`'), '"/tmp/\\\\$HOME\\\\"x\\\\`"');
    assert.equal(desktopExecArg('C:\\x'), '"C:\\\\\\\\x"');
    assert.equal(desktopExecArg('100%'), '"100%%"');
    assert.throws(() => autostartEntry({ executable: '/a\nExec=evil', args: [] }), /line break/);
  });

  it('writes, reads and removes an XDG autostart entry on Linux', async () => {
    const api = new RecordingLoginItems();
    const dir = autostartDir({ XDG_CONFIG_HOME: join(root, 'config') }, '/home/nobody');
    assert.equal(dir, join(root, 'config', 'autostart'));
    assert.equal(autostartDir({ XDG_CONFIG_HOME: 'relative' }, '/home/u'), '/home/u/.config/autostart');
    const login = createLaunchAtLogin('linux', { executable: '/home/u/Apps/Berth.AppImage', args: [] }, api, dir);
    assert.equal(await login.get(), false);
    assert.equal(await login.set(true), true);
    const file = join(dir, autostartFileName);
    const text = readFileSync(file, 'utf8');
    assert.match(text, /^\[Desktop Entry\]\nType=Application\nName=Berth\n/);
    assert.match(text, /^Exec="\/home\/u\/Apps\/Berth.AppImage"$/m);
    // A user who switched it off in their desktop's startup settings.
    writeFileSync(file, `${text}Hidden=true\n`);
    assert.equal(await login.get(), false);
    assert.equal(await login.set(false), false);
    assert.equal(existsSync(file), false);
    assert.equal(await login.set(false), false);
    assert.deepEqual(api.calls, []);
  });
});
