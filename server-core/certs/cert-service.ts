// The cert service's state and operations, free of IPC (main.ts wires it to the supervisor):
// the local CA, the certificate index, `auto` leaves for sites, renewal, import/export and trust.
// Every change to the index runs one at a time (a queue) and ends with `onUpdated`, which main.ts
// publishes as `certs-updated` so the proxy reloads its SNI contexts.
import { X509Certificate } from 'node:crypto';
import type { BerthConfig } from '../config/schema.js';
import type {
  AutoSkippedName,
  CaSummary,
  CertListResponse,
  CertRecord,
  CertsUpdated,
  CertSummary,
  ExportCertRequest,
  ExportCertResponse,
  ImportCertRequest,
  IssueCertRequest,
  TrustActionRequest,
  TrustActionResponse,
  TrustStatusResponse,
} from '../contract/certs.js';
import { BerthError, errorMessage } from '../errors.js';
import { autoNamesForSite, sameNames } from './auto-names.js';
import type { LocalCa } from './ca.js';
import { openLocalCa } from './ca.js';
import { CertStore, type CertPems } from './cert-store.js';
import { checkImport } from './import.js';
import { AUTO_PREFIX, autoCertId, CERT_ID_PATTERN, certIdForSite, RESERVED_IDS } from './layout.js';
import { issueLeaf } from './leaf.js';
import { buildPkcs12 } from './pkcs12.js';
import { isDueForRenewal, realTimers, renewalDueAt, RenewalTimer, type Timers } from './renewal.js';
import { systemTrustEnv } from './trust/runner.js';
import { storesFor, trustCaFromFile } from './trust/index.js';
import type { TrustEnv } from './trust/types.js';

export interface CertServiceOptions {
  certsDir: string;
  /** Clock (tests move it to exercise renewal). */
  now?: () => Date;
  timers?: Timers;
  onUpdated?: (update: CertsUpdated) => void;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
  trustEnv?: TrustEnv;
}

export class CertService {
  readonly store: CertStore;
  private ca: LocalCa | null = null;
  private config: BerthConfig | null = null;
  private skipped: AutoSkippedName[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private readonly now: () => Date;
  private readonly timer: RenewalTimer;
  private trustEnvCache: TrustEnv | null;

  constructor(private readonly options: CertServiceOptions) {
    this.store = new CertStore(options.certsDir);
    this.now = options.now ?? (() => new Date());
    this.trustEnvCache = options.trustEnv ?? null;
    this.timer = new RenewalTimer({
      now: this.now,
      timers: options.timers ?? realTimers,
      nextDue: () => this.nextRenewalDue(),
      check: () => this.renewDue().then(() => undefined),
    });
  }

  /** Creates or loads the CA, issues what the config needs, starts the renewal timer. */
  async start(config: BerthConfig): Promise<CaSummary> {
    this.ca = await openLocalCa(this.options.certsDir);
    await this.applyConfig(config);
    await this.timer.schedule();
    return this.caSummary();
  }

  /** Creates or loads the CA only: for the CLI working on a data dir while Berth is not running. */
  async open(): Promise<CaSummary> {
    this.ca = await openLocalCa(this.options.certsDir);
    return this.caSummary();
  }

  stop(): void {
    this.timer.stop();
  }

  private requireCa(): LocalCa {
    if (!this.ca) throw new BerthError('BERTH_ERR_CA_MISSING', 'the cert service has not loaded the local CA yet');
    return this.ca;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private log(level: 'info' | 'warn' | 'error', message: string): void {
    this.options.log?.(level, message);
  }

  private updated(changed: string[], reason: CertsUpdated['reason']): void {
    if (changed.length > 0) this.options.onUpdated?.({ changed, reason });
  }

  caSummary(): CaSummary {
    const { info } = this.requireCa();
    return { ...info };
  }

  caCertPem(): string {
    return this.requireCa().certPem;
  }

  /** Issues, re-issues and removes `auto` leaves to match the config's sites. */
  applyConfig(config: BerthConfig): Promise<string[]> {
    return this.exclusive(async () => {
      this.config = config;
      const changed = await this.reconcileAuto(config);
      this.updated(changed, 'auto');
      await this.timer.schedule();
      return changed;
    });
  }

  private async reconcileAuto(config: BerthConfig): Promise<string[]> {
    const ca = this.requireCa();
    const now = this.now();
    const changed: string[] = [];
    const skipped: AutoSkippedName[] = [];
    const wanted = new Set<string>();
    for (const site of config.sites) {
      if (site.tls?.certificate !== 'auto') continue;
      const id = autoCertId(site.id);
      const plan = autoNamesForSite(site.id, site.names, ca.constraints);
      skipped.push(...plan.skipped);
      for (const s of plan.skipped) this.log('warn', `site "${site.id}": ${s.name} left out of its certificate: ${s.reason}`);
      if (plan.names.length === 0) {
        this.log('warn', `site "${site.id}": none of its names can be certified by the local CA, so it has no auto certificate`);
        continue;
      }
      wanted.add(id);
      const existing = await this.store.get(id);
      const reason = !existing
        ? 'new'
        : !sameNames(existing.names, plan.names)
          ? 'names changed'
          : existing.caFingerprintSha256 !== ca.info.fingerprintSha256
            ? 'new local CA'
            : isDueForRenewal(existing, now)
              ? 'renewal'
              : null;
      if (reason === null) continue;
      try {
        await this.issueInto(id, plan.names, { kind: 'auto', siteId: site.id }, {});
        changed.push(id);
        this.log('info', `site "${site.id}": issued certificate ${id} for ${plan.names.join(', ')} (${reason})`);
      } catch (e) {
        this.log('error', `site "${site.id}": cannot issue its certificate: ${errorMessage(e)}`);
      }
    }
    for (const record of await this.store.list()) {
      if (record.source.kind === 'auto' && !wanted.has(record.id) && (await this.store.remove(record.id))) {
        changed.push(record.id);
        this.log('info', `removed certificate ${record.id}: its site no longer uses an auto certificate`);
      }
    }
    this.skipped = skipped;
    return changed;
  }

  private async issueInto(
    id: string,
    names: string[],
    source: CertRecord['source'],
    opts: { keyType?: IssueCertRequest['keyType']; validityDays?: number | undefined },
  ): Promise<CertRecord> {
    const ca = this.requireCa();
    const leaf = await issueLeaf(ca, {
      names,
      now: this.now(),
      ...(opts.keyType ? { keyType: opts.keyType } : {}),
      ...(opts.validityDays !== undefined ? { validityDays: opts.validityDays } : {}),
    });
    const record: CertRecord = {
      id,
      names: leaf.info.names,
      issuer: 'local-ca',
      issuerSubject: ca.info.subject,
      keyType: leaf.info.keyType,
      serialNumber: leaf.info.serialNumber,
      notBefore: leaf.info.notBefore,
      notAfter: leaf.info.notAfter,
      fingerprintSha256: leaf.info.fingerprintSha256,
      caFingerprintSha256: ca.info.fingerprintSha256,
      source,
      storedAt: this.now().toISOString(),
    };
    await this.store.save(record, { certPem: leaf.certPem, chainPem: leaf.chainPem, keyPem: leaf.keyPem });
    return record;
  }

  /** Renews local-CA leaves within 30 days of expiry; warns about imported ones. Returns renewed ids. */
  renewDue(): Promise<string[]> {
    return this.exclusive(async () => {
      const now = this.now();
      const renewed: string[] = [];
      for (const r of await this.store.list()) {
        if (!isDueForRenewal(r, now)) continue;
        if (r.issuer !== 'local-ca') {
          this.log('warn', `imported certificate ${r.id} expires on ${r.notAfter}: renew it where it was issued and import it again`);
          continue;
        }
        try {
          await this.issueInto(r.id, r.names, r.source, { keyType: r.keyType === 'rsa-3072' ? 'rsa-3072' : 'ecdsa-p256' });
          renewed.push(r.id);
          this.log('info', `renewed certificate ${r.id} (it expired on ${r.notAfter})`);
        } catch (e) {
          this.log('error', `cannot renew certificate ${r.id}: ${errorMessage(e)}`);
        }
      }
      this.updated(renewed, 'renewal');
      return renewed;
    });
  }

  private async nextRenewalDue(): Promise<number | null> {
    const dues = (await this.store.list()).filter((r) => r.issuer === 'local-ca').map(renewalDueAt);
    return dues.length === 0 ? null : Math.min(...dues);
  }

  async list(): Promise<CertListResponse> {
    const records = await this.store.list();
    const sites = this.config?.sites ?? [];
    const certificates: CertSummary[] = records.map((r) => {
      const f = this.store.files(r.id);
      return {
        ...r,
        usedBy: sites.filter((s) => certIdForSite(s) === r.id).map((s) => s.id),
        files: { cert: f.cert, chain: f.chain, fullchain: f.fullchain, key: f.key },
      };
    });
    return { certificates, skipped: [...this.skipped] };
  }

  async get(id: string): Promise<CertSummary> {
    const found = (await this.list()).certificates.find((c) => c.id === id);
    if (!found) throw notFound(id);
    return found;
  }

  issue(req: IssueCertRequest): Promise<CertSummary> {
    return this.exclusive(async () => {
      if (!Array.isArray(req.names) || req.names.some((n) => typeof n !== 'string')) {
        throw new BerthError('BERTH_ERR_CERT_NAME', 'names must be a list of host names or IP addresses');
      }
      const id = req.id ?? (await this.store.freeId(req.names[0] ?? 'cert'));
      await this.assertFreeId(id);
      const record = await this.issueInto(id, req.names, { kind: 'issued' }, { keyType: req.keyType, validityDays: req.validityDays });
      this.updated([id], 'issue');
      return this.get(record.id);
    });
  }

  import(req: ImportCertRequest): Promise<CertSummary & { warnings: string[] }> {
    return this.exclusive(async () => {
      const checked = checkImport(req, this.now());
      const id = req.id ?? (await this.store.freeId(checked.facts.names[0] ?? 'imported'));
      await this.assertFreeId(id);
      const ca = this.requireCa();
      const fromLocalCa = signedBy(checked.certPem, ca);
      const record: CertRecord = {
        id,
        names: checked.facts.names,
        issuer: 'imported',
        issuerSubject: checked.facts.issuerSubject,
        keyType: checked.facts.keyType,
        serialNumber: checked.facts.serialNumber,
        notBefore: checked.facts.notBefore,
        notAfter: checked.facts.notAfter,
        fingerprintSha256: checked.facts.fingerprintSha256,
        caFingerprintSha256: fromLocalCa ? ca.info.fingerprintSha256 : null,
        source: { kind: 'imported' },
        storedAt: this.now().toISOString(),
      };
      await this.store.save(record, { certPem: checked.certPem, chainPem: checked.chainPem, keyPem: checked.keyPem });
      this.updated([id], 'import');
      return { ...(await this.get(id)), warnings: checked.warnings };
    });
  }

  /** A new id must be free; `auto-` ids belong to sites. */
  private async assertFreeId(id: string): Promise<void> {
    if (!CERT_ID_PATTERN.test(id)) {
      throw new BerthError('BERTH_ERR_CERT_ID', `"${id}" is not a certificate id: use lowercase letters, digits, dots and dashes (max 100)`);
    }
    if (id.startsWith(AUTO_PREFIX)) throw new BerthError('BERTH_ERR_CERT_ID', `ids starting with "${AUTO_PREFIX}" are kept for sites' automatic certificates`);
    if (RESERVED_IDS.has(id)) throw new BerthError('BERTH_ERR_CERT_ID', `"${id}" names an API path (/api/v1/certs/${id}): pick another id`);
    if (await this.store.get(id)) throw new BerthError('BERTH_ERR_CERT_EXISTS', `a certificate with id "${id}" exists already: pick another id or delete it first`);
  }

  async export(id: string, req: ExportCertRequest): Promise<ExportCertResponse> {
    if (!(await this.store.get(id))) throw notFound(id);
    const pems: CertPems = await this.store.readPems(id);
    if (req.format === 'pem') {
      return { fileName: `${id}.pem`, contentType: 'application/x-pem-file', base64: Buffer.from(pems.certPem + pems.chainPem).toString('base64') };
    }
    if (req.format === 'p12') {
      const p12 = buildPkcs12({ ...pems, password: req.password ?? '' });
      return { fileName: `${id}.p12`, contentType: 'application/x-pkcs12', base64: p12.toString('base64') };
    }
    throw new BerthError('BERTH_ERR_CERT_EXPORT', `unknown export format "${String(req.format)}": use pem or p12`);
  }

  delete(id: string): Promise<void> {
    return this.exclusive(async () => {
      const record = await this.store.get(id);
      if (!record) throw notFound(id);
      const users = (this.config?.sites ?? []).filter((s) => certIdForSite(s) === id).map((s) => s.id);
      if (users.length > 0) {
        throw new BerthError('BERTH_ERR_CERT_IN_USE', `certificate ${id} is used by site(s) ${users.join(', ')}: change their TLS certificate first`);
      }
      await this.store.remove(id);
      this.updated([id], 'delete');
    });
  }

  private trustEnv(): TrustEnv {
    this.trustEnvCache ??= systemTrustEnv();
    return this.trustEnvCache;
  }

  async trustStatus(): Promise<TrustStatusResponse> {
    const ca = await trustCaFromFile(this.requireCa().info.certPath);
    const stores = await Promise.all(storesFor(this.trustEnv()).map((s) => s.check(ca)));
    return { ca: this.caSummary(), stores };
  }

  async trust(action: 'install' | 'uninstall', req: TrustActionRequest): Promise<TrustActionResponse> {
    const ca = await trustCaFromFile(this.requireCa().info.certPath);
    const results = [];
    for (const store of storesFor(this.trustEnv(), req.stores)) {
      results.push(await store[action](ca, { dryRun: req.dryRun === true }));
    }
    return { results };
  }
}

function notFound(id: string): BerthError {
  return new BerthError('BERTH_ERR_CERT_NOT_FOUND', `there is no certificate "${id}"`);
}

/** Whether the local CA signed this certificate (an import of a leaf Berth issued earlier). */
function signedBy(certPem: string, ca: LocalCa): boolean {
  try {
    const leaf = new X509Certificate(certPem);
    const issuer = new X509Certificate(ca.certPem);
    return leaf.checkIssued(issuer) && leaf.verify(issuer.publicKey);
  } catch {
    return false;
  }
}
