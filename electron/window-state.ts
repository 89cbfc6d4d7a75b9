// The dashboard window's size and position, remembered in `<data dir>/window-state.json`.
// The file is checked on load (a hand-edited or half-written one is ignored) and the bounds are
// fitted to the displays present now, so a window last seen on an unplugged monitor comes back
// on a visible one instead of off-screen.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState extends Rect {
  maximized: boolean;
}

/** What `new BrowserWindow` gets: no x/y means "centre it" (Electron's default). */
export interface WindowPlacement {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

export const defaultSize = { width: 1280, height: 820 } as const;
export const minimumSize = { width: 720, height: 480 } as const;
/** Far beyond any real display (8K is 7680 px); larger values are corrupt. */
const maxCoordinate = 100_000;

export const windowStateFile = 'window-state.json';

/** The saved state, or null when the text is not a sane state. */
export function parseWindowState(text: string): WindowState | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  const int = (n: unknown, min: number): n is number => typeof n === 'number' && Number.isInteger(n) && n >= min && n <= maxCoordinate;
  if (!int(v.x, -maxCoordinate) || !int(v.y, -maxCoordinate) || !int(v.width, 1) || !int(v.height, 1)) return null;
  if (typeof v.maximized !== 'boolean') return null;
  return { x: v.x, y: v.y, width: v.width, height: v.height, maximized: v.maximized };
}

function overlap(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(Math.max(n, lo), hi);
}

/**
 * Where to open the window. `workAreas` are the displays' work areas (screen minus task bar and
 * menu bar), the primary first. The saved bounds go to the display they overlap most, shrunk to
 * fit it and moved fully inside it; with no overlap at all, the saved size is kept and the window
 * is centred on the primary display (no x/y).
 */
export function placeWindow(saved: WindowState | null, workAreas: readonly Rect[]): WindowPlacement {
  if (saved === null || workAreas.length === 0) return { ...defaultSize, maximized: false };
  let best: Rect | null = null;
  let bestArea = 0;
  for (const area of workAreas) {
    const a = overlap(saved, area);
    if (a > bestArea) {
      best = area;
      bestArea = a;
    }
  }
  const target = best ?? workAreas[0]!;
  const width = clamp(saved.width, Math.min(minimumSize.width, target.width), target.width);
  const height = clamp(saved.height, Math.min(minimumSize.height, target.height), target.height);
  if (best === null) return { width, height, maximized: saved.maximized };
  return {
    x: clamp(saved.x, target.x, target.x + target.width - width),
    y: clamp(saved.y, target.y, target.y + target.height - height),
    width,
    height,
    maximized: saved.maximized,
  };
}

/** Reads the saved state; a missing or corrupt file counts as none. */
export function loadWindowState(path: string): WindowState | null {
  try {
    return parseWindowState(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

/** Writes the state atomically (temp file + rename), so a crash never leaves half a file. */
export function saveWindowState(path: string, state: WindowState): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}
