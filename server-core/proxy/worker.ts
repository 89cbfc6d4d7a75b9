// Proxy child process entry. Started by the supervisor through the ChildLauncher; speaks the
// messages in contract/ipc.ts. Exit codes: 0 after shutdown or when the supervisor is gone,
// 1 on a bug (the supervisor restarts us), 78 (sysexits EX_CONFIG) after a `fatal` message:
// restarting cannot help until the user changes something (a port in use, a port denied).
import type { ChildToSupervisor, SupervisorToChild } from '../contract/ipc.js';
import { errorMessage, isBerthError } from '../errors.js';
import { answerRequest } from '../supervisor/child-rpc.js';
import { openParentChannel } from '../supervisor/parent-channel.js';
import { ParentRpc } from '../supervisor/parent-rpc.js';
import { AccessPhase } from './access/access-phase.js';
import { SHARED_RATE_LIMIT_ARG, SharedRateLimits } from './access/shared-rate-limits.js';
import { startMetricsPublisher, type MetricsPublisher } from './metrics.js';
import { LogTail } from './log-tail.js';
import { ProxyServer } from './proxy-server.js';
import { ReceivedHandles } from './shared-handles.js';
import { followAppBackends } from './app-protocols/wire.js';

const EXIT_FATAL = 78;
/** Longest wait for in-flight requests on shutdown before their sockets are cut. */
const SHUTDOWN_GRACE_MS = 5000;

const channel = openParentChannel();
/** Our requests to the supervisor (the shared limit_req zone). */
const rpc = new ParentRpc((message) => channel.send(message));
const warn = (message: string): void => channel.send({ type: 'log', level: 'warn', message });
const proxy = new ProxyServer({
  warn,
  // Several workers: limit_req buckets in the supervisor, one zone for all (access/shared-rate-limits.ts).
  access: process.argv.includes(SHARED_RATE_LIMIT_ARG) ? new AccessPhase({ limiter: new SharedRateLimits({ call: (m, p, t) => rpc.call(m, p, t), warn }) }) : undefined,
  // Several workers share the listening sockets: passed by the supervisor (headless), or each
  // worker binds with SO_REUSEPORT (`--reuse-port`, Electron on Node ≥ 22.12).
  handles: typeof process.send === 'function' ? ReceivedHandles.fromParent() : undefined,
  reusePort: process.argv.includes('--reuse-port'),
});
let started = false;
/** Ships the per-second metrics once the proxy serves. */
let metrics: MetricsPublisher | null = null;
let stopping = false;
let queue: Promise<void> = Promise.resolve();

function crash(e: unknown): never {
  console.error(`berth proxy: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  proxy.flushLogsSync();
  process.exit(1);
}

process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);
// Ctrl-C in a terminal signals the whole process group; the supervisor decides when we stop.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => enqueue({ type: 'shutdown' }));

channel.onDisconnect(() => {
  // The supervisor is gone: leave at once rather than serve as an orphan.
  proxy.flushLogsSync();
  process.exit(0);
});
// Answers to our own requests skip the queue: a rate-limited request must not wait for a config swap.
channel.onMessage((message) => (message.type === 'response' ? rpc.handleResponse(message) : enqueue(message)));
followAppBackends(channel);

/** Messages are handled one at a time, so a config swap never overlaps start-up or shutdown. */
function enqueue(message: SupervisorToChild): void {
  queue = queue.then(() => handle(message)).catch(crash);
}

async function handle(message: SupervisorToChild): Promise<void> {
  if (stopping) return;
  switch (message.type) {
    case 'init': {
      if (started) return;
      try {
        const detail = await proxy.start(message.runtime, message.config, message.configVersion);
        started = true;
        metrics = startMetricsPublisher((data) => channel.send({ type: 'publish', topic: 'metrics', data }));
        proxy.onLogLine(new LogTail((data) => channel.send({ type: 'publish', topic: 'log-lines', data })).push);
        channel.send({ type: 'ready', detail: { ...detail } });
      } catch (e) {
        if (!isBerthError(e)) throw e;
        await sendThenExit({ type: 'fatal', code: e.code, message: e.message }, EXIT_FATAL);
      }
      return;
    }
    case 'config': {
      if (!started) {
        channel.send({ type: 'config-rejected', configVersion: message.configVersion, message: 'the proxy has not started yet (no init received)' });
        return;
      }
      try {
        const detail = await proxy.reconfigure(message.runtime, message.config, message.configVersion);
        channel.send({ type: 'config-applied', configVersion: message.configVersion });
        channel.send({ type: 'detail', detail: { ...detail } });
      } catch (e) {
        if (!isBerthError(e)) console.error(`berth proxy: config ${message.configVersion} failed: ${e instanceof Error ? e.stack : String(e)}`);
        channel.send({ type: 'config-rejected', configVersion: message.configVersion, message: errorMessage(e) });
      }
      return;
    }
    case 'notify': {
      // The cert service changed certificates: new handshakes use them, ones in flight finish.
      if (message.topic === 'certs-updated') await proxy.certificatesChanged();
      // Shared by all workers, so a session ticket from one resumes on another.
      else if (message.topic === 'tls-ticket-keys' && typeof message.data === 'string') proxy.setTicketKeys(Buffer.from(message.data, 'base64'));
      return;
    }
    case 'request': {
      // Answered at once (not after a slow config swap): the state is read, nothing changes.
      await answerRequest(channel, message, { 'upstreams.state': () => ({ upstreams: proxy.upstreamState() }) });
      return;
    }
    case 'shutdown': {
      stopping = true;
      await proxy.stop(SHUTDOWN_GRACE_MS);
      metrics?.stop();
      process.exit(0);
    }
  }
}

/** process.exit right after process.send can drop the message; wait for it to be written. */
function sendThenExit(message: ChildToSupervisor, code: number): Promise<never> {
  proxy.flushLogsSync();
  return new Promise<never>(() => {
    const exit = () => process.exit(code);
    if (typeof process.send === 'function' && process.connected) {
      process.send(message, undefined, {}, exit);
      // If the channel never confirms, do not hang.
      setTimeout(exit, 1000);
    } else {
      channel.send(message);
      setImmediate(exit);
    }
  });
}
