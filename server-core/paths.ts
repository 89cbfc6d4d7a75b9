// Where things are: the app's own files (compiled code, renderer build, assets) and the user's data dir.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository / app root: this file compiles to `<root>/dist/server-core/paths.js`. */
export const appRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** Compiled server-core modules (child entry points live here). */
export const serverCoreDist = join(appRoot, 'dist', 'server-core');

/** The built dashboard (vite output). */
export const rendererDist = join(appRoot, 'dist', 'renderer');

/** Static assets shipped with Berth (welcome page, icons). */
export const assetsDir = join(appRoot, 'assets');

/**
 * Root for files that outside programs (python3, uWSGI) must open directly. In a packaged app
 * they live in `app.asar.unpacked` (build/electron-builder.yml asarUnpack): only Electron's own
 * fs patch can read inside an asar archive.
 */
export function unpackedPath(path: string): string {
  return path.replace(/([\\/])app\.asar(?=$|[\\/])/, '$1app.asar.unpacked');
}

export const unpackedRoot = unpackedPath(appRoot);

/**
 * The data dir: `--data-dir`, else `$BERTH_HOME`, else the OS user-data folder for Berth
 * (the same folder Electron's `app.getPath('userData')` gives for an app named Berth).
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.BERTH_HOME) return resolve(env.BERTH_HOME);
  const home = homedir();
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Berth');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'Berth');
  return join(env.XDG_CONFIG_HOME ?? join(home, '.config'), 'Berth');
}

/** Fixed layout inside a data dir. */
export function dataPaths(dataDir: string) {
  return {
    dataDir,
    database: join(dataDir, 'berth.db'),
    adminJson: join(dataDir, 'admin.json'),
    logDir: join(dataDir, 'logs'),
    sitesDir: join(dataDir, 'sites'),
    certsDir: join(dataDir, 'certs'),
  };
}
