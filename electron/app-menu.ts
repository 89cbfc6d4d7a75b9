// Application menu and tray: standard roles plus the two actions Berth needs now
// (open the dashboard, quit). The desktop issue grows them.
import { Menu, Tray, nativeImage } from 'electron';
import type { MenuItemConstructorOptions } from 'electron';

export interface MenuActions {
  openDashboard(): void;
  quit(): void;
}

export function installAppMenu(actions: MenuActions, platform: NodeJS.Platform = process.platform): void {
  const quit: MenuItemConstructorOptions = { label: 'Quit Berth', accelerator: 'CmdOrCtrl+Q', click: () => actions.quit() };
  const open: MenuItemConstructorOptions = { label: 'Open Dashboard', click: () => actions.openDashboard() };
  const template: MenuItemConstructorOptions[] = [];
  if (platform === 'darwin') {
    template.push({
      label: 'Berth',
      submenu: [{ role: 'about' }, { type: 'separator' }, { role: 'hide' }, { role: 'hideOthers' }, { role: 'unhide' }, { type: 'separator' }, quit],
    });
    template.push({ label: 'File', submenu: [open, { role: 'close' }] });
  } else {
    template.push({ label: 'File', submenu: [open, { type: 'separator' }, quit] });
  }
  template.push({ role: 'editMenu' }, { role: 'viewMenu' }, { role: 'windowMenu' });
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

/** Tray icon with the same two actions. Keep the returned Tray referenced, or it is collected. */
export function createTray(iconPath: string, actions: MenuActions, platform: NodeJS.Platform = process.platform): Tray {
  let image = nativeImage.createFromPath(iconPath);
  // The macOS menu bar draws a tray image at its size in points; 16 pt is the usual glyph size.
  if (platform === 'darwin') image = image.resize({ width: 16, height: 16 });
  const tray = new Tray(image);
  tray.setToolTip('Berth');
  tray.setContextMenu(
    Menu.buildFromTemplate([
      { label: 'Open Dashboard', click: () => actions.openDashboard() },
      { type: 'separator' },
      { label: 'Quit Berth', click: () => actions.quit() },
    ]),
  );
  tray.on('click', () => actions.openDashboard());
  return tray;
}
