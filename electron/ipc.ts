// Main's side of the desktop bridge. The renderer is untrusted (it shows pages served over HTTP),
// so every call checks who sends it and validates every argument again here.
import { realpath } from 'node:fs/promises';
import { isAbsolute, relative } from 'node:path';
import type { DesktopFileFilter, DesktopTrustResult } from '../server-core/contract/desktop.js';
import { desktopChannels } from './channels.js';
import { isAdminUrl, isWebUrl } from './url-policy.js';

/** The native powers behind the bridge (Electron's shell and dialog in main.ts). */
export interface DesktopHost {
  openExternal(url: string): Promise<void>;
  showItemInFolder(path: string): void;
  /** Folder picker; null when cancelled. */
  pickDirectory(title: string): Promise<string | null>;
  /** Picker for one existing file; null when cancelled. */
  pickFile(title: string, filters: DesktopFileFilter[]): Promise<string | null>;
  getLaunchAtLogin(): Promise<boolean>;
  setLaunchAtLogin(enabled: boolean): Promise<boolean>;
  /** Fetches the store's commands from the admin API itself and runs them elevated (trust-install.ts). */
  installTrust(store: string): Promise<DesktopTrustResult>;
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
/** A dialog needs a handful of filters at most; these bounds only keep a hostile page from flooding main. */
const maxFilters = 8;
const maxExtensions = 16;

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
    throw new BridgeArgumentError(`pickDirectory and pickFile take a title string of at most ${maxTitleLength} characters`);
  }
  return value;
}

/**
 * Filters for pickFile: names up to 100 characters, extensions letters/digits (`conf`, `tar.gz`
 * style dots allowed inside) or `*`. Electron matches extensions without the dot.
 */
export function validateFileFilters(value: unknown): DesktopFileFilter[] {
  const bad = (): never => {
    throw new BridgeArgumentError(
      `pickFile takes up to ${maxFilters} filters of { name, extensions: up to ${maxExtensions} extensions without the dot, or "*" }`,
    );
  };
  if (!Array.isArray(value) || value.length > maxFilters) return bad();
  return value.map((f: unknown) => {
    if (typeof f !== 'object' || f === null) return bad();
    const { name, extensions, ...rest } = f as Record<string, unknown>;
    if (Object.keys(rest).length > 0 || typeof name !== 'string' || name.length === 0 || name.length > 100) return bad();
    if (!Array.isArray(extensions) || extensions.length === 0 || extensions.length > maxExtensions) return bad();
    const exts = extensions.map((e: unknown) => (typeof e === 'string' && /^(\*|[A-Za-z0-9]+(\.[A-Za-z0-9]+)*)$/.test(e) && e.length <= 20 ? e : bad()));
    return { name, extensions: exts };
  });
}

/** Trust store ids as the cert module names them (`system`, `nss`, `macos-keychain`…). */
export function validateStoreId(value: unknown): string {
  if (typeof value !== 'string' || !/^[a-z][a-z0-9-]{0,31}$/.test(value)) {
    throw new BridgeArgumentError('installTrust takes a trust store id (lowercase letters, digits and dashes)');
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
  ipc.handle(desktopChannels.pickFile, async (event, title, filters) => {
    fromDashboard(event);
    return host.pickFile(validateTitle(title), validateFileFilters(filters));
  });
  ipc.handle(desktopChannels.getLaunchAtLogin, async (event) => {
    fromDashboard(event);
    return host.getLaunchAtLogin();
  });
  ipc.handle(desktopChannels.setLaunchAtLogin, async (event, enabled) => {
    fromDashboard(event);
    if (typeof enabled !== 'boolean') throw new BridgeArgumentError('setLaunchAtLogin takes true or false');
    return host.setLaunchAtLogin(enabled);
  });
  ipc.handle(desktopChannels.installTrust, async (event, store) => {
    fromDashboard(event);
    return host.installTrust(validateStoreId(store));
  });

  return () => {
    for (const channel of Object.values(desktopChannels)) ipc.removeHandler(channel);
  };
}
