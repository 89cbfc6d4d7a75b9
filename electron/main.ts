// Electron main process, kept thin: it hosts the same stack `berth serve` runs (supervisor,
// admin API, children as utility processes), shows the dashboard in one hardened window, and adds
// what a desktop app owes its user: tray, menus, remembered window, start at login, native
// dialogs, notifications and elevated trust-store installs. Each piece lives in its own module.
import { BrowserWindow, Notification, app, dialog, ipcMain, powerMonitor, screen, session, shell, utilityProcess } from 'electron';
import type { OpenDialogOptions } from 'electron';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assetsDir, dataPaths } from '../server-core/paths.js';
import { startStack, type Stack } from '../server-core/stack.js';
import { BERTH_VERSION } from '../server-core/version.js';
import { DesktopTray, installAppMenu } from './app-menu.js';
import { dashboardCsp } from './csp.js';
import { desktopStrings } from './desktop-strings.js';
import { execRunner } from './elevate.js';
import { registerDesktopIpc } from './ipc.js';
import { parseLaunchArgs, type LaunchArgs } from './launch-args.js';
import { autostartDir, createLaunchAtLogin, launchTarget } from './login-item.js';
import { appMenuTemplate, trayMenuTemplate, type DesktopActions } from './menu-templates.js';
import { DesktopNotifications } from './notifications.js';
import { QuitCoordinator } from './quit.js';
import { guardContents, hardenSession } from './security.js';
import { siteUrls } from './site-urls.js';
import { StackController } from './stack-controller.js';
import { installTrustStore } from './trust-install.js';
import { trayState } from './tray-state.js';
import { UtilityProcessLauncher } from './utility-launcher.js';
import { createDashboardWindow, focusWindow, saveWindowBounds } from './window.js';
import { loadWindowState, windowStateFile } from './window-state.js';

const preloadPath = fileURLToPath(new URL('./preload.cjs', import.meta.url));
/** Certificate expiry and the tray are re-checked this often besides on every stack event. */
const periodicCheckMs = 60_000;

/** Module-level so the tray is not garbage-collected (which would remove the icon). */
let tray: DesktopTray | null = null;

function log(line: string): void {
  console.log(`[berth] ${line}`);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** `--data-dir`, else `$BERTH_HOME`, else Electron's userData folder (`…/Berth`, as paths.ts defaultDataDir). */
function chooseDataDir(args: LaunchArgs): { dataDir: string; custom: string | undefined } {
  const custom = args.dataDir ?? (process.env.BERTH_HOME ? resolve(process.env.BERTH_HOME) : undefined);
  // One Berth per data dir: the single-instance lock and Chromium's profile live in userData,
  // so a custom data dir moves them along. Must happen before 'ready' and before the lock.
  if (custom !== undefined) app.setPath('userData', custom);
  return { dataDir: app.getPath('userData'), custom };
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
  const { dataDir, custom } = chooseDataDir(args);

  if (!app.requestSingleInstanceLock()) {
    log(`Berth already runs for ${dataDir}; focusing its window`);
    app.exit(0);
    return;
  }
  // Every renderer sandboxed, whatever a later window forgets to set.
  app.enableSandbox();
  if (process.platform === 'win32') app.setAppUserModelId('dev.berth.app');

  const controller = new StackController(
    (adminPort) =>
      startStack({
        dataDir,
        launcher: new UtilityProcessLauncher((modulePath, forkArgs, options) => utilityProcess.fork(modulePath, forkArgs, options)),
        mode: 'electron',
        ...(adminPort !== undefined ? { adminPort } : {}),
        ...(args.httpPort !== undefined ? { httpPort: args.httpPort } : {}),
        ...(args.httpsPort !== undefined ? { httpsPort: args.httpsPort } : {}),
        log,
      }),
    args.adminPort,
  );
  /** Run first on any quit, while the window still exists. */
  const beforeStop: Array<() => void> = [];
  const quitter = new QuitCoordinator({
    stop: () => {
      for (const f of beforeStop) f();
      return controller.stop();
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
  let openDashboard: ((route?: string) => void) | null = null;
  app.on('second-instance', () => openDashboard?.());
  app.on('activate', () => openDashboard?.());

  await app.whenReady();
  const s = desktopStrings(app.getLocale());
  // Logout / shutdown on Linux and macOS: hold it briefly and stop the children first.
  powerMonitor.on('shutdown', () => void quitter.quit());

  let first: Stack;
  try {
    first = await controller.start();
  } catch (err) {
    log(`could not start: ${messageOf(err)}`);
    dialog.showErrorBox(s.startFailedTitle, messageOf(err));
    app.exit(1);
    return;
  }
  if (quitter.quitting) return;

  // The admin port is pinned by the controller, so this origin holds across stop/start.
  const adminOrigin = new URL(first.adminUrl).origin;
  hardenSession(session.defaultSession, adminOrigin, dashboardCsp);
  app.on('web-contents-created', (_event, contents) => {
    guardContents(contents, { adminOrigin, openExternal: (url) => void shell.openExternal(url), log });
  });

  const stateFile = join(dataDir, windowStateFile);
  let window: BrowserWindow | null = null;
  // app.exit() ends without 'close' events: save the window's place on the way out.
  beforeStop.push(() => {
    if (window && !window.isDestroyed()) saveWindowBounds(window, stateFile, log);
  });
  const showDashboard = (route?: string): void => {
    const stack = controller.stack;
    if (!stack) return;
    const hash = route ? `#${route}` : '';
    if (window && !window.isDestroyed()) {
      if (route) void window.loadURL(`${adminOrigin}/${hash}`);
      focusWindow(window);
      return;
    }
    window = createDashboardWindow(BrowserWindow, {
      url: `${stack.dashboardUrl}${hash}`,
      preloadPath,
      iconPath: join(assetsDir, 'icon.png'),
      saved: loadWindowState(stateFile),
      workAreas: [screen.getPrimaryDisplay(), ...screen.getAllDisplays()].map((d) => d.workArea),
      stateFile,
      log,
    });
    // Windows logout: stop the children while the session ends.
    window.on('session-end', () => void quitter.quit());
    window.on('closed', () => {
      window = null;
    });
  };

  const paths = dataPaths(dataDir);
  const actions: DesktopActions = {
    openDashboard: showDashboard,
    openUrl: (url) => void shell.openExternal(url),
    startStack: () => {
      controller.start().then(
        (stack) => {
          // A new stack has a new token: log the open window in again.
          if (window && !window.isDestroyed()) void window.loadURL(stack.dashboardUrl);
        },
        (err: unknown) => dialog.showErrorBox(s.startFailedTitle, messageOf(err)),
      );
    },
    stopStack: () => void controller.stop().catch((err: unknown) => log(`stopping failed: ${messageOf(err)}`)),
    showDataFolder: () => void shell.openPath(paths.dataDir),
    showLogFolder: () => void shell.openPath(paths.logDir),
    about: () => app.showAboutPanel(),
    quit: () => void quitter.quit(),
  };
  app.setAboutPanelOptions({ applicationName: 'Berth', applicationVersion: BERTH_VERSION });

  const notifications = new DesktopNotifications({
    strings: s,
    show: (title, body) => {
      if (!Notification.isSupported()) {
        log(`${title}: ${body}`);
        return;
      }
      const n = new Notification({ title, body });
      n.on('click', () => showDashboard());
      n.show();
    },
  });

  const refreshUi = (): void => {
    const stack = controller.stack;
    const status = stack?.status() ?? null;
    const state = trayState(controller.phase, status?.children ?? [], s);
    installAppMenu(appMenuTemplate(process.platform, state, actions, s, !app.isPackaged));
    if (tray) {
      const sites = stack && status ? siteUrls(stack.currentConfig(), status.proxy.httpPort) : [];
      tray.update(state, trayMenuTemplate(state, sites, actions, s));
    }
    if (status) notifications.checkCertificates(status);
  };
  controller.onChange(refreshUi);
  controller.onEvent((event) => {
    notifications.onEvent(event);
    refreshUi();
  });
  const ticker = setInterval(refreshUi, periodicCheckMs);
  ticker.unref();

  const launchAtLogin = createLaunchAtLogin(
    process.platform,
    launchTarget({ execPath: process.execPath, appPath: app.getAppPath(), defaultApp: process.defaultApp === true, appImage: process.env.APPIMAGE, customDataDir: custom }),
    app,
    autostartDir(process.env, homedir()),
  );
  const openDialog = async (options: OpenDialogOptions): Promise<string | null> => {
    const result = window && !window.isDestroyed() ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options);
    return result.canceled ? null : (result.filePaths[0] ?? null);
  };
  registerDesktopIpc(
    ipcMain,
    {
      openExternal: (url) => shell.openExternal(url),
      showItemInFolder: (path) => shell.showItemInFolder(path),
      pickDirectory: (title) => openDialog({ title: title || s.chooseFolder, properties: ['openDirectory', 'createDirectory'] }),
      pickFile: (title, filters) => openDialog({ title: title || s.chooseFile, properties: ['openFile'], filters }),
      getLaunchAtLogin: () => launchAtLogin.get(),
      setLaunchAtLogin: (enabled) => launchAtLogin.set(enabled),
      installTrust: (store) => {
        const stack = controller.stack;
        if (!stack) return Promise.reject(new Error('Berth is stopped: start it, then install the certificate again'));
        return installTrustStore({ adminUrl: stack.adminUrl, token: stack.token }, store, { runner: execRunner });
      },
    },
    { adminOrigin, dataDir: first.dataDir },
  );

  openDashboard = showDashboard;
  try {
    tray = new DesktopTray((icon) => join(assetsDir, `tray-${icon}.png`), () => showDashboard());
  } catch (err) {
    // Some Linux desktops have no status area; the window and menu still work.
    log(`no tray icon: ${messageOf(err)}`);
  }
  refreshUi();
  showDashboard();
  log(`dashboard: ${first.adminUrl} (data in ${first.dataDir})`);
}

main().catch((err: unknown) => {
  console.error(`berth: ${messageOf(err)}`);
  app.exit(1);
});
