// Electron main process, kept thin: it hosts the same stack `berth serve` runs (supervisor,
// admin API, children as utility processes) and shows the dashboard in one hardened window.
import { app, dialog, ipcMain, session, shell, utilityProcess } from 'electron';
import type { BrowserWindow, Tray } from 'electron';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assetsDir } from '../server-core/paths.js';
import { startStack, type Stack } from '../server-core/stack.js';
import { createTray, installAppMenu, type MenuActions } from './app-menu.js';
import { dashboardCsp } from './csp.js';
import { registerDesktopIpc } from './ipc.js';
import { parseLaunchArgs, type LaunchArgs } from './launch-args.js';
import { QuitCoordinator } from './quit.js';
import { guardContents, hardenSession } from './security.js';
import { UtilityProcessLauncher } from './utility-launcher.js';
import { createDashboardWindow, focusWindow } from './window.js';

const preloadPath = fileURLToPath(new URL('./preload.cjs', import.meta.url));

/** Module-level so the tray is not garbage-collected (which would remove the icon). */
let tray: Tray | null = null;

function log(line: string): void {
  console.log(`[berth] ${line}`);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** `--data-dir`, else `$BERTH_HOME`, else Electron's userData folder (`…/Berth`, as paths.ts defaultDataDir). */
function chooseDataDir(args: LaunchArgs): string {
  const custom = args.dataDir ?? (process.env.BERTH_HOME ? resolve(process.env.BERTH_HOME) : undefined);
  // One Berth per data dir: the single-instance lock and Chromium's profile live in userData,
  // so a custom data dir moves them along. Must happen before 'ready' and before the lock.
  if (custom !== undefined) app.setPath('userData', custom);
  return app.getPath('userData');
}

async function main(): Promise<void> {
  let args: LaunchArgs;
  try {
    args = parseLaunchArgs(process.argv.slice(1));
  } catch (err) {
    console.error(`berth: ${messageOf(err)}`);
    app.exit(2);
    return;
  }
  const dataDir = chooseDataDir(args);

  if (!app.requestSingleInstanceLock()) {
    log(`Berth already runs for ${dataDir}; focusing its window`);
    app.exit(0);
    return;
  }
  // Every renderer sandboxed, whatever a later window forgets to set.
  app.enableSandbox();
  if (process.platform === 'win32') app.setAppUserModelId('dev.berth.app');

  let stackStarting: Promise<Stack> | null = null;
  const quitter = new QuitCoordinator({
    stop: async () => {
      const stack = await stackStarting?.catch(() => null);
      await stack?.stop();
    },
    exit: (code) => {
      tray?.destroy();
      app.exit(code);
    },
    log,
  });
  // Every quit path ends here; `app.exit` after the stack stopped does not fire 'before-quit' again.
  app.on('before-quit', (event) => {
    event.preventDefault();
    void quitter.quit();
  });
  app.on('window-all-closed', () => {
    // macOS apps stay in the dock and the menu bar when their last window closes.
    if (process.platform !== 'darwin') void quitter.quit();
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void quitter.quit());
  // A second launch (same data dir) or a dock click: show the window, once there is one to show.
  let openDashboard: (() => void) | null = null;
  app.on('second-instance', () => openDashboard?.());
  app.on('activate', () => openDashboard?.());

  await app.whenReady();
  stackStarting = startStack({
    dataDir,
    launcher: new UtilityProcessLauncher((modulePath, forkArgs, options) => utilityProcess.fork(modulePath, forkArgs, options)),
    mode: 'electron',
    ...(args.adminPort !== undefined ? { adminPort: args.adminPort } : {}),
    ...(args.httpPort !== undefined ? { httpPort: args.httpPort } : {}),
    ...(args.httpsPort !== undefined ? { httpsPort: args.httpsPort } : {}),
    log,
  });
  let stack: Stack;
  try {
    stack = await stackStarting;
  } catch (err) {
    log(`could not start: ${messageOf(err)}`);
    dialog.showErrorBox('Berth could not start', messageOf(err));
    app.exit(1);
    return;
  }
  if (quitter.quitting) return;

  const adminOrigin = new URL(stack.adminUrl).origin;
  hardenSession(session.defaultSession, adminOrigin, dashboardCsp);
  app.on('web-contents-created', (_event, contents) => {
    guardContents(contents, { adminOrigin, openExternal: (url) => void shell.openExternal(url), log });
  });

  let window: BrowserWindow | null = null;
  const actions: MenuActions = {
    openDashboard: () => {
      if (window && !window.isDestroyed()) {
        focusWindow(window);
        return;
      }
      window = createDashboardWindow({ url: stack.dashboardUrl, preloadPath, iconPath: join(assetsDir, 'icon.png'), log });
      window.on('closed', () => {
        window = null;
      });
    },
    quit: () => void quitter.quit(),
  };

  registerDesktopIpc(
    ipcMain,
    {
      openExternal: (url) => shell.openExternal(url),
      showItemInFolder: (path) => shell.showItemInFolder(path),
      pickDirectory: async (title) => {
        const options = { title, properties: ['openDirectory', 'createDirectory'] as Array<'openDirectory' | 'createDirectory'> };
        const result = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options);
        return result.canceled ? null : (result.filePaths[0] ?? null);
      },
    },
    { adminOrigin, dataDir: stack.dataDir },
  );

  installAppMenu(actions);
  openDashboard = actions.openDashboard;
  try {
    tray = createTray(join(assetsDir, 'tray.png'), actions);
  } catch (err) {
    // Some Linux desktops have no status area; the window and menu still work.
    log(`no tray icon: ${messageOf(err)}`);
  }
  actions.openDashboard();
  log(`dashboard: ${stack.adminUrl} (data in ${stack.dataDir})`);
}

main().catch((err: unknown) => {
  console.error(`berth: ${messageOf(err)}`);
  app.exit(1);
});
