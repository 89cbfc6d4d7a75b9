// The one dashboard window: hardened webPreferences (guards in security.ts) and remembered bounds
// (window-state.ts). The BrowserWindow class is passed in, so specs check the options without the
// Electron runtime; the webPreferences stay a literal in the `new BrowserWindow` call so static
// scanners (electronegativity) see them.
import type { BrowserWindow as ElectronBrowserWindow, BrowserWindowConstructorOptions, Rectangle } from 'electron';
import { minimumSize, placeWindow, saveWindowState } from './window-state.js';
import type { Rect, WindowState } from './window-state.js';

/** The parts of Electron's BrowserWindow class used here. */
export type BrowserWindowClass = new (options: BrowserWindowConstructorOptions) => ElectronBrowserWindow;

export interface DashboardWindowOptions {
  url: string;
  preloadPath: string;
  iconPath: string;
  /** Last saved state (null: none) and the displays' work areas now, primary first. */
  saved: WindowState | null;
  workAreas: readonly Rect[];
  /** Where the bounds are saved when they change. */
  stateFile: string;
  log(line: string): void;
}

/** Bounds are saved at most this often while the user drags or resizes. */
const saveDelayMs = 500;

export function createDashboardWindow(BrowserWindow: BrowserWindowClass, options: DashboardWindowOptions): ElectronBrowserWindow {
  const place = placeWindow(options.saved, options.workAreas);
  // Electron's security checklist (https://www.electronjs.org/docs/latest/tutorial/security):
  // isolated context, OS sandbox, no Node in the page, no <webview>, no middle-click windows.
  const window = new BrowserWindow({
    ...(place.x !== undefined && place.y !== undefined ? { x: place.x, y: place.y } : {}),
    width: place.width,
    height: place.height,
    minWidth: minimumSize.width,
    minHeight: minimumSize.height,
    title: 'Berth',
    icon: options.iconPath,
    show: false,
    backgroundColor: '#0f1b2d',
    webPreferences: {
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      disableBlinkFeatures: 'Auxclick',
      preload: options.preloadPath,
    },
  });
  window.once('ready-to-show', () => {
    if (place.maximized) window.maximize();
    window.show();
  });
  rememberBounds(window, options.stateFile, options.log);
  // The URL carries the token: log failures without it.
  window.loadURL(options.url).catch((err: unknown) => {
    options.log(`the dashboard did not load: ${err instanceof Error ? err.message.replace(options.url, new URL(options.url).origin) : String(err)}`);
  });
  return window;
}

/** Saves the normal (un-maximized) bounds and the maximized flag now; quitting calls this too (app.exit skips 'close'). */
export function saveWindowBounds(window: ElectronBrowserWindow, file: string, log: (line: string) => void): void {
  if (window.isDestroyed() || window.isMinimized() || window.isFullScreen()) return;
  const b: Rectangle = window.getNormalBounds();
  try {
    saveWindowState(file, { x: b.x, y: b.y, width: b.width, height: b.height, maximized: window.isMaximized() });
  } catch (err) {
    log(`could not save the window position: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Saves after moves and resizes (once things settle) and on close. */
function rememberBounds(window: ElectronBrowserWindow, file: string, log: (line: string) => void): void {
  let timer: NodeJS.Timeout | null = null;
  const save = (): void => {
    if (timer) clearTimeout(timer);
    timer = null;
    saveWindowBounds(window, file, log);
  };
  const later = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(save, saveDelayMs);
  };
  for (const event of ['resize', 'move', 'maximize', 'unmaximize'] as const) window.on(event as 'resize', later);
  window.on('close', save);
}

/** Brings the window to the front (second launch, tray click). */
export function focusWindow(window: ElectronBrowserWindow): void {
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}
