// The API the Electron preload exposes to the dashboard as `window.berthDesktop` (absent in a browser).
// Types only. Main validates every argument again: the renderer is untrusted.

export interface DesktopBridge {
  readonly isDesktop: true;
  readonly platform: 'darwin' | 'win32' | 'linux' | string;
  /** Opens an http(s) URL in the user's browser. */
  openExternal(url: string): Promise<void>;
  /** Shows a file or folder in the OS file manager. */
  revealPath(path: string): Promise<void>;
  /** Native folder picker; null when cancelled. */
  pickDirectory(title: string): Promise<string | null>;
}

declare global {
  interface Window {
    berthDesktop?: DesktopBridge;
  }
}
