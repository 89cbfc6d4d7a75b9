import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { desktopChannels } from './channels.js';
import { registerDesktopIpc } from './ipc.js';
import type { DesktopHost, InvokeEventLike, IpcMainLike } from './ipc.js';

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
    await assert.rejects(ipc.invoke(desktopChannels.pickDirectory, dashboard, { title: 'x' }), /pickDirectory takes a title/);
    assert.deepEqual(titles, ['Site root', 'cancel']);
  });

  it('removes its handlers when disposed', () => {
    dispose();
    assert.equal(ipc.handlers.size, 0);
  });
});
