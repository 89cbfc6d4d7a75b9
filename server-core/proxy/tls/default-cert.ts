// The PEM files of a site's certificate, for TLS handshakes that name no server (no SNI).
import { readFile } from 'node:fs/promises';
import { certFiles, certIdForSite } from '../../certs/layout.js';
import type { Site } from '../../config/schema.js';

export async function readDefaultCertificate(certsDir: string, site: Site): Promise<{ cert: string; key: string } | null> {
  const id = certIdForSite(site);
  if (!id) return null;
  const f = certFiles(certsDir, id);
  try {
    const [cert, key] = await Promise.all([readFile(f.fullchain, 'utf8'), readFile(f.key, 'utf8')]);
    return { cert, key };
  } catch {
    // Not issued yet: the cert service publishes certs-updated when it is.
    return null;
  }
}
