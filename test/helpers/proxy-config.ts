// PUT /config (and an import, an app apply) answers once the new version is stored and sent to the
// proxy workers, not once they switched to it: a request sent right after may still meet the old
// config (or a port not bound yet). Tests that send traffic after an apply wait for this first.
import { waitFor, type BerthProcess } from './berth-process.js';

/** Waits until every proxy worker reports `version` (default: the running config's) as applied. */
export async function waitForProxyConfig(berth: BerthProcess, version?: number, timeoutMs = 15_000): Promise<number> {
  const want = version ?? (await berth.status()).config.version;
  await waitFor(
    `the proxy workers to apply config version ${want}`,
    async () => {
      const proxies = (await berth.status()).children.filter((c) => c.role === 'proxy');
      return proxies.length > 0 && proxies.every((c) => typeof c.detail.configVersion === 'number' && c.detail.configVersion >= want) ? true : undefined;
    },
    timeoutMs,
    50,
  );
  return want;
}
