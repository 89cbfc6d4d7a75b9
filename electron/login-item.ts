// Start Berth when the user logs in. macOS and Windows: Electron's login items
// (app.setLoginItemSettings). Linux, where Electron has none: an XDG autostart entry,
// `$XDG_CONFIG_HOME/autostart/dev.berth.app.desktop`
// (https://specifications.freedesktop.org/autostart-spec/latest/).
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The part of Electron's `app` used on macOS and Windows. */
export interface LoginItemApi {
  getLoginItemSettings(options?: { path?: string; args?: string[] }): { openAtLogin: boolean };
  setLoginItemSettings(settings: { openAtLogin: boolean; path?: string; args?: string[] }): void;
}

/** What the OS starts at login. */
export interface LaunchTarget {
  executable: string;
  args: string[];
}

export interface LaunchTargetInput {
  /** process.execPath: the app's binary, or the electron binary in a checkout. */
  execPath: string;
  /** app.getAppPath(); needed as the first argument when running as `electron .` (process.defaultApp). */
  appPath: string;
  defaultApp: boolean;
  /** $APPIMAGE: the AppImage file itself; execPath points inside its temporary mount. */
  appImage?: string | undefined;
  /** A data dir chosen with --data-dir/BERTH_HOME, so the login launch opens the same one. */
  customDataDir?: string | undefined;
}

export function launchTarget(input: LaunchTargetInput): LaunchTarget {
  const executable = input.appImage ?? input.execPath;
  const args: string[] = [];
  if (input.defaultApp && input.appImage === undefined) args.push(input.appPath);
  if (input.customDataDir !== undefined) args.push('--data-dir', input.customDataDir);
  return { executable, args };
}

export interface LaunchAtLogin {
  get(): Promise<boolean>;
  /** Resolves with the state in effect afterwards. */
  set(enabled: boolean): Promise<boolean>;
}

export const autostartFileName = 'dev.berth.app.desktop';

/**
 * One Exec argument, quoted per the Desktop Entry spec ("The Exec key"): inside double quotes,
 * `"`, `` ` ``, `$` and `\` take a backslash; then the string-value escape doubles every backslash
 * again; `%` is written `%%` so it is not read as a field code.
 */
export function desktopExecArg(arg: string): string {
  const quoted = `"${arg.replace(/[\\"`$]/g, (c) => `\\${c}`)}"`;
  return quoted.replace(/\\/g, '\\\\').replace(/%/g, '%%');
}

export function autostartEntry(target: LaunchTarget): string {
  const exec = [target.executable, ...target.args].map(desktopExecArg).join(' ');
  if (/[\r\n]/.test(exec)) throw new Error('the Berth executable path contains a line break; it cannot go into an autostart entry');
  return ['[Desktop Entry]', 'Type=Application', 'Name=Berth', 'Comment=Local web stack control panel', `Exec=${exec}`, 'Terminal=false', 'X-GNOME-Autostart-enabled=true', ''].join('\n');
}

/** The autostart folder: `$XDG_CONFIG_HOME/autostart`, default `~/.config/autostart`. */
export function autostartDir(env: NodeJS.ProcessEnv, home: string): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(home, '.config');
  return join(base, 'autostart');
}

export function createLaunchAtLogin(platform: NodeJS.Platform, target: LaunchTarget, api: LoginItemApi, linuxAutostartDir: string): LaunchAtLogin {
  if (platform === 'darwin' || platform === 'win32') {
    // Windows keys its Run entry by path and arguments: ask with the same ones that were set.
    const query = { path: target.executable, args: target.args };
    return {
      get: async () => api.getLoginItemSettings(query).openAtLogin,
      set: async (enabled) => {
        api.setLoginItemSettings({ openAtLogin: enabled, ...query });
        return api.getLoginItemSettings(query).openAtLogin;
      },
    };
  }
  const file = join(linuxAutostartDir, autostartFileName);
  const get = async (): Promise<boolean> => {
    try {
      const text = await readFile(file, 'utf8');
      // The spec's two ways to switch an entry off.
      return !/^Hidden\s*=\s*true\s*$/m.test(text) && !/^X-GNOME-Autostart-enabled\s*=\s*false\s*$/m.test(text);
    } catch {
      return false;
    }
  };
  return {
    get,
    set: async (enabled) => {
      if (enabled) {
        await mkdir(linuxAutostartDir, { recursive: true });
        await writeFile(`${file}.tmp`, autostartEntry(target), { mode: 0o644 });
        await rename(`${file}.tmp`, file);
      } else {
        await rm(file, { force: true });
      }
      return get();
    },
  };
}
