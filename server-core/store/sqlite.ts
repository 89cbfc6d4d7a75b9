// Loads better-sqlite3 under both runtimes that run this code.
//
// A native addon only loads in the runtime whose ABI (`process.versions.modules`) it was built for.
// node_modules holds the build for Node (CLI, tests). The packaged app gets node_modules rebuilt for
// Electron by electron-builder, but a dev run of the desktop app uses this same node_modules, so
// scripts/rebuild-native-for-electron.mjs puts an Electron build beside it, in
// `<appRoot>/native/electron-<abi>/better_sqlite3.node`, and we pass that file as `nativeBinding`.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { BerthError, errorMessage } from '../errors.js';
import { appRoot } from '../paths.js';

export type SqliteDatabase = Database.Database;

export interface OpenSqliteOptions {
  readonly?: boolean;
  fileMustExist?: boolean;
}

/**
 * The Electron-ABI build of better-sqlite3 to load, or undefined for the default binding:
 * only under Electron, and only when that build exists (the packaged app's own node_modules
 * already match Electron).
 */
export function electronNativeBinding(
  versions: Readonly<Record<string, string | undefined>> = process.versions,
  root: string = appRoot,
  exists: (path: string) => boolean = existsSync,
): string | undefined {
  if (!versions.electron || !versions.modules) return undefined;
  const candidate = join(root, 'native', `electron-${versions.modules}`, 'better_sqlite3.node');
  return exists(candidate) ? candidate : undefined;
}

export function openSqlite(file: string, options: OpenSqliteOptions = {}): SqliteDatabase {
  const nativeBinding = electronNativeBinding();
  try {
    return new Database(file, nativeBinding === undefined ? options : { ...options, nativeBinding });
  } catch (e) {
    // A build for another ABI fails in dlopen with "…compiled against a different Node.js version
    // using NODE_MODULE_VERSION x…"; say which fix applies instead of showing only that.
    if (/NODE_MODULE_VERSION|ERR_DLOPEN_FAILED|invalid ELF header|not a valid Win32 application/i.test(errorMessage(e))) {
      throw new BerthError('BERTH_ERR_SQLITE_NATIVE', `cannot load the SQLite module for this runtime (ABI ${process.versions.modules}): ${errorMessage(e)}`, {
        hint: process.versions.electron
          ? 'run `npm run rebuild:electron` to build it for Electron'
          : 'run `npm rebuild better-sqlite3` to build it for this Node.js',
        cause: e,
      });
    }
    throw e;
  }
}
