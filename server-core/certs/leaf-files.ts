// Leaf files on disk: `<certsDir>/leaves/<name>.crt.pem` (leaf + chain) and `<name>.key.pem` (0600).
// The certificate index that tracks them arrives with the certificates issue; until then the files
// themselves are the record.
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IssuedLeaf } from './leaf.js';

export function leavesDir(certsDir: string): string {
  return join(certsDir, 'leaves');
}

/**
 * File base name for a leaf, mkcert style: the first name, plus `+N` for N more names.
 * `*` and `:` are not allowed in Windows file names.
 */
export function leafFileBase(names: readonly string[]): string {
  const first = (names[0] ?? 'unnamed').replace(/^\*\./, '_wildcard.').replace(/:/g, '_');
  return names.length > 1 ? `${first}+${names.length - 1}` : first;
}

/** Writes the leaf's files (replacing earlier ones of the same name) and returns their paths. */
export async function saveLeaf(certsDir: string, leaf: IssuedLeaf): Promise<{ certPath: string; keyPath: string }> {
  const dir = leavesDir(certsDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const base = leafFileBase(leaf.info.names);
  const certPath = join(dir, `${base}.crt.pem`);
  const keyPath = join(dir, `${base}.key.pem`);
  // Write beside, then rename: a reader never sees a half-written file or a key from another issue.
  const tmpKey = `${keyPath}.${process.pid}.tmp`;
  const tmpCert = `${certPath}.${process.pid}.tmp`;
  try {
    // 'wx' after clearing leftovers: the mode applies only to a file this call creates.
    await rm(tmpKey, { force: true });
    await rm(tmpCert, { force: true });
    await writeFile(tmpKey, leaf.keyPem, { mode: 0o600, flag: 'wx' });
    await writeFile(tmpCert, leaf.certPem + leaf.chainPem, { mode: 0o644, flag: 'wx' });
    await rename(tmpKey, keyPath);
    await rename(tmpCert, certPath);
  } finally {
    await rm(tmpKey, { force: true });
    await rm(tmpCert, { force: true });
  }
  return { certPath, keyPath };
}

/** Number of leaf certificates on disk (0 when none were issued yet). */
export async function countLeaves(certsDir: string): Promise<number> {
  try {
    return (await readdir(leavesDir(certsDir))).filter((f) => f.endsWith('.crt.pem')).length;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw e;
  }
}
