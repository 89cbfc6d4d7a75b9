// The application menu and the tray menu as plain templates (type-only Electron import), so specs
// check them without the runtime; app-menu.ts builds them into native menus.
import type { MenuItemConstructorOptions } from 'electron';
import type { DesktopStrings } from './desktop-strings.js';
import type { SiteUrl } from './site-urls.js';
import type { TrayState } from './tray-state.js';

export interface DesktopActions {
  /** Shows the dashboard window (creating it if needed), optionally at a route such as `/settings`. */
  openDashboard(route?: string): void;
  openUrl(url: string): void;
  startStack(): void;
  stopStack(): void;
  showDataFolder(): void;
  showLogFolder(): void;
  about(): void;
  quit(): void;
}

function stackItems(state: TrayState, actions: DesktopActions, s: DesktopStrings): MenuItemConstructorOptions[] {
  return [
    { id: 'start-stack', label: s.startStack, enabled: state.phase === 'stopped', click: () => actions.startStack() },
    { id: 'stop-stack', label: s.stopStack, enabled: state.phase === 'running', click: () => actions.stopStack() },
  ];
}

/**
 * Per platform, after each one's conventions: macOS puts About, Settings (⌘,) and Quit in the app
 * menu named after the app; Windows and Linux put Settings and Quit (Ctrl+Q) under File and About
 * under Help.
 */
export function appMenuTemplate(platform: NodeJS.Platform, state: TrayState, actions: DesktopActions, s: DesktopStrings, devTools: boolean): MenuItemConstructorOptions[] {
  const open: MenuItemConstructorOptions = { id: 'open-dashboard', label: s.openDashboard, accelerator: 'CmdOrCtrl+Shift+D', enabled: state.up, click: () => actions.openDashboard() };
  const settings: MenuItemConstructorOptions = { id: 'settings', label: s.settings, accelerator: 'CmdOrCtrl+,', enabled: state.up, click: () => actions.openDashboard('/settings') };
  const quit: MenuItemConstructorOptions = { id: 'quit', label: s.quit, accelerator: 'CmdOrCtrl+Q', click: () => actions.quit() };
  const folders: MenuItemConstructorOptions[] = [
    { id: 'show-data-folder', label: s.showDataFolder, click: () => actions.showDataFolder() },
    { id: 'show-log-folder', label: s.showLogFolder, click: () => actions.showLogFolder() },
  ];
  const view: MenuItemConstructorOptions = {
    role: 'viewMenu',
    submenu: [
      { role: 'reload' },
      ...(devTools ? [{ role: 'toggleDevTools' } as const] : []),
      { type: 'separator' },
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
    ],
  };
  if (platform === 'darwin') {
    return [
      {
        label: 'Berth',
        submenu: [
          { role: 'about', label: s.about },
          { type: 'separator' },
          settings,
          { type: 'separator' },
          { role: 'services' },
          { type: 'separator' },
          { role: 'hide' },
          { role: 'hideOthers' },
          { role: 'unhide' },
          { type: 'separator' },
          quit,
        ],
      },
      { label: s.file, submenu: [open, { type: 'separator' }, ...stackItems(state, actions, s), { type: 'separator' }, { role: 'close' }] },
      { role: 'editMenu' },
      view,
      { role: 'windowMenu' },
      { role: 'help', label: s.help, submenu: folders },
    ];
  }
  return [
    { label: s.file, submenu: [open, settings, { type: 'separator' }, ...stackItems(state, actions, s), { type: 'separator' }, quit] },
    { role: 'editMenu' },
    view,
    { role: 'windowMenu' },
    { role: 'help', label: s.help, submenu: [...folders, { type: 'separator' }, { id: 'about', label: s.about, click: () => actions.about() }] },
  ];
}

/** The tray's menu: state line, dashboard, sites, start/stop, quit. */
export function trayMenuTemplate(state: TrayState, sites: readonly SiteUrl[], actions: DesktopActions, s: DesktopStrings): MenuItemConstructorOptions[] {
  const siteItems: MenuItemConstructorOptions[] =
    sites.length > 0 ? sites.map((site) => ({ label: site.label, toolTip: site.url, click: () => actions.openUrl(site.url) })) : [{ label: s.noSites, enabled: false }];
  return [
    { id: 'state', label: state.tooltip, enabled: false },
    { type: 'separator' },
    { id: 'open-dashboard', label: s.openDashboard, enabled: state.up, click: () => actions.openDashboard() },
    { id: 'open-site', label: s.openSite, enabled: state.up, submenu: siteItems },
    { type: 'separator' },
    ...stackItems(state, actions, s),
    { type: 'separator' },
    { id: 'quit', label: s.quit, click: () => actions.quit() },
  ];
}
