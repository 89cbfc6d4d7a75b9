// The child's side of the supervisor link. Works in a `child_process.fork` child (process.send)
// and in an Electron utility process (process.parentPort), without importing electron.
import type { ChildToSupervisor, SupervisorToChild } from '../contract/ipc.js';

export interface ParentChannel {
  send(message: ChildToSupervisor): void;
  onMessage(listener: (message: SupervisorToChild) => void): void;
  /** Called when the supervisor is gone (its end of the channel closed): the child must exit. */
  onDisconnect(listener: () => void): void;
}

/** Shape of Electron's `process.parentPort` that we rely on (typed here so server-core stays electron-free). */
interface ParentPortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
}

export function openParentChannel(): ParentChannel {
  const parentPort = (process as unknown as { parentPort?: ParentPortLike }).parentPort;
  if (parentPort) {
    return {
      send: (message) => parentPort.postMessage(message),
      onMessage: (listener) => parentPort.on('message', (e) => listener(e.data as SupervisorToChild)),
      // Electron ends utility processes together with the main process.
      onDisconnect: () => undefined,
    };
  }
  if (typeof process.send !== 'function') {
    throw new Error('this module is a Berth child process: start it through `berth serve`, not directly');
  }
  return {
    send: (message) => {
      if (process.connected) process.send?.(message);
    },
    onMessage: (listener) => process.on('message', (m) => listener(m as SupervisorToChild)),
    onDisconnect: (listener) => process.once('disconnect', listener),
  };
}
