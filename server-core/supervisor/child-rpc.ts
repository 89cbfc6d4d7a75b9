// The child's side of supervisor → child requests: look up the method, run it, answer with a
// `response` carrying the same id. Errors travel as a stable code and a message, never a stack.
import type { SupervisorToChild } from '../contract/ipc.js';
import type { ParentChannel } from './parent-channel.js';

export type RequestHandlers = Record<string, (params: unknown) => unknown>;

type RequestMessage = Extract<SupervisorToChild, { type: 'request' }>;

export async function answerRequest(channel: ParentChannel, message: RequestMessage, handlers: RequestHandlers): Promise<void> {
  const handler = Object.hasOwn(handlers, message.method) ? handlers[message.method] : undefined;
  if (!handler) {
    channel.send({ type: 'response', id: message.id, error: { code: 'BERTH_ERR_UNKNOWN_METHOD', message: `no method '${message.method}' in this child` } });
    return;
  }
  try {
    const result = await handler(message.params);
    channel.send({ type: 'response', id: message.id, result });
  } catch (e) {
    const code = typeof (e as { code?: unknown }).code === 'string' ? ((e as { code: string }).code) : 'BERTH_ERR_INTERNAL';
    channel.send({ type: 'response', id: message.id, error: { code, message: e instanceof Error ? e.message : String(e) } });
  }
}
