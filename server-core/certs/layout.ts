// The certificate index on disk, shared by the cert service (writes) and the proxy's SNI store
// (reads). No X.509 library here: proxy workers import this module and stay light.
//
//   <certsDir>/store/<id>/cert.pem       the leaf
//                         chain.pem      the certificates above it (may be empty)
//                         fullchain.pem  cert + chain: what a TLS server sends (nginx `ssl_certificate`)
//                         key.pem        PKCS#8 private key, mode 0600
//                         meta.json      the CertRecord (contract/certs.ts)
//
// A certificate is replaced by writing a new folder beside it and renaming it into place, so a
// reader sees the old files or the new ones, never a mix. `meta.json` is written last.
import { join } from 'node:path';

export const CERT_ID_PATTERN = /^[a-z0-9][a-z0-9.-]{0,99}$/;
export const AUTO_PREFIX = 'auto-';
/** Ids that would collide with the fixed paths under /api/v1/certs. */
export const RESERVED_IDS: ReadonlySet<string> = new Set(['ca', 'ca.pem', 'trust', 'import']);

export function storeDir(certsDir: string): string {
  return join(certsDir, 'store');
}

export function certFiles(certsDir: string, id: string) {
  const dir = join(storeDir(certsDir), id);
  return {
    dir,
    cert: join(dir, 'cert.pem'),
    chain: join(dir, 'chain.pem'),
    fullchain: join(dir, 'fullchain.pem'),
    key: join(dir, 'key.pem'),
    meta: join(dir, 'meta.json'),
  };
}

/** The id of the leaf the cert service keeps for a site whose TLS is `auto`. */
export function autoCertId(siteId: string): string {
  return `${AUTO_PREFIX}${siteId}`;
}

/** The certificate id a site's TLS uses, or null when the site has no TLS block. */
export function certIdForSite(site: { id: string; tls?: { certificate: string } | undefined }): string | null {
  if (!site.tls) return null;
  return site.tls.certificate === 'auto' ? autoCertId(site.id) : site.tls.certificate;
}

/**
 * An id for a certificate named by `name` (its first SAN): lower-case, `*.` becomes `wildcard.`,
 * other characters outside the id alphabet become `-`. `auto-` is reserved for auto leaves.
 */
export function idFromName(name: string): string {
  let id = name
    .toLowerCase()
    .replace(/^\*\./, 'wildcard.')
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 90)
    .replace(/[.-]+$/, '');
  if (id === '') id = 'cert';
  if (id.startsWith(AUTO_PREFIX) || RESERVED_IDS.has(id)) id = `cert-${id}`;
  return id;
}
