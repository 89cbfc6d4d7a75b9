// The app server child: master of the user's app processes (uWSGI-style). Runs each app of the
// config by runtime (runtimes/), answers the supervisor's apps.* requests, and publishes where
// the running apps listen (topic `apps-updated`), which the stack forwards to the proxy workers.
import type { SupervisorToChild } from '../contract/ipc.js';
import { errorMessage } from '../errors.js';
import { answerRequest, type RequestHandlers } from '../supervisor/child-rpc.js';
import { openParentChannel } from '../supervisor/parent-channel.js';
import { AppManager } from './app-manager.js';

const channel = openParentChannel();
const manager = new AppManager({
  publish: (routes) => channel.send({ type: 'publish', topic: 'apps-updated', data: routes }),
  publishLogs: (batch) => channel.send({ type: 'publish', topic: 'log-lines', data: batch }),
  onChange: () => scheduleDetail(),
  onOrphansReaped: (pgids) =>
    channel.send({ type: 'log', level: 'warn', message: `killed ${pgids.length} app process group(s) an earlier app server left running (its watchdog died with it): ${pgids.join(', ')}` }),
});
let queue: Promise<void> = Promise.resolve();
let stopping = false;

let detailTimer: NodeJS.Timeout | null = null;
function scheduleDetail(): void {
  if (detailTimer) return;
  detailTimer = setTimeout(() => {
    detailTimer = null;
    channel.send({ type: 'detail', detail: manager.counts() });
  }, 100);
}

function idOf(params: unknown): string {
  const id = (params as { id?: unknown } | null)?.id;
  if (typeof id !== 'string' || id === '') throw Object.assign(new Error('params.id (the app id) is required'), { code: 'BERTH_ERR_BAD_REQUEST' });
  return id;
}

const handlers: RequestHandlers = {
  'apps.list': () => manager.list(),
  'apps.routes': () => manager.currentRoutes(),
  'apps.start': (p) => manager.start(idOf(p)),
  'apps.stop': (p) => manager.stop(idOf(p)),
  'apps.restart': (p) => manager.restart(idOf(p)),
  'apps.reload': (p) => manager.reload(idOf(p)),
  'apps.logs': (p) => {
    const lines = (p as { lines?: unknown } | null)?.lines;
    return manager.logs(idOf(p), typeof lines === 'number' && lines > 0 ? Math.min(lines, 500) : 100);
  },
};

function enqueue(job: () => Promise<void>): void {
  queue = queue.then(job).catch((e: unknown) => channel.send({ type: 'log', level: 'error', message: `app server: ${errorMessage(e)}` }));
}

channel.onMessage((message: SupervisorToChild) => {
  switch (message.type) {
    case 'init':
      // Ready at once: apps start in the background and never hold the stack up.
      channel.send({ type: 'ready', detail: { apps: message.config.apps.length, running: 0, failed: 0, configVersion: message.configVersion } });
      enqueue(() => manager.apply(message.config, message.runtime));
      break;
    case 'config':
      enqueue(async () => {
        await manager.apply(message.config, message.runtime);
        channel.send({ type: 'config-applied', configVersion: message.configVersion });
      });
      break;
    case 'request':
      // Requests do not wait behind a config apply (a slow app start must not block apps.list).
      void answerRequest(channel, message, handlers);
      break;
    case 'notify':
      break;
    case 'shutdown':
      if (stopping) return;
      stopping = true;
      void manager.shutdown().finally(() => process.exit(0));
      break;
  }
});

channel.onDisconnect(() => {
  // The supervisor is gone: take the apps down with us, now.
  manager.killAll();
  process.exit(0);
});
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  void manager.shutdown().finally(() => process.exit(0));
});
process.on('exit', () => manager.killAll());
process.on('uncaughtException', (e) => {
  console.error(`berth appserver: ${e.stack ?? e.message}`);
  manager.killAll();
  process.exit(1);
});
