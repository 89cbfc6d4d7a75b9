// `berth export nginx --out DIR`: the current config (from the running Berth, else the store) as
// production nginx + uwsgi.ini + php-fpm pools + systemd units. Prints the files and any choices made.
import { resolve } from 'node:path';
import type { BerthConfig } from '../config/schema.js';
import { BerthError } from '../errors.js';
import { exportBundle, writeBundle } from '../interop/export-bundle.js';
import { dataPaths, defaultDataDir } from '../paths.js';
import { openStore } from '../store/database.js';
import { isProcessAlive, readAdminJson } from '../supervisor/admin-json.js';
import { UsageError } from './args.js';
import { parseArgs } from 'node:util';
import { EXPORT_USAGE } from './usage.js';

export async function exportCommand(args: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args,
      options: { out: { type: 'string' }, 'log-dir': { type: 'string' }, 'cert-dir': { type: 'string' }, 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: true,
    }));
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  if (values.help === true) {
    process.stdout.write(EXPORT_USAGE);
    return 0;
  }
  if (positionals[0] !== 'nginx' || positionals.length !== 1) throw new UsageError('berth export nginx --out DIR');
  const out = values.out as string | undefined;
  if (!out) throw new UsageError('--out DIR is required: the folder to write the nginx config into');
  for (const flag of ['log-dir', 'cert-dir'] as const) {
    const v = values[flag];
    if (typeof v === 'string' && !v.startsWith('/')) throw new UsageError(`--${flag} must be an absolute path on the production server`);
  }
  const dataDir = typeof values['data-dir'] === 'string' ? resolve(values['data-dir']) : defaultDataDir();
  const { config, version } = await currentConfig(dataDir);
  const outDir = resolve(out);
  const { files, notes } = exportBundle(config, {
    ...(typeof values['log-dir'] === 'string' ? { logDir: values['log-dir'] } : {}),
    ...(typeof values['cert-dir'] === 'string' ? { certDir: values['cert-dir'] } : {}),
  });
  writeBundle(outDir, files);
  for (const n of notes) console.error(`note: ${n}`);
  console.log(`exported config version ${version} to ${outDir}:`);
  for (const f of [...files.keys()].sort()) console.log(`  ${f}`);
  console.log(`check it with: nginx -t -c ${outDir}/nginx.conf`);
  return 0;
}

async function currentConfig(dataDir: string): Promise<{ config: BerthConfig; version: number }> {
  const admin = readAdminJson(dataPaths(dataDir).adminJson);
  if (admin && isProcessAlive(admin.pid)) {
    const res = await fetch(`${admin.url}/api/v1/config`, { headers: { Authorization: `Bearer ${admin.token}` }, signal: AbortSignal.timeout(10_000) }).catch((e: unknown) => {
      throw new BerthError('BERTH_ERR_ADMIN_UNREACHABLE', `Berth (pid ${admin.pid}) does not answer at ${admin.url}: ${e instanceof Error ? e.message : String(e)}`);
    });
    if (!res.ok) throw new BerthError('BERTH_ERR_ADMIN_UNREACHABLE', `the admin API answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as { config: BerthConfig; version: number };
  }
  const store = openStore(dataDir);
  try {
    const current = store.config.current();
    if (current === null) throw new BerthError('BERTH_ERR_NO_CONFIG', `there is no config in ${dataDir} yet`, { hint: 'run `berth serve` once, or import a config first' });
    return { config: current.config, version: current.version };
  } finally {
    store.close();
  }
}
