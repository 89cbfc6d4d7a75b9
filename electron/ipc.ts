// Main's side of the desktop bridge. The renderer is untrusted (it shows pages served over HTTP),
// so every call checks who sends it and validates every argument again here.
import { realpath } from 'node:fs/promises';
import { isAbsolute, relative } from 'node:path';
import { desktopChannels } from './channels.js';
import { isAdminUrl, isWebUrl } from './url-policy.js';

/** The native powers behind the bridge (Electron's shell and dialog in main.ts). */
export interface DesktopHost {
  openExternal(url: string): Promise<void>;
  showItemInFolder(path: string): void;
  /** Folder picker; null when cancelled. */
  pickDirectory(title: string): Promise<string | null>;
}

/** What the handlers read from Electron's IpcMainInvokeEvent. */
export interface InvokeEventLike {
  readonly senderFrame: { readonly url: string } | null;
}

/** The part of Electron's `ipcMain` used here. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}

export interface DesktopIpcPolicy {
  /** Only frames on this origin may call (the admin server, `http://127.0.0.1:PORT`). */
  adminOrigin: string;
  /** revealPath shows only what lies inside this folder. */
  dataDir: string;
}

/** Longest URL accepted for openExternal; browsers cap near 2 MB, nothing in Berth needs more than this. */
const maxUrlLength = 8192;
const maxTitleLength = 200;

export class BridgeArgumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BridgeArgumentError';
  }
}

export function validateExternalUrl(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxUrlLength) {
    throw new BridgeArgumentError(`openExternal takes an http(s) URL string of at most ${maxUrlLength} characters`);
  }
  if (!isWebUrl(value)) throw new BridgeArgumentError('openExternal opens only http and https URLs');
  return new URL(value).href;
}

/**
 * Resolves `value` (following symlinks) and returns it when it lies inside `dataDir`.
 * Fails for relative paths, missing files and anything outside.
 */
export async function validatePathInside(value: unknown, dataDir: string): Promise<string> {
  if (typeof value !== 'string' || value.length === 0 || value.includes('\0') || !isAbsolute(value)) {
    throw new BridgeArgumentError('revealPath takes an absolute path');
  }
  let real: string;
  let realDir: string;
  try {
    [real, realDir] = await Promise.all([realpath(value), realpath(dataDir)]);
  } catch {
    throw new BridgeArgumentError('revealPath: no such file or folder');
  }
  const rel = relative(realDir, real);
  if (rel.startsWith('..') || isAbsolute(rel)) {
    throw new BridgeArgumentError('revealPath shows only files inside the Berth data folder');
  }
  return real;
}

export function validateTitle(value: unknown): string {
  if (typeof value !== 'string' || value.length > maxTitleLength) {
    throw new BridgeArgumentError(`pickDirectory takes a title string of at most ${maxTitleLength} characters`);
  }
  return value;
}

/** Registers the bridge handlers; returns a function that removes them. */
export function registerDesktopIpc(ipc: IpcMainLike, host: DesktopHost, policy: DesktopIpcPolicy): () => void {
  const fromDashboard = (event: InvokeEventLike): void => {
    const url = event.senderFrame?.url;
    if (url === undefined || !isAdminUrl(url, policy.adminOrigin)) {
      throw new BridgeArgumentError('desktop bridge calls are accepted only from the Berth dashboard');
    }
  };

  ipc.handle(desktopChannels.openExternal, async (event, url) => {
    fromDashboard(event);
    await host.openExternal(validateExternalUrl(url));
  });
  ipc.handle(desktopChannels.revealPath, async (event, path) => {
    fromDashboard(event);
    host.showItemInFolder(await validatePathInside(path, policy.dataDir));
  });
  ipc.handle(desktopChannels.pickDirectory, async (event, title) => {
    fromDashboard(event);
    return host.pickDirectory(validateTitle(title));
  });

  return () => {
    for (const channel of Object.values(desktopChannels)) ipc.removeHandler(channel);
  };
}
