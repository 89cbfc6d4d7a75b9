// The certificate index: one folder per certificate under `<certsDir>/store/` (layout.ts).
// Replacing a certificate never shows a half-written folder (the new one is written aside and
// renamed into place) and a failed write leaves the stored one as it was. Between renaming the old
// folder away and the new one in, the path is briefly absent: readers treat ENOENT as "try again"
// (the proxy's SNI store keeps the certificate it has and retries, tls/sni-store.ts).
import { restrictToUser } from './private-file.js';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CertRecord } from '../contract/certs.js';
import { BerthError, errorMessage } from '../errors.js';
import { CERT_ID_PATTERN, certFiles, idFromName, storeDir } from './layout.js';

export interface CertPems {
  certPem: string;
  chainPem: string;
  /** PKCS#8 PEM; written 0600, never logged. */
  keyPem: string;
}

export class CertStore {
  constructor(readonly certsDir: string) {}

  files(id: string) {
    return certFiles(this.certsDir, id);
  }

  /** Every readable record, sorted by id. A folder without a readable meta.json is skipped (a write in progress, or debris). */
  async list(): Promise<CertRecord[]> {
    let entries: string[];
    try {
      entries = await readdir(storeDir(this.certsDir));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const records: CertRecord[] = [];
    for (const id of entries.sort()) {
      if (!CERT_ID_PATTERN.test(id)) continue;
      const r = await this.get(id);
      if (r) records.push(r);
    }
    return records;
  }

  /**
   * The ids of the stored certificates, from the folder names alone (config validation asks this
   * on every apply). A certificate being replaced this instant (save(): renamed to `.old-<id>-<pid>-<hex>`
   * before the new folder takes its name) still counts.
   */
  async ids(): Promise<Set<string>> {
    let entries: string[];
    try {
      entries = await readdir(storeDir(this.certsDir));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Set();
      throw e;
    }
    const ids = new Set<string>();
    for (const name of entries) {
      const id = /^\.old-(.+)-\d+-[0-9a-f]{8}$/.exec(name)?.[1] ?? name;
      if (CERT_ID_PATTERN.test(id)) ids.add(id);
    }
    return ids;
  }

  async get(id: string): Promise<CertRecord | null> {
    if (!CERT_ID_PATTERN.test(id)) return null;
    try {
      return JSON.parse(await readFile(this.files(id).meta, 'utf8')) as CertRecord;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || e instanceof SyntaxError) return null;
      throw e;
    }
  }

  async readPems(id: string): Promise<CertPems> {
    const f = this.files(id);
    try {
      const [certPem, chainPem, keyPem] = await Promise.all([readFile(f.cert, 'utf8'), readFile(f.chain, 'utf8'), readFile(f.key, 'utf8')]);
      return { certPem, chainPem, keyPem };
    } catch (e) {
      throw new BerthError('BERTH_ERR_CERT_NOT_FOUND', `cannot read the files of certificate "${id}": ${errorMessage(e)}`);
    }
  }

  /** A free id: `base`, else `base-2`, `base-3`… */
  async freeId(name: string): Promise<string> {
    const base = idFromName(name);
    for (let n = 1; ; n++) {
      const id = n === 1 ? base : `${base}-${n}`;
      if (!(await exists(this.files(id).dir))) return id;
    }
  }

  /** Writes (or replaces) a certificate with its record. */
  async save(record: CertRecord, pems: CertPems): Promise<void> {
    if (!CERT_ID_PATTERN.test(record.id)) {
      throw new BerthError('BERTH_ERR_CERT_ID', `"${record.id}" is not a certificate id: use lowercase letters, digits, dots and dashes (max 100)`);
    }
    const root = storeDir(this.certsDir);
    await mkdir(root, { recursive: true, mode: 0o700 });
    const target = this.files(record.id).dir;
    const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
    const tmp = join(root, `.new-${record.id}-${tag}`);
    const old = join(root, `.old-${record.id}-${tag}`);
    try {
      await mkdir(tmp, { mode: 0o700 });
      await writeFile(join(tmp, 'key.pem'), pems.keyPem, { mode: 0o600, flag: 'wx' });
      await restrictToUser(join(tmp, 'key.pem'));
      await writeFile(join(tmp, 'cert.pem'), pems.certPem, { mode: 0o644, flag: 'wx' });
      await writeFile(join(tmp, 'chain.pem'), pems.chainPem, { mode: 0o644, flag: 'wx' });
      await writeFile(join(tmp, 'fullchain.pem'), pems.certPem + pems.chainPem, { mode: 0o644, flag: 'wx' });
      await writeFile(join(tmp, 'meta.json'), `${JSON.stringify(record, null, 2)}\n`, { mode: 0o644, flag: 'wx' });
      await chmod(tmp, 0o700);
      const replacing = await exists(target);
      if (replacing) await rename(target, old);
      try {
        await rename(tmp, target);
      } catch (e) {
        if (replacing) await rename(old, target);
        throw e;
      }
    } catch (e) {
      throw new BerthError('BERTH_ERR_CERT_WRITE', `cannot store certificate "${record.id}" in ${root}: ${errorMessage(e)}`, {
        hint: `check that ${root} is writable`,
        cause: e,
      });
    } finally {
      await rm(tmp, { recursive: true, force: true });
      await rm(old, { recursive: true, force: true });
    }
  }

  /** Removes a certificate's folder; false when there was none. */
  async remove(id: string): Promise<boolean> {
    if (!CERT_ID_PATTERN.test(id)) return false;
    const dir = this.files(id).dir;
    if (!(await exists(dir))) return false;
    const gone = join(storeDir(this.certsDir), `.del-${id}-${randomBytes(4).toString('hex')}`);
    await rename(dir, gone);
    await rm(gone, { recursive: true, force: true });
    return true;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}
