import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { BrowserWindowConstructorOptions } from 'electron';
import { createDashboardWindow } from './window.js';
import type { BrowserWindowClass } from './window.js';
import { loadWindowState } from './window-state.js';

/** Records what Electron's BrowserWindow would be given and is asked. */
class RecordingWindow extends EventEmitter {
  static created: RecordingWindow[] = [];
  readonly loaded: string[] = [];
  maximizedCalls = 0;
  shown = false;
  bounds = { x: 10, y: 20, width: 900, height: 700 };
  constructor(readonly options: BrowserWindowConstructorOptions) {
    super();
    RecordingWindow.created.push(this);
  }
  loadURL(url: string): Promise<void> {
    this.loaded.push(url);
    return Promise.resolve();
  }
  maximize(): void {
    this.maximizedCalls++;
  }
  show(): void {
    this.shown = true;
  }
  isDestroyed(): boolean {
    return false;
  }
  isMinimized(): boolean {
    return false;
  }
  isFullScreen(): boolean {
    return false;
  }
  isMaximized(): boolean {
    return this.maximizedCalls > 0;
  }
  getNormalBounds() {
    return this.bounds;
  }
}
const FakeWindow = RecordingWindow as unknown as BrowserWindowClass;

describe('createDashboardWindow', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-window-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const base = {
    url: 'http://127.0.0.1:7700/?token=secret',
    preloadPath: '/app/dist/electron/preload.cjs',
    iconPath: '/app/assets/icon.png',
    workAreas: [{ x: 0, y: 0, width: 1920, height: 1050 }],
    log: () => undefined,
  };

  it('isolates, sandboxes and keeps Node out of the renderer', () => {
    const win = createDashboardWindow(FakeWindow, { ...base, saved: null, stateFile: join(dir, 'a.json') }) as unknown as RecordingWindow;
    const prefs = win.options.webPreferences!;
    assert.equal(prefs.contextIsolation, true);
    assert.equal(prefs.sandbox, true);
    assert.equal(prefs.nodeIntegration, false);
    assert.equal(prefs.nodeIntegrationInWorker, false);
    assert.equal(prefs.nodeIntegrationInSubFrames, false);
    assert.equal(prefs.webSecurity, true);
    assert.equal(prefs.allowRunningInsecureContent, false);
    assert.equal(prefs.webviewTag, false);
    assert.equal(prefs.disableBlinkFeatures, 'Auxclick');
    assert.equal(prefs.preload, '/app/dist/electron/preload.cjs');
    assert.equal(win.options.show, false);
    assert.deepEqual(win.loaded, ['http://127.0.0.1:7700/?token=secret']);
    // No saved state: Electron centres the default size.
    assert.equal(win.options.x, undefined);
    assert.deepEqual([win.options.width, win.options.height], [1280, 820]);
  });

  it('opens where it was saved, maximized again, and saves its bounds on close', () => {
    const stateFile = join(dir, 'b.json');
    const win = createDashboardWindow(FakeWindow, { ...base, saved: { x: 100, y: 50, width: 1000, height: 700, maximized: true }, stateFile }) as unknown as RecordingWindow;
    assert.deepEqual([win.options.x, win.options.y, win.options.width, win.options.height], [100, 50, 1000, 700]);
    win.emit('ready-to-show');
    assert.equal(win.maximizedCalls, 1);
    assert.equal(win.shown, true);
    win.bounds = { x: 300, y: 200, width: 1100, height: 760 };
    win.emit('close');
    assert.deepEqual(loadWindowState(stateFile), { x: 300, y: 200, width: 1100, height: 760, maximized: true });
  });

  it('saves once shortly after a burst of moves', async () => {
    const stateFile = join(dir, 'c.json');
    const win = createDashboardWindow(FakeWindow, { ...base, saved: null, stateFile }) as unknown as RecordingWindow;
    for (let i = 0; i < 5; i++) {
      win.bounds = { x: i, y: i, width: 800, height: 600 };
      win.emit('move');
    }
    assert.equal(loadWindowState(stateFile), null);
    await new Promise((r) => setTimeout(r, 650));
    assert.deepEqual(loadWindowState(stateFile), { x: 4, y: 4, width: 800, height: 600, maximized: false });
  });
});
