// Test helper: runs the real openssl CLI (the peer our certificates must satisfy).
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface OpensslResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function openssl(args: readonly string[]): Promise<OpensslResult> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { timeout: 20_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(error);
        return;
      }
      resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
    });
  });
}

/** `openssl verify -x509_strict -purpose sslserver -CAfile <ca> <leaf>` on PEM strings. */
export async function opensslVerify(caPem: string, leafPem: string): Promise<OpensslResult> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-verify-'));
  try {
    await writeFile(join(dir, 'ca.pem'), caPem);
    await writeFile(join(dir, 'leaf.pem'), leafPem);
    return await openssl(['verify', '-x509_strict', '-purpose', 'sslserver', '-CAfile', join(dir, 'ca.pem'), join(dir, 'leaf.pem')]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `openssl x509 -noout -text` of a PEM certificate. */
export async function opensslText(certPem: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-x509-'));
  try {
    await writeFile(join(dir, 'cert.pem'), certPem);
    const r = await openssl(['x509', '-noout', '-text', '-in', join(dir, 'cert.pem')]);
    if (r.code !== 0) throw new Error(`openssl x509 failed: ${r.stderr}`);
    return r.stdout;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
