// The dashboard's only door to native powers: `window.berthDesktop` (server-core/contract/desktop.ts).
// CommonJS because sandboxed preloads cannot be ES modules, and self-contained because they can
// require only Electron's own modules: the channel names below repeat electron/channels.ts
// (test/electron/bridge-channels.test.ts keeps them equal). Main validates every argument again.
// CommonJS import form (verbatimModuleSyntax forbids ESM `import` syntax in a .cts file).
// eslint-disable-next-line @typescript-eslint/no-require-imports
import electron = require('electron');
import type { DesktopBridge } from '../server-core/contract/desktop.js';

const channels = {
  openExternal: 'berth:desktop:open-external',
  revealPath: 'berth:desktop:reveal-path',
  pickDirectory: 'berth:desktop:pick-directory',
} as const;

const bridge: DesktopBridge = {
  isDesktop: true,
  platform: process.platform,
  openExternal: (url) => electron.ipcRenderer.invoke(channels.openExternal, String(url)) as Promise<void>,
  revealPath: (path) => electron.ipcRenderer.invoke(channels.revealPath, String(path)) as Promise<void>,
  pickDirectory: (title) => electron.ipcRenderer.invoke(channels.pickDirectory, String(title)) as Promise<string | null>,
};

electron.contextBridge.exposeInMainWorld('berthDesktop', bridge);
