// Listening sockets the supervisor bound once and passed to every proxy worker (headless mode,
// supervisor/listener-owner.ts). They arrive as `listen-handle` messages with the socket attached;
// the listener set takes one when it opens that address and port, and accepts on it itself, so
// no process sits between the kernel's accept queue and the worker (cluster's round-robin would
// add 125–175 µs per new connection, docs PERFORMANCE.md).
import type { HandleSource } from './listeners.js';

interface ClosableHandle {
  close?(): void;
}

export class ReceivedHandles implements HandleSource {
  private readonly handles = new Map<string, object>();

  /** Starts listening for handles on this process's IPC channel (child_process only; Electron's utility processes get none). */
  static fromParent(): ReceivedHandles {
    const received = new ReceivedHandles();
    process.on('message', (message: unknown, handle: unknown) => {
      const m = message as { type?: string; address?: string; configPort?: number } | null;
      if (m?.type !== 'listen-handle' || typeof m.address !== 'string' || typeof m.configPort !== 'number') return;
      if (handle && typeof handle === 'object') received.add(m.address, m.configPort, handle);
    });
    return received;
  }

  add(address: string, configPort: number, handle: object): void {
    const key = `${address}|${configPort}`;
    // A newer socket for the same address and port replaces one never taken.
    (this.handles.get(key) as ClosableHandle | undefined)?.close?.();
    this.handles.set(key, handle);
  }

  take(address: string, configPort: number): object | null {
    const key = `${address}|${configPort}`;
    const handle = this.handles.get(key) ?? null;
    this.handles.delete(key);
    return handle;
  }
}
