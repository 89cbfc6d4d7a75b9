// Start and stop the stack from the tray and the menus while the app keeps running. The admin port
// of the first start is reused by every later one, so the dashboard origin (which the IPC and
// session guards are bound to) never changes; if another program took it meanwhile, the start
// fails with the admin server's own message.
import type { SupervisorEvent } from '../server-core/contract/api.js';
import type { Stack } from '../server-core/stack.js';
import type { StackPhase } from './tray-state.js';

/** startStack() with everything but the admin port fixed by main.ts. */
export type StackStarter = (adminPort: number | undefined) => Promise<Stack>;

export class StackController {
  private current: Stack | null = null;
  private phaseNow: StackPhase = 'stopped';
  private pinnedPort: number | undefined;
  private pending: Promise<unknown> = Promise.resolve();
  private unsubscribe: (() => void) | null = null;
  private readonly changeListeners = new Set<() => void>();
  private readonly eventListeners = new Set<(event: SupervisorEvent) => void>();

  constructor(
    private readonly starter: StackStarter,
    firstAdminPort?: number,
  ) {
    this.pinnedPort = firstAdminPort;
  }

  get phase(): StackPhase {
    return this.phaseNow;
  }

  /** The running stack, or null while stopped, starting or stopping. */
  get stack(): Stack | null {
    return this.phaseNow === 'running' ? this.current : null;
  }

  /** Called after every phase change. */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Events of whichever stack runs, across restarts. */
  onEvent(listener: (event: SupervisorEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** Starts the stack unless it runs; calls queue behind each other. Rejects with the start error. */
  start(): Promise<Stack> {
    return this.enqueue(async () => {
      if (this.current) return this.current;
      this.setPhase('starting');
      try {
        const stack = await this.starter(this.pinnedPort);
        this.pinnedPort = Number(new URL(stack.adminUrl).port);
        this.current = stack;
        this.unsubscribe = stack.onEvent((event) => {
          for (const l of this.eventListeners) l(event);
        });
        this.setPhase('running');
        return stack;
      } catch (err) {
        this.setPhase('stopped');
        throw err;
      }
    });
  }

  /** Stops the stack if one runs or is starting; resolves once every child is gone. */
  stop(): Promise<void> {
    return this.enqueue(async () => {
      const stack = this.current;
      if (!stack) return;
      this.setPhase('stopping');
      this.unsubscribe?.();
      this.unsubscribe = null;
      try {
        await stack.stop();
      } finally {
        this.current = null;
        this.setPhase('stopped');
      }
    });
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.pending.then(task, task);
    this.pending = run.catch(() => undefined);
    return run;
  }

  private setPhase(phase: StackPhase): void {
    this.phaseNow = phase;
    for (const l of this.changeListeners) l();
  }
}
