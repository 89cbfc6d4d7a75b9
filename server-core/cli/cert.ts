// `berth cert ca|issue|trust|untrust`.
//   ca       the local CA's path and facts (created on first use)
//   issue    a leaf for NAME…: through the running Berth's API when there is one (so the dashboard
//            and the proxy see it at once), else directly on the data dir
//   trust    shows the trust-store commands, then runs them; prints each store's result
//   untrust  the same, removing the CA
import { CERT_USAGE } from './usage.js';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { resolve } from 'node:path';
import type { CaSummary, CertSummary, TrustActionResult, TrustStoreId } from '../contract/certs.js';
import { CertService } from '../certs/cert-service.js';
import { KEY_TYPES } from '../certs/keys.js';
import { storesFor, trustCaFromFile } from '../certs/trust/index.js';
import { systemTrustEnv } from '../certs/trust/runner.js';
import { BerthError } from '../errors.js';
import { dataPaths, defaultDataDir } from '../paths.js';
import { isProcessAlive, readAdminJson } from '../supervisor/admin-json.js';
import { UsageError } from './args.js';


type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

function parse(args: string[], options: NonNullable<ParseArgsConfig['options']>): { values: Values; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args, options: { ...options, 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: true });
    return { values: values as Values, positionals };
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message.replace(/\. To specify a positional argument.*$/s, '') : String(e));
  }
}

function dataDirOf(values: Record<string, unknown>): string {
  const flag = values['data-dir'];
  return typeof flag === 'string' ? resolve(flag) : defaultDataDir();
}

export async function certCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '-h' || sub === '--help') {
    process.stdout.write(CERT_USAGE);
    return sub === undefined ? 2 : 0;
  }
  switch (sub) {
    case 'ca':
      return caCommand(rest);
    case 'issue':
      return issueCommand(rest);
    case 'trust':
      return trustCommand('install', rest);
    case 'untrust':
      return trustCommand('uninstall', rest);
    default:
      throw new UsageError(`unknown cert command '${sub}': use ca, issue, trust or untrust`);
  }
}

export function formatCa(ca: CaSummary): string {
  return [
    `Local CA   ${ca.certPath}`,
    `  subject      ${ca.subject}`,
    `  sha-256      ${ca.fingerprintSha256}`,
    `  key          ${ca.keyType}`,
    `  valid        ${ca.notBefore} → ${ca.notAfter}`,
    `  may sign     ${ca.nameConstraints.length > 0 ? ca.nameConstraints.join(', ') : 'any name (name constraints off)'}`,
  ].join('\n');
}

async function caCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { pem: { type: 'boolean' }, json: { type: 'boolean' } });
  if (values.help) {
    process.stdout.write(CERT_USAGE);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`berth cert ca takes no arguments (got '${positionals[0]}')`);
  const service = new CertService({ certsDir: dataPaths(dataDirOf(values)).certsDir });
  const ca = await service.open();
  if (values.pem) process.stdout.write(service.caCertPem());
  else console.log(values.json ? JSON.stringify(ca, null, 2) : formatCa(ca));
  return 0;
}

function printIssued(cert: CertSummary, json: boolean, via: string): void {
  if (json) {
    console.log(JSON.stringify(cert, null, 2));
    return;
  }
  console.log(`Issued ${cert.id} for ${cert.names.join(', ')} (${cert.keyType}, valid until ${cert.notAfter}) ${via}`);
  console.log(`  certificate  ${cert.files.cert}`);
  console.log(`  chain        ${cert.files.chain}`);
  console.log(`  full chain   ${cert.files.fullchain}   (nginx ssl_certificate)`);
  console.log(`  key          ${cert.files.key}   (mode 0600; keep it private)`);
}

async function issueCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { 'key-type': { type: 'string' }, days: { type: 'string' }, id: { type: 'string' }, json: { type: 'boolean' } });
  if (values.help) {
    process.stdout.write(CERT_USAGE);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('give at least one name: berth cert issue app.localhost "*.app.localhost" 127.0.0.1');
  const keyType = values['key-type'];
  if (keyType !== undefined && !(KEY_TYPES as readonly unknown[]).includes(keyType)) throw new UsageError(`--key-type must be ${KEY_TYPES.join(' or ')}`);
  let validityDays: number | undefined;
  if (values.days !== undefined) {
    if (typeof values.days !== 'string' || !/^\d{1,4}$/.test(values.days) || Number(values.days) < 1) throw new UsageError('--days must be a whole number of days, at least 1');
    validityDays = Number(values.days);
  }
  const request = {
    names: positionals,
    ...(keyType ? { keyType: keyType as 'ecdsa-p256' | 'rsa-3072' } : {}),
    ...(validityDays !== undefined ? { validityDays } : {}),
    ...(typeof values.id === 'string' ? { id: values.id } : {}),
  };
  const dataDir = dataDirOf(values);
  const admin = readAdminJson(dataPaths(dataDir).adminJson);
  if (admin && isProcessAlive(admin.pid)) {
    const cert = await issueThroughApi(admin, request);
    printIssued(cert, values.json === true, `by the running Berth (pid ${admin.pid})`);
    return 0;
  }
  const service = new CertService({ certsDir: dataPaths(dataDir).certsDir });
  await service.open();
  printIssued(await service.issue(request), values.json === true, `in ${dataDir}`);
  return 0;
}

async function issueThroughApi(admin: { url: string; token: string }, request: object): Promise<CertSummary> {
  let res: Response;
  try {
    res = await fetch(`${admin.url}/api/v1/certs`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${admin.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(request),
      signal: AbortSignal.timeout(70_000),
    });
  } catch (e) {
    throw new BerthError('BERTH_ERR_ADMIN_UNREACHABLE', `the running Berth does not answer at ${admin.url}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const body = (await res.json().catch(() => null)) as { error?: { code: string; message: string } } | null;
  if (!res.ok) throw new BerthError(body?.error?.code ?? 'BERTH_ERR_ADMIN', body?.error?.message ?? `the admin API answered ${res.status}`);
  return body as unknown as CertSummary;
}

const OUTCOME_TEXT: Record<TrustActionResult['outcome'], string> = {
  done: 'done',
  already: 'nothing to do',
  planned: 'not run (--dry-run)',
  'needs-root': 'needs root',
  unavailable: 'unavailable',
  failed: 'FAILED',
};

async function trustCommand(action: 'install' | 'uninstall', args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { store: { type: 'string', multiple: true }, 'dry-run': { type: 'boolean' } });
  if (values.help) {
    process.stdout.write(CERT_USAGE);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'; pick stores with --store ID`);
  const service = new CertService({ certsDir: dataPaths(dataDirOf(values)).certsDir });
  const caInfo = await service.open();
  const ca = await trustCaFromFile(caInfo.certPath);
  const env = systemTrustEnv();
  const chosen = (values.store as string[] | undefined) ?? [];
  const stores = storesFor(env, chosen as TrustStoreId[]);
  console.log(`${action === 'install' ? 'Trusting' : 'Removing'} ${caInfo.subject} (${caInfo.fingerprintSha256})`);
  let failed = false;
  for (const store of stores) {
    const plan = await store[action](ca, { dryRun: true });
    console.log(`\n${store.label} [${store.id}]`);
    if (plan.outcome === 'unavailable') {
      console.log(`  unavailable: ${plan.message}`);
      if (chosen.includes(store.id)) failed = true;
      continue;
    }
    for (const c of plan.commands) console.log(`  $ ${c.display}`);
    if (plan.commands.length === 0) console.log('  (no command needed)');
    if (values['dry-run']) continue;
    const result = await store[action](ca);
    console.log(`  → ${OUTCOME_TEXT[result.outcome]}: ${result.message}`);
    if (result.outcome === 'failed') failed = true;
    // The system store needs root: a failure only when the user asked for it by name.
    if (result.outcome === 'needs-root' && chosen.includes(store.id)) failed = true;
  }
  return failed ? 1 : 0;
}
