import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { defaultSize, loadWindowState, parseWindowState, placeWindow, saveWindowState } from './window-state.js';
import type { Rect } from './window-state.js';

const laptop: Rect = { x: 0, y: 25, width: 1440, height: 875 };
const monitorRight: Rect = { x: 1440, y: 0, width: 2560, height: 1400 };

describe('window state', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-winstate-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips through the file', () => {
    const file = join(dir, 'window-state.json');
    assert.equal(loadWindowState(file), null);
    const state = { x: 100, y: 80, width: 1000, height: 700, maximized: true };
    saveWindowState(file, state);
    assert.deepEqual(loadWindowState(file), state);
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), state);
  });

  it('ignores corrupt or insane files', () => {
    for (const text of ['', '{', 'null', '[]', '{"x":1,"y":2,"width":3,"height":4}', '{"x":"1","y":2,"width":3,"height":4,"maximized":false}', '{"x":1.5,"y":2,"width":300,"height":400,"maximized":false}', '{"x":0,"y":0,"width":0,"height":400,"maximized":false}', '{"x":0,"y":0,"width":1e9,"height":400,"maximized":false}']) {
      assert.equal(parseWindowState(text), null, text);
    }
    const file = join(dir, 'corrupt.json');
    writeFileSync(file, '{"x": 10, "y"');
    assert.equal(loadWindowState(file), null);
  });

  it('uses the default size, centred, without a saved state', () => {
    assert.deepEqual(placeWindow(null, [laptop]), { ...defaultSize, maximized: false });
  });

  it('keeps a window that is fully visible where it was', () => {
    const saved = { x: 1600, y: 100, width: 1200, height: 800, maximized: false };
    assert.deepEqual(placeWindow(saved, [laptop, monitorRight]), { x: 1600, y: 100, width: 1200, height: 800, maximized: false });
  });

  it('moves a half off-screen window inside the display it overlaps most', () => {
    const saved = { x: 1000, y: 500, width: 1000, height: 600, maximized: false };
    // 440×400 on the laptop vs 560×600 on the monitor: it goes to the monitor.
    assert.deepEqual(placeWindow(saved, [laptop, monitorRight]), { x: 1440, y: 500, width: 1000, height: 600, maximized: false });
  });

  it('centres a window whose monitor is gone, shrunk to the primary display', () => {
    const saved = { x: 1600, y: 100, width: 2000, height: 1200, maximized: true };
    assert.deepEqual(placeWindow(saved, [laptop]), { width: 1440, height: 875, maximized: true });
  });

  it('never grows a window below the minimum size past a small display', () => {
    const tiny: Rect = { x: 0, y: 0, width: 640, height: 400 };
    assert.deepEqual(placeWindow({ x: 10, y: 10, width: 200, height: 100, maximized: false }, [tiny]), { x: 0, y: 0, width: 640, height: 400, maximized: false });
  });
});
