// Entry of the cert service child. The supervisor forks it and drives it over the parent channel:
//   init     → create or load the local CA under <dataDir>/certs, issue the sites' `auto` leaves,
//              start the renewal timer, then `ready` with the CA's public facts
//   config   → re-issue / remove `auto` leaves to match, then `config-applied`
//   request  → list / issue / import / export / delete certificates, CA info, trust (rpc.ts)
//   shutdown → exit 0; supervisor gone → exit
// After any change it publishes `certs-updated` (the stack forwards it to the proxy workers).
// Key material never leaves this process through a message or a log line.
import type { BerthConfig } from '../config/schema.js';
import type { CaSummary, CertsUpdated } from '../contract/certs.js';
import type { ChildToSupervisor, SupervisorToChild } from '../contract/ipc.js';
import { errorMessage, isBerthError } from '../errors.js';
import { dataPaths } from '../paths.js';
import { answerRequest } from '../supervisor/child-rpc.js';
import type { ParentChannel } from '../supervisor/parent-channel.js';
import { openParentChannel } from '../supervisor/parent-channel.js';
import { CertService } from './cert-service.js';
import { certRpcHandlers } from './rpc.js';

/** The `detail` of this child's `ready` message (shown in the status API). */
export interface CertsReadyDetail {
  ca: CaSummary;
  /** Certificates in the index. */
  leaves: number;
}

const channel: ParentChannel = openParentChannel();
let service: CertService | null = null;
let ready: Promise<void> | null = null;

function send(message: ChildToSupervisor): void {
  channel.send(message);
}

/**
 * Exits once queued messages are written: with the IPC channel unreferenced, Node ends the
 * process as soon as nothing is pending. The timer covers Electron's parentPort, which has no unref.
 */
function exitAfterFlush(code: number): void {
  process.exitCode = code;
  process.channel?.unref();
  setTimeout(() => process.exit(code), 1000).unref();
}

async function start(dataDir: string, config: BerthConfig): Promise<void> {
  const s = new CertService({
    certsDir: dataPaths(dataDir).certsDir,
    onUpdated: (update: CertsUpdated) => send({ type: 'publish', topic: 'certs-updated', data: update }),
    log: (level, message) => send({ type: 'log', level, message }),
  });
  try {
    const ca = await s.start(config);
    service = s;
    const detail: CertsReadyDetail = { ca, leaves: (await s.store.list()).length };
    send({ type: 'ready', detail: { ...detail } });
  } catch (e) {
    // errorMessage() carries no key bytes: the CA code never puts them into errors.
    const hint = isBerthError(e) && e.hint ? ` (${e.hint})` : '';
    send({ type: 'log', level: 'error', message: `local CA: ${errorMessage(e)}${hint}` });
    // A broken CA folder stays broken across restarts: tell the supervisor not to retry.
    if (isBerthError(e, 'BERTH_ERR_CA_INVALID')) send({ type: 'fatal', code: e.code, message: e.message });
    exitAfterFlush(1);
  }
}

async function applyConfig(configVersion: number, config: BerthConfig): Promise<void> {
  await ready;
  if (service) await service.applyConfig(config);
  send({ type: 'config-applied', configVersion });
}

channel.onMessage((message: SupervisorToChild) => {
  switch (message.type) {
    case 'init':
      if (ready) return;
      ready = start(message.runtime.dataDir, message.config);
      return;
    case 'config':
      void applyConfig(message.configVersion, message.config);
      return;
    case 'request':
      void (async () => {
        await ready;
        if (!service) {
          send({ type: 'response', id: message.id, error: { code: 'BERTH_ERR_CHILD_UNAVAILABLE', message: 'the cert service could not load the local CA' } });
          return;
        }
        await answerRequest(channel, message, certRpcHandlers(service));
      })();
      return;
    case 'notify':
      return;
    case 'shutdown':
      service?.stop();
      process.exit(0);
  }
});

channel.onDisconnect(() => process.exit(0));
