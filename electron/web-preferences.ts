// The webPreferences of every Berth window, in one place. The window shows pages served over
// HTTP, so it gets Electron's renderer hardening: isolated context, OS sandbox, no Node
// (https://www.electronjs.org/docs/latest/tutorial/security). Type-only Electron import, so specs
// can check the values without the Electron runtime.
import type { WebPreferences } from 'electron';

export function dashboardWebPreferences(preloadPath: string): WebPreferences {
  return {
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false,
    preload: preloadPath,
  };
}
