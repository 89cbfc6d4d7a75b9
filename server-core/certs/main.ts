// Entry of the cert service child. The supervisor forks it and drives it over the parent channel:
//   init     → create or load the local CA under <dataDir>/certs, then `ready` with its public facts
//   config   → `config-applied` (certificates in the config arrive with the certificates issue)
//   shutdown → exit 0; supervisor gone → exit
// Key material never leaves this process through a message or a log line.
import { errorMessage, isBerthError } from '../errors.js';
import { dataPaths } from '../paths.js';
import type { ChildToSupervisor, SupervisorToChild } from '../contract/ipc.js';
import type { ParentChannel } from '../supervisor/parent-channel.js';
import { openParentChannel } from '../supervisor/parent-channel.js';
import type { CaInfo } from './ca.js';
import { ensureLocalCa } from './ca.js';
import { countLeaves } from './leaf-files.js';

/** The `detail` of this child's `ready` message (shown in the status API). */
export interface CertsReadyDetail {
  ca: CaInfo;
  /** Leaf certificates on disk. */
  leaves: number;
}

const channel: ParentChannel = openParentChannel();
let started = false;

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

async function start(dataDir: string): Promise<void> {
  const certsDir = dataPaths(dataDir).certsDir;
  try {
    const ca = await ensureLocalCa(certsDir);
    const leaves = await countLeaves(certsDir);
    const detail: CertsReadyDetail = { ca, leaves };
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

channel.onMessage((message: SupervisorToChild) => {
  switch (message.type) {
    case 'init':
      if (started) return;
      started = true;
      void start(message.runtime.dataDir);
      return;
    case 'config':
      send({ type: 'config-applied', configVersion: message.configVersion });
      return;
    case 'shutdown':
      process.exit(0);
  }
});

channel.onDisconnect(() => process.exit(0));
