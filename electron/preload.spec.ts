// Runs the built preload (dist/electron/preload.cjs) the way a sandboxed renderer does: a CommonJS
// wrapper whose `require` knows only 'electron'. Proves it exposes the DesktopBridge and that it
// invokes exactly the channels main handles (the two lists are kept separately by necessity).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';
import type { DesktopBridge } from '../server-core/contract/desktop.js';
import { desktopChannels } from './channels.js';
import { registerDesktopIpc } from './ipc.js';

const preloadFile = fileURLToPath(new URL('./preload.cjs', import.meta.url));

function loadPreload() {
  const exposed = new Map<string, unknown>();
  const invoked: Array<{ channel: string; args: unknown[] }> = [];
  const electron = {
    contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) },
    ipcRenderer: {
      invoke: async (channel: string, ...args: unknown[]) => {
        invoked.push({ channel, args });
        if (channel === desktopChannels.pickDirectory || channel === desktopChannels.pickFile) return '/picked';
        return channel === desktopChannels.setLaunchAtLogin ? args[0] : undefined;
      },
    },
  };
  const requested: string[] = [];
  const sandboxRequire = (id: string): unknown => {
    requested.push(id);
    if (id !== 'electron') throw new Error(`module not found: ${id} (sandboxed preloads can require only electron)`);
    return electron;
  };
  const module = { exports: {} };
  const wrapper = runInNewContext(`(function (exports, require, module, process) {${readFileSync(preloadFile, 'utf8')}\n})`, {}, { filename: preloadFile }) as (
    exports: unknown,
    require: (id: string) => unknown,
    module: unknown,
    process: { platform: string },
  ) => void;
  wrapper(module.exports, sandboxRequire, module, { platform: 'linux' });
  return { exposed, invoked, requested };
}

describe('preload', () => {
  it('requires nothing but electron and exposes only window.berthDesktop', () => {
    const { exposed, requested } = loadPreload();
    assert.deepEqual(requested, ['electron']);
    assert.deepEqual([...exposed.keys()], ['berthDesktop']);
    const bridge = exposed.get('berthDesktop') as DesktopBridge;
    assert.equal(bridge.isDesktop, true);
    assert.equal(bridge.platform, 'linux');
    assert.deepEqual(Object.keys(bridge).sort(), [
      'getLaunchAtLogin',
      'installTrust',
      'isDesktop',
      'openExternal',
      'pickDirectory',
      'pickFile',
      'platform',
      'revealPath',
      'setLaunchAtLogin',
    ]);
  });

  it('invokes exactly the channels main handles, one per call, with string arguments', async () => {
    const { exposed, invoked } = loadPreload();
    const bridge = exposed.get('berthDesktop') as DesktopBridge;
    await bridge.openExternal('https://example.com/');
    await bridge.revealPath('/data/logs');
    assert.equal(await bridge.pickDirectory('Pick'), '/picked');
    const filters = [{ name: 'nginx', extensions: ['conf'] }];
    assert.equal(await bridge.pickFile('Import', filters), '/picked');
    await bridge.getLaunchAtLogin();
    // A non-boolean from a confused page arrives as false, never as a truthy string.
    assert.equal(await bridge.setLaunchAtLogin('yes' as unknown as boolean), false);
    await bridge.installTrust('system');
    assert.deepEqual(invoked, [
      { channel: desktopChannels.openExternal, args: ['https://example.com/'] },
      { channel: desktopChannels.revealPath, args: ['/data/logs'] },
      { channel: desktopChannels.pickDirectory, args: ['Pick'] },
      { channel: desktopChannels.pickFile, args: ['Import', filters] },
      { channel: desktopChannels.getLaunchAtLogin, args: [] },
      { channel: desktopChannels.setLaunchAtLogin, args: [false] },
      { channel: desktopChannels.installTrust, args: ['system'] },
    ]);

    const handled: string[] = [];
    registerDesktopIpc(
      { handle: (channel) => handled.push(channel), removeHandler: () => undefined },
      {
        openExternal: async () => undefined,
        showItemInFolder: () => undefined,
        pickDirectory: async () => null,
        pickFile: async () => null,
        getLaunchAtLogin: async () => false,
        setLaunchAtLogin: async (enabled) => enabled,
        installTrust: async (store) => ({ store, commands: [], outcome: 'failed', output: '' }),
      },
      { adminOrigin: 'http://127.0.0.1:7700', dataDir: '/data' },
    );
    assert.deepEqual(invoked.map((i) => i.channel).sort(), handled.sort());
  });
});
