// The one dashboard window (hardening in web-preferences.ts, guards in security.ts).
import { BrowserWindow } from 'electron';
import { dashboardWebPreferences } from './web-preferences.js';

export interface DashboardWindowOptions {
  url: string;
  preloadPath: string;
  iconPath: string;
  log(line: string): void;
}

export function createDashboardWindow(options: DashboardWindowOptions): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 720,
    minHeight: 480,
    title: 'Berth',
    icon: options.iconPath,
    show: false,
    backgroundColor: '#0f1b2d',
    webPreferences: dashboardWebPreferences(options.preloadPath),
  });
  window.once('ready-to-show', () => window.show());
  // The URL carries the token: log failures without it.
  window.loadURL(options.url).catch((err: unknown) => {
    options.log(`the dashboard did not load: ${err instanceof Error ? err.message.replace(options.url, new URL(options.url).origin) : String(err)}`);
  });
  return window;
}

/** Brings the window to the front (second launch, tray click). */
export function focusWindow(window: BrowserWindow): void {
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}
