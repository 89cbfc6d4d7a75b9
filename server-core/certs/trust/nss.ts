// NSS certificate databases, driven with `certutil` from NSS (Debian: libnss3-tools; Fedora:
// nss-tools; Arch: nss; macOS: brew install nss). Chromium and Chrome on Linux read
// ~/.pki/nssdb; every Firefox profile has its own database (firefox.ts).
import { join } from 'node:path';
import type { TrustActionResult, TrustCommand, TrustState, TrustStoreStatus } from '../../contract/certs.js';
import { command, runPlan } from './commands.js';
import { TrustStoreBase, type TrustAction } from './store-base.js';
import type { TrustCa } from './types.js';

export const CERTUTIL_HINT = 'install NSS certutil: `sudo apt install libnss3-tools` (Debian, Ubuntu), `sudo dnf install nss-tools` (Fedora), `sudo pacman -S nss` (Arch), `brew install nss` (macOS)';

/** One NSS database: `sql:DIR` (cert9.db) or the legacy `dbm:DIR` (cert8.db). */
export interface NssDb {
  dir: string;
  prefix: 'sql' | 'dbm';
  /** Create it when missing (Chromium's own db, which Chromium would create on first run). */
  create: boolean;
}

/** The nickname Berth's CA carries in NSS: stable per CA, so install/uninstall/check find it. */
export function nssNickname(ca: TrustCa): string {
  return `Berth local CA ${ca.fingerprintSha256.replace(/:/g, '').slice(0, 16).toLowerCase()}`;
}

export function nssInstallCommands(certutil: string, db: NssDb, ca: TrustCa, exists: boolean): TrustCommand[] {
  const name = `${db.prefix}:${db.dir}`;
  const cmds: TrustCommand[] = [];
  if (!exists && db.create) {
    cmds.push(command(['mkdir', '-p', db.dir]));
    cmds.push(command([certutil, '-N', '-d', name, '--empty-password']));
  }
  // -t C,, : a CA trusted to issue TLS server certificates (not e-mail or code signing).
  cmds.push(command([certutil, '-A', '-d', name, '-t', 'C,,', '-n', nssNickname(ca), '-i', ca.certPath]));
  return cmds;
}

export function nssUninstallCommands(certutil: string, db: NssDb, ca: TrustCa): TrustCommand[] {
  return [command([certutil, '-D', '-d', `${db.prefix}:${db.dir}`, '-n', nssNickname(ca)])];
}

export function nssCheckCommand(certutil: string, db: NssDb, ca: TrustCa): TrustCommand {
  return command([certutil, '-L', '-d', `${db.prefix}:${db.dir}`, '-n', nssNickname(ca), '-a']);
}

function pemBody(pem: string): string {
  return pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
}

/** A store made of NSS databases; subclasses say which. */
export abstract class NssStore extends TrustStoreBase {
  /** The databases this store covers here; empty with a reason when there are none. */
  protected abstract databases(): Promise<{ dbs: NssDb[]; none: string }>;
  protected abstract coverage(): string;

  /** NSS certutil, or null (Windows' own certutil.exe is a different tool). */
  protected async certutil(): Promise<string | null> {
    if (this.env.env.BERTH_NSS_CERTUTIL) return this.env.env.BERTH_NSS_CERTUTIL;
    if (this.env.platform === 'win32') return null;
    return this.env.which('certutil');
  }

  private async dbExists(db: NssDb): Promise<boolean> {
    return this.env.exists(join(db.dir, db.prefix === 'sql' ? 'cert9.db' : 'cert8.db'));
  }

  private async inspect(ca: TrustCa) {
    const certutil = await this.certutil();
    const { dbs, none } = await this.databases();
    if (!certutil) return { certutil, dbs, none, present: [] as boolean[], exists: [] as boolean[], checked: [] as TrustCommand[] };
    const present: boolean[] = [];
    const exists: boolean[] = [];
    const checked: TrustCommand[] = [];
    for (const db of dbs) {
      const there = await this.dbExists(db);
      exists.push(there);
      if (!there) {
        present.push(false);
        continue;
      }
      const c = nssCheckCommand(certutil, db, ca);
      checked.push(c);
      const r = await this.env.run(c.argv);
      present.push(r.code === 0 && pemBody(r.stdout).includes(pemBody(ca.certPem)));
    }
    return { certutil, dbs, none, present, exists, checked };
  }

  async check(ca: TrustCa): Promise<TrustStoreStatus> {
    const s = await this.inspect(ca);
    const base = { id: this.id, label: this.label };
    if (!s.certutil) return { ...base, state: 'unavailable', detail: `certutil (NSS) not found: ${CERTUTIL_HINT}`, install: [], uninstall: [], checked: [] };
    if (s.dbs.length === 0) return { ...base, state: 'unavailable', detail: s.none, install: [], uninstall: [], checked: [] };
    const certutil = s.certutil;
    const count = s.present.filter(Boolean).length;
    const state: TrustState = count === s.dbs.length ? 'trusted' : count === 0 ? 'not-trusted' : 'partial';
    const install = s.dbs.flatMap((db, i) => (s.present[i] ? [] : nssInstallCommands(certutil, db, ca, s.exists[i] === true)));
    const uninstall = s.dbs.flatMap((db, i) => (s.present[i] ? nssUninstallCommands(certutil, db, ca) : []));
    const where = s.dbs.map((db, i) => `${db.dir}${s.present[i] ? ' ✓' : ''}`).join(', ');
    return { ...base, state, detail: `${this.coverage()}: ${count} of ${s.dbs.length} database(s) trust the CA (${where})`, install, uninstall, checked: s.checked };
  }

  protected async act(action: TrustAction, ca: TrustCa, dryRun: boolean | undefined): Promise<TrustActionResult> {
    const base = { id: this.id, label: this.label, action };
    const status = await this.check(ca);
    if (status.state === 'unavailable') return { ...base, outcome: 'unavailable', message: status.detail, commands: [], steps: [] };
    const commands = status[action];
    if (commands.length === 0) {
      return { ...base, outcome: dryRun ? 'planned' : 'already', message: action === 'install' ? 'already trusted in every database' : 'in no database', commands, steps: [] };
    }
    return runPlan(this.env, base, commands, {
      dryRun,
      doneMessage: action === 'install' ? `the CA is now trusted (${this.coverage()}; restart the browser to pick it up)` : `the CA was removed (${this.coverage()})`,
    });
  }
}

/** Chromium and Google Chrome on Linux: the shared NSS database in ~/.pki/nssdb (and the snap's). */
export class ChromiumNssStore extends NssStore {
  readonly id = 'nss' as const;
  readonly label = 'Chromium / Chrome (NSS)';

  appliesTo(platform: NodeJS.Platform): boolean {
    return platform === 'linux';
  }

  protected coverage(): string {
    return 'Chromium and Chrome on Linux';
  }

  protected async databases(): Promise<{ dbs: NssDb[]; none: string }> {
    const dbs: NssDb[] = [{ dir: join(this.env.home, '.pki', 'nssdb'), prefix: 'sql', create: true }];
    const snap = join(this.env.home, 'snap', 'chromium', 'current', '.pki', 'nssdb');
    if (await this.env.exists(join(snap, 'cert9.db'))) dbs.push({ dir: snap, prefix: 'sql', create: false });
    return { dbs, none: '' };
  }
}
