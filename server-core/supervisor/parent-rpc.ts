// The child's side of child → supervisor requests (the mirror of child-rpc.ts): `call` sends a
// `request` with a fresh id, `handleResponse` settles it. Each call has a timeout, so a busy or
// gone supervisor never leaves a request waiting forever; the caller chooses what a failure means.
import type { ChildToSupervisor, SupervisorToChild } from '../contract/ipc.js';
import { BerthError } from '../errors.js';

type ResponseMessage = Extract<SupervisorToChild, { type: 'response' }>;

interface Pending {
  resolve: (result: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class ParentRpc {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly send: (message: ChildToSupervisor) => void) {}

  get inFlight(): number {
    return this.pending.size;
  }

  call(method: string, params: unknown, timeoutMs: number): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new BerthError('BERTH_ERR_SUPERVISOR_TIMEOUT', `the supervisor did not answer ${method} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      try {
        this.send({ type: 'request', id, method, params });
      } catch (e) {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  /** A `response` from the supervisor; unknown ids (answers that came after their timeout) are dropped. */
  handleResponse(message: ResponseMessage): void {
    const waiter = this.pending.get(message.id);
    if (!waiter) return;
    this.pending.delete(message.id);
    clearTimeout(waiter.timer);
    if (message.error) waiter.reject(new BerthError(message.error.code, message.error.message));
    else waiter.resolve(message.result);
  }
}
