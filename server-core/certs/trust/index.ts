// The trust stores, registered by id. `storesFor` gives the ones that exist on a platform.
import { createHash, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { TrustStoreId } from '../../contract/certs.js';
import { BerthError } from '../../errors.js';
import { fingerprintSha256 } from '../fingerprint.js';
import { FirefoxStore } from './firefox.js';
import { LinuxSystemStore } from './linux-system.js';
import { MacKeychainStore } from './macos.js';
import { ChromiumNssStore } from './nss.js';
import type { TrustCa, TrustEnv, TrustStore } from './types.js';
import { WindowsRootStore } from './windows.js';

export const TRUST_STORE_IDS: readonly TrustStoreId[] = ['system', 'nss', 'firefox', 'keychain', 'windows'];

export function allTrustStores(env: TrustEnv): TrustStore[] {
  return [new LinuxSystemStore(env), new ChromiumNssStore(env), new FirefoxStore(env), new MacKeychainStore(env), new WindowsRootStore(env)];
}

export function storesFor(env: TrustEnv, ids?: readonly string[]): TrustStore[] {
  const all = allTrustStores(env);
  if (!ids || ids.length === 0) return all.filter((s) => s.appliesTo(env.platform));
  return ids.map((id) => {
    const store = all.find((s) => s.id === id);
    if (!store) throw new BerthError('BERTH_ERR_TRUST_STORE', `unknown trust store "${id}": use ${TRUST_STORE_IDS.join(', ')}`);
    if (!store.appliesTo(env.platform)) {
      throw new BerthError('BERTH_ERR_TRUST_STORE', `the ${store.label} does not exist on ${env.platform}; stores here: ${all.filter((s) => s.appliesTo(env.platform)).map((s) => s.id).join(', ')}`);
    }
    return store;
  });
}

/** The CA file as the stores need it. */
export async function trustCaFromFile(certPath: string): Promise<TrustCa> {
  const certPem = await readFile(certPath, 'utf8');
  const cert = new X509Certificate(certPem);
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1] ?? cert.subject;
  return {
    certPath,
    certPem,
    fingerprintSha256: fingerprintSha256(cert.raw),
    sha1: createHash('sha1').update(cert.raw).digest('hex'),
    serialNumber: cert.serialNumber.toLowerCase(),
    commonName: cn,
  };
}
