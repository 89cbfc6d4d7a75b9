// The dashboard's only door to native powers: `window.berthDesktop` (server-core/contract/desktop.ts).
// CommonJS because sandboxed preloads cannot be ES modules, and self-contained because they can
// require only Electron's own modules: the channel names below repeat electron/channels.ts
// (electron/preload.spec.ts keeps them equal). Main validates every argument again.
// CommonJS import form (verbatimModuleSyntax forbids ESM `import` syntax in a .cts file).
// eslint-disable-next-line @typescript-eslint/no-require-imports
import electron = require('electron');
import type { DesktopBridge, DesktopTrustResult } from '../server-core/contract/desktop.js';

const channels = {
  openExternal: 'berth:desktop:open-external',
  revealPath: 'berth:desktop:reveal-path',
  pickDirectory: 'berth:desktop:pick-directory',
  pickFile: 'berth:desktop:pick-file',
  getLaunchAtLogin: 'berth:desktop:get-launch-at-login',
  setLaunchAtLogin: 'berth:desktop:set-launch-at-login',
  installTrust: 'berth:desktop:install-trust',
} as const;

const bridge: DesktopBridge = {
  isDesktop: true,
  platform: process.platform,
  openExternal: (url) => electron.ipcRenderer.invoke(channels.openExternal, String(url)) as Promise<void>,
  revealPath: (path) => electron.ipcRenderer.invoke(channels.revealPath, String(path)) as Promise<void>,
  pickDirectory: (title) => electron.ipcRenderer.invoke(channels.pickDirectory, String(title)) as Promise<string | null>,
  // Filters go as given: structured clone copies plain data only, and main checks their shape.
  pickFile: (title, filters) => electron.ipcRenderer.invoke(channels.pickFile, String(title), filters) as Promise<string | null>,
  getLaunchAtLogin: () => electron.ipcRenderer.invoke(channels.getLaunchAtLogin) as Promise<boolean>,
  setLaunchAtLogin: (enabled) => electron.ipcRenderer.invoke(channels.setLaunchAtLogin, enabled === true) as Promise<boolean>,
  installTrust: (store) => electron.ipcRenderer.invoke(channels.installTrust, String(store)) as Promise<DesktopTrustResult>,
};

electron.contextBridge.exposeInMainWorld('berthDesktop', bridge);
