// Native menus from the templates in menu-templates.ts: the application menu and the tray icon,
// whose image, tooltip and menu follow the stack's state.
import { Menu, Tray, nativeImage } from 'electron';
import type { MenuItemConstructorOptions, NativeImage } from 'electron';
import type { TrayIcon, TrayState } from './tray-state.js';

export function installAppMenu(template: MenuItemConstructorOptions[]): void {
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

/** The tray icon. Keep the instance referenced, or the icon is garbage-collected away. */
export class DesktopTray {
  private readonly tray: Tray;
  private readonly images = new Map<TrayIcon, NativeImage>();

  constructor(
    private readonly iconPath: (icon: TrayIcon) => string,
    onClick: () => void,
    private readonly platform: NodeJS.Platform = process.platform,
  ) {
    this.tray = new Tray(this.image('stopped'));
    this.tray.setToolTip('Berth');
    // Windows and most Linux panels open the menu on right click; a left click shows the dashboard.
    // macOS opens the menu on any click once one is set.
    this.tray.on('click', onClick);
  }

  update(state: TrayState, menu: MenuItemConstructorOptions[]): void {
    if (this.tray.isDestroyed()) return;
    this.tray.setImage(this.image(state.icon));
    this.tray.setToolTip(state.tooltip);
    this.tray.setContextMenu(Menu.buildFromTemplate(menu));
  }

  destroy(): void {
    if (!this.tray.isDestroyed()) this.tray.destroy();
  }

  private image(icon: TrayIcon): NativeImage {
    let image = this.images.get(icon);
    if (!image) {
      image = nativeImage.createFromPath(this.iconPath(icon));
      // The macOS menu bar draws tray images at their size in points; 16 pt is the usual glyph size.
      if (this.platform === 'darwin') image = image.resize({ width: 16, height: 16 });
      this.images.set(icon, image);
    }
    return image;
  }
}
