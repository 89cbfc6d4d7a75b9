// The desktop half of "install the local CA" for stores that need administrator rights. The page
// names a store; main asks the admin API (the certificate module) which commands install it, and
// runs exactly those through the OS elevation prompt (elevate.ts). The page never supplies a command.
import type { TrustStatusResponse, TrustStoreStatus } from '../server-core/contract/certs.js';
import type { DesktopTrustResult } from '../server-core/contract/desktop.js';
import { checkCommands, runElevated } from './elevate.js';
import type { CommandRunner } from './elevate.js';

export interface AdminAccess {
  /** `http://127.0.0.1:PORT` of the running stack. */
  adminUrl: string;
  token: string;
}

/** The trust doctor's answer; it runs each store's check commands, so allow it some seconds. */
const statusTimeoutMs = 30_000;
export const trustStatusPath = '/api/v1/certs/trust';

export class TrustInstallError extends Error {
  readonly code = 'BERTH_ERR_TRUST_INSTALL';
}

/** The store's entry from `GET /api/v1/certs/trust`, checked for the fields used here. */
export async function fetchStoreStatus(admin: AdminAccess, store: string, fetchImpl: typeof fetch = fetch): Promise<TrustStoreStatus> {
  let res: Response;
  try {
    res = await fetchImpl(new URL(trustStatusPath, admin.adminUrl), {
      headers: { authorization: `Bearer ${admin.token}`, accept: 'application/json' },
      signal: AbortSignal.timeout(statusTimeoutMs),
    });
  } catch (err) {
    throw new TrustInstallError(`could not ask Berth's certificate service for the trust commands: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new TrustInstallError(`Berth's certificate service answered ${res.status}: ${body?.error?.message ?? res.statusText}`);
  }
  const body = (await res.json().catch(() => null)) as Partial<TrustStatusResponse> | null;
  if (!body || !Array.isArray(body.stores)) throw new TrustInstallError("Berth's certificate service sent no trust store list");
  const entry = body.stores.find((s) => s && typeof s === 'object' && s.id === store);
  if (!entry) throw new TrustInstallError(`there is no trust store "${store}" on this computer`);
  return entry;
}

export async function installTrustStore(
  admin: AdminAccess,
  store: string,
  deps: { runner: CommandRunner; platform?: NodeJS.Platform; fetchImpl?: typeof fetch },
): Promise<DesktopTrustResult> {
  const status = await fetchStoreStatus(admin, store, deps.fetchImpl);
  if (status.state === 'trusted') return { store, commands: [], outcome: 'installed', output: 'the local CA is already trusted there' };
  if (status.state === 'unavailable') return { store, commands: [], outcome: 'failed', output: status.detail };
  if (!Array.isArray(status.install) || status.install.length === 0) {
    return { store, commands: [], outcome: 'failed', output: `no install commands for ${status.label}` };
  }
  const commands = checkCommands(status.install.map((c) => c?.argv));
  const result = await runElevated(commands, deps.runner, deps.platform);
  return { store, commands, ...result };
}
