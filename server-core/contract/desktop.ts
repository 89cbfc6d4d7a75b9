// The API the Electron preload exposes to the dashboard as `window.berthDesktop` (absent in a browser).
// Types only. Main validates every argument again: the renderer is untrusted.

/** A file-type filter of the native open dialog (Electron's FileFilter): extensions without the dot, `*` for any. */
export interface DesktopFileFilter {
  name: string;
  extensions: string[];
}

/** What a trust-store install through the OS elevation prompt did. */
export interface DesktopTrustResult {
  store: string;
  /** The commands main ran, as argv lists (shown to the user). */
  commands: string[][];
  /** `cancelled`: the user dismissed the OS password prompt; nothing ran. */
  outcome: 'installed' | 'cancelled' | 'failed';
  /** The last lines of output, for a failure. */
  output: string;
}

export interface DesktopBridge {
  readonly isDesktop: true;
  readonly platform: 'darwin' | 'win32' | 'linux' | string;
  /** Opens an http(s) URL in the user's browser. */
  openExternal(url: string): Promise<void>;
  /** Shows a file or folder in the OS file manager. */
  revealPath(path: string): Promise<void>;
  /** Native folder picker; null when cancelled. */
  pickDirectory(title: string): Promise<string | null>;
  /** Native file picker for one existing file (e.g. an nginx config to import); null when cancelled. */
  pickFile(title: string, filters: DesktopFileFilter[]): Promise<string | null>;
  /** Whether Berth starts when the user logs in. */
  getLaunchAtLogin(): Promise<boolean>;
  /** Turns start-at-login on or off; resolves with the state now in effect. */
  setLaunchAtLogin(enabled: boolean): Promise<boolean>;
  /**
   * Installs the local CA into a trust store that needs administrator rights, through the OS
   * prompt. Takes the store id only: main asks the admin API for that store's commands itself.
   */
  installTrust(store: string): Promise<DesktopTrustResult>;
}

declare global {
  interface Window {
    berthDesktop?: DesktopBridge;
  }
}
