// IPC channel names of the desktop bridge (server-core/contract/desktop.ts), one per call.
// The sandboxed preload cannot require local modules, so electron/preload.cts repeats these
// strings literally; electron/preload.spec.ts runs the built preload and checks
// that it invokes exactly the channels main handles.
import type { DesktopBridge } from '../server-core/contract/desktop.js';

/** The DesktopBridge members that are calls into main (the rest are plain values). */
export type BridgeCall = { [K in keyof DesktopBridge]: DesktopBridge[K] extends (...args: never[]) => unknown ? K : never }[keyof DesktopBridge];

export const desktopChannels = {
  openExternal: 'berth:desktop:open-external',
  revealPath: 'berth:desktop:reveal-path',
  pickDirectory: 'berth:desktop:pick-directory',
  pickFile: 'berth:desktop:pick-file',
  getLaunchAtLogin: 'berth:desktop:get-launch-at-login',
  setLaunchAtLogin: 'berth:desktop:set-launch-at-login',
  installTrust: 'berth:desktop:install-trust',
} as const satisfies Record<BridgeCall, string>;
