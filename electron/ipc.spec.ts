import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { desktopChannels } from './channels.js';
import { registerDesktopIpc } from './ipc.js';
import type { DesktopHost, InvokeEventLike, IpcMainLike } from './ipc.js';
import type { DesktopFileFilter } from '../server-core/contract/desktop.js';

type Handler = (event: InvokeEventLike, ...args: unknown[]) => unknown;

/** Records handlers the way Electron's ipcMain keeps them: one per channel. */
class RecordingIpc implements IpcMainLike {
  readonly handlers = new Map<string, Handler>();
  handle(channel: string, listener: Handler): void {
    assert.ok(!this.handlers.has(channel), `second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  async invoke(channel: string, frameUrl: string | null, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    assert.ok(handler, `no handler for ${channel}`);
    return handler({ senderFrame: frameUrl === null ? null : { url: frameUrl } }, ...args);
  }
}

const adminOrigin = 'http://127.0.0.1:7700';
const dashboard = `${adminOrigin}/sites`;

describe('desktop IPC', () => {
  let root: string;
  let dataDir: string;
  let outside: string;
  const opened: string[] = [];
  const revealed: string[] = [];
  const titles: string[] = [];
  const filePicks: Array<{ title: string; filters: DesktopFileFilter[] }> = [];
  const loginStates: boolean[] = [];
  const trustStores: string[] = [];
  let atLogin = false;
  const host: DesktopHost = {
    openExternal: async (url) => {
      opened.push(url);
    },
    showItemInFolder: (path) => {
      revealed.push(path);
    },
    pickDirectory: async (title) => {
      titles.push(title);
      return title === 'cancel' ? null : '/chosen/folder';
    },
    pickFile: async (title, filters) => {
      filePicks.push({ title, filters });
      return '/etc/nginx/nginx.conf';
    },
    getLaunchAtLogin: async () => atLogin,
    setLaunchAtLogin: async (enabled) => {
      loginStates.push(enabled);
      atLogin = enabled;
      return atLogin;
    },
    installTrust: async (store) => {
      trustStores.push(store);
      return { store, commands: [['update-ca-certificates']], outcome: 'installed', output: '' };
    },
  };
  const ipc = new RecordingIpc();
  let dispose: () => void;

  before(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'berth-ipc-')));
    dataDir = join(root, 'data');
    outside = join(root, 'outside');
    mkdirSync(join(dataDir, 'logs'), { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(dataDir, 'logs', 'access.log'), 'line\n');
    writeFileSync(join(outside, 'secret.txt'), 'x');
    symlinkSync(outside, join(dataDir, 'link-out'));
    dispose = registerDesktopIpc(ipc, host, { adminOrigin, dataDir });
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('handles exactly the bridge channels', () => {
    assert.deepEqual([...ipc.handlers.keys()].sort(), Object.values(desktopChannels).sort());
  });

  it('refuses callers outside the dashboard origin', async () => {
    for (const frame of ['http://127.0.0.1:7701/', 'https://example.com/', 'file:///tmp/x.html', null]) {
      await assert.rejects(ipc.invoke(desktopChannels.openExternal, frame, 'https://example.com/'), /only from the Berth dashboard/);
    }
    assert.deepEqual(opened, []);
  });

  it('opens only http(s) URLs in the browser', async () => {
    await ipc.invoke(desktopChannels.openExternal, dashboard, 'https://example.com/a b');
    assert.deepEqual(opened, ['https://example.com/a%20b']);
    for (const bad of ['file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', '', 42, 'x'.repeat(9000)]) {
      await assert.rejects(ipc.invoke(desktopChannels.openExternal, dashboard, bad), /openExternal/);
    }
    assert.equal(opened.length, 1);
  });

  it('reveals only paths inside the data dir', async () => {
    await ipc.invoke(desktopChannels.revealPath, dashboard, join(dataDir, 'logs', 'access.log'));
    await ipc.invoke(desktopChannels.revealPath, dashboard, dataDir);
    assert.deepEqual(revealed, [join(dataDir, 'logs', 'access.log'), dataDir]);
    await assert.rejects(ipc.invoke(desktopChannels.revealPath, dashboard, join(outside, 'secret.txt')), /inside the Berth data folder/);
    await assert.rejects(ipc.invoke(desktopChannels.revealPath, dashboard, join(dataDir, '..', 'outside', 'secret.txt')), /inside the Berth data folder/);
    await assert.rejects(ipc.invoke(desktopChannels.revealPath, dashboard, join(dataDir, 'link-out', 'secret.txt')), /inside the Berth data folder/);
    await assert.rejects(ipc.invoke(desktopChannels.revealPath, dashboard, 'logs/access.log'), /absolute path/);
    await assert.rejects(ipc.invoke(desktopChannels.revealPath, dashboard, join(dataDir, 'missing.txt')), /no such file/);
    assert.equal(revealed.length, 2);
  });

  it('passes a checked title to the folder picker and returns its answer', async () => {
    assert.equal(await ipc.invoke(desktopChannels.pickDirectory, dashboard, 'Site root'), '/chosen/folder');
    assert.equal(await ipc.invoke(desktopChannels.pickDirectory, dashboard, 'cancel'), null);
    await assert.rejects(ipc.invoke(desktopChannels.pickDirectory, dashboard, { title: 'x' }), /pickDirectory and pickFile take a title/);
    assert.deepEqual(titles, ['Site root', 'cancel']);
  });

  it('passes checked filters to the file picker', async () => {
    const filters = [
      { name: 'nginx config', extensions: ['conf'] },
      { name: 'All files', extensions: ['*'] },
    ];
    assert.equal(await ipc.invoke(desktopChannels.pickFile, dashboard, 'Import nginx config', filters), '/etc/nginx/nginx.conf');
    assert.deepEqual(filePicks, [{ title: 'Import nginx config', filters }]);
    const bad: unknown[] = [
      'conf',
      [{ name: 'x', extensions: ['.conf'] }],
      [{ name: 'x', extensions: ['c/onf'] }],
      [{ name: 'x', extensions: [] }],
      [{ name: '', extensions: ['conf'] }],
      [{ name: 'x', extensions: ['conf'], properties: ['openDirectory'] }],
      [null],
      Array.from({ length: 9 }, () => ({ name: 'x', extensions: ['conf'] })),
    ];
    for (const filter of bad) {
      await assert.rejects(ipc.invoke(desktopChannels.pickFile, dashboard, 'x', filter), /pickFile takes up to 8 filters/);
    }
    await assert.rejects(ipc.invoke(desktopChannels.pickFile, dashboard, 7, filters), /take a title string/);
    assert.equal(filePicks.length, 1);
  });

  it('reads and sets launch-at-login with booleans only', async () => {
    assert.equal(await ipc.invoke(desktopChannels.getLaunchAtLogin, dashboard), false);
    assert.equal(await ipc.invoke(desktopChannels.setLaunchAtLogin, dashboard, true), true);
    assert.equal(await ipc.invoke(desktopChannels.getLaunchAtLogin, dashboard), true);
    for (const bad of ['true', 1, null, undefined]) {
      await assert.rejects(ipc.invoke(desktopChannels.setLaunchAtLogin, dashboard, bad), /setLaunchAtLogin takes true or false/);
    }
    await assert.rejects(ipc.invoke(desktopChannels.setLaunchAtLogin, 'https://evil.example/', false), /only from the Berth dashboard/);
    assert.deepEqual(loginStates, [true]);
  });

  it('takes a trust store id, never a command', async () => {
    const result = await ipc.invoke(desktopChannels.installTrust, dashboard, 'system');
    assert.deepEqual(result, { store: 'system', commands: [['update-ca-certificates']], outcome: 'installed', output: '' });
    for (const bad of [['sh', '-c', 'rm -rf /'], 'system; rm -rf /', '../system', 'System', '', 'x'.repeat(40)]) {
      await assert.rejects(ipc.invoke(desktopChannels.installTrust, dashboard, bad), /installTrust takes a trust store id/);
    }
    assert.deepEqual(trustStores, ['system']);
  });

  it('removes its handlers when disposed', () => {
    dispose();
    assert.equal(ipc.handlers.size, 0);
  });
});
