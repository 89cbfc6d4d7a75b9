// `berth import nginx FILE…` / `berth import uwsgi FILE.ini…`: reads the files here (with every file
// they include), then applies through the running Berth's admin API when one runs for the data dir,
// else writes a new config version into the store directly. Prints one warning per directive not
// carried over. `--dry-run` prints the mapped config and the warnings and changes nothing.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ImportRequestBody, ImportResponse, ValidationIssue } from '../contract/api.js';
import { CertStore } from '../certs/cert-store.js';
import { formatIssues } from '../config/issues.js';
import { BerthError } from '../errors.js';
import { diskSource } from '../interop/nginx/file-source.js';
import { parseNginx } from '../interop/nginx/parser.js';
import { emptyConfig, runImport } from '../interop/run-import.js';
import { formatWarning, type ImportWarning } from '../interop/warnings.js';
import { dataPaths, defaultDataDir } from '../paths.js';
import { openStore } from '../store/database.js';
import { isProcessAlive, readAdminJson } from '../supervisor/admin-json.js';
import { UsageError } from './args.js';
import { IMPORT_USAGE } from './usage.js';

interface ImportArgs {
  kind: 'nginx' | 'uwsgi';
  files: string[];
  dryRun: boolean;
  runtime?: 'wsgi' | 'uwsgi';
  portMap: Map<number, number>;
  dataDir: string;
}

export async function importCommand(args: string[]): Promise<number> {
  const parsed = parseImportArgs(args);
  if (parsed === null) {
    process.stdout.write(IMPORT_USAGE);
    return 0;
  }
  // `.ini` files given to `import nginx` are uwsgi.ini files: imported first, so their sockets are known.
  const nginx = parsed.kind === 'nginx' ? parsed.files.filter((f) => !f.endsWith('.ini')) : [];
  const uwsgi = parsed.kind === 'uwsgi' ? parsed.files : parsed.files.filter((f) => f.endsWith('.ini'));

  const admin = readAdminJson(dataPaths(parsed.dataDir).adminJson);
  if (admin && isProcessAlive(admin.pid)) return viaAdminApi(admin, parsed, nginx, uwsgi);
  return intoStore(parsed, nginx, uwsgi);
}

async function viaAdminApi(admin: { url: string; token: string; pid: number }, a: ImportArgs, nginx: string[], uwsgi: string[]): Promise<number> {
  const files = new Map<string, string>();
  const read = (path: string) => {
    const text = diskSource.read(path);
    if (text === null) throw new BerthError('BERTH_ERR_IMPORT_FILE', `cannot read ${path}`, { hint: 'check the path of the file to import' });
    files.set(path, text);
  };
  uwsgi.forEach(read);
  for (const main of nginx) {
    // Parsing here finds every included file (and reports syntax errors before anything is sent).
    for (const f of parseNginx(main, diskSource).files) if (!f.startsWith('(stock)')) read(f);
  }
  const body: ImportRequestBody = {
    nginx,
    uwsgi,
    files: [...files].map(([path, content]) => ({ path, content })),
    dryRun: a.dryRun,
    ...(a.runtime ? { runtime: a.runtime } : {}),
    portMap: Object.fromEntries(a.portMap),
  };
  let response: Response;
  try {
    response = await fetch(`${admin.url}/api/v1/import`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${admin.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (e) {
    throw new BerthError('BERTH_ERR_ADMIN_UNREACHABLE', `Berth (pid ${admin.pid}) does not answer at ${admin.url}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const answer = (await response.json()) as ImportResponse & { error?: { code: string; message: string } };
  if (response.status === 400 || (!response.ok && response.status !== 422)) {
    throw new BerthError(answer.error?.code ?? 'BERTH_ERR_IMPORT', answer.error?.message ?? `the admin API answered ${response.status}`);
  }
  return report(a, answer.warnings, answer.added, answer.issues, answer.version?.version ?? null, answer.config, `the running Berth (pid ${admin.pid})`);
}

async function intoStore(a: ImportArgs, nginx: string[], uwsgi: string[]): Promise<number> {
  // A `# berth: certificate=ID` hint must name a certificate of this data dir, as the admin API checks.
  const certificateIds = await new CertStore(dataPaths(a.dataDir).certsDir).ids();
  const store = openStore(a.dataDir);
  try {
    const base = store.config.current()?.config ?? emptyConfig();
    const outcome = runImport(base, { nginx, uwsgi, source: diskSource, portMap: a.portMap, context: { certificateIds }, ...(a.runtime ? { runtime: a.runtime } : {}) });
    let version: number | null = null;
    if (!a.dryRun && outcome.valid !== null) {
      const names = [...nginx, ...uwsgi].map((f) => f.replace(/^.*\//, '')).join(', ');
      version = store.config.apply(outcome.valid, 'import', `import ${names}`.slice(0, 200)).version;
    }
    return report(a, outcome.warnings, outcome.added, outcome.issues, version, outcome.valid ?? outcome.config, `the store in ${a.dataDir} (Berth is not running)`);
  } finally {
    store.close();
  }
}

function report(a: ImportArgs, warnings: ImportWarning[], added: ImportResponse['added'], issues: ValidationIssue[], version: number | null, config: unknown, where: string): number {
  for (const w of warnings) process.stderr.write(`warning: ${formatWarning(w)}\n`);
  const what = `${added.sites.length} site(s) [${added.sites.join(', ')}], ${added.upstreams.length} upstream(s) [${added.upstreams.join(', ')}], ${added.apps.length} app(s) [${added.apps.join(', ')}]`;
  if (a.dryRun) {
    const c = config as { sites?: Array<{ id: string }>; upstreams?: Array<{ id: string }>; apps?: Array<{ id: string }> };
    const pick = <T extends { id: string }>(list: T[] | undefined, ids: string[]) => (list ?? []).filter((x) => ids.includes(x.id));
    process.stdout.write(`${JSON.stringify({ sites: pick(c.sites, added.sites), upstreams: pick(c.upstreams, added.upstreams), apps: pick(c.apps, added.apps) }, null, 2)}\n`);
    console.error(`dry run: would add ${what}; ${warnings.length} warning(s); nothing was changed`);
  }
  if (issues.length > 0) {
    console.error(`the resulting config does not validate${a.dryRun ? '' : ', so nothing was changed'}:\n${formatIssues(issues)}`);
    return 1;
  }
  if (!a.dryRun) console.log(`imported ${what} into ${where}: config version ${version ?? '?'}; ${warnings.length} warning(s)`);
  return 0;
}

function parseImportArgs(args: string[]): ImportArgs | null {
  let values: Record<string, string | boolean | string[] | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args,
      options: {
        'dry-run': { type: 'boolean' },
        runtime: { type: 'string' },
        'map-port': { type: 'string', multiple: true },
        'data-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: true,
    }));
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  if (values.help === true) return null;
  const [kind, ...files] = positionals;
  if (kind !== 'nginx' && kind !== 'uwsgi') throw new UsageError(kind === undefined ? 'say what to import: berth import nginx FILE… or berth import uwsgi FILE.ini…' : `cannot import '${kind}': use nginx or uwsgi`);
  if (files.length === 0) throw new UsageError(`name the ${kind === 'nginx' ? 'nginx config' : 'uwsgi.ini'} file(s) to import`);
  const runtime = values.runtime as string | undefined;
  if (runtime !== undefined && runtime !== 'wsgi' && runtime !== 'uwsgi') throw new UsageError(`--runtime is wsgi (Berth's worker) or uwsgi, not '${runtime}'`);
  const portMap = new Map<number, number>();
  for (const m of (values['map-port'] as string[] | undefined) ?? []) {
    const pm = /^(\d{1,5})=(\d{1,5})$/.exec(m);
    if (!pm || Number(pm[1]) > 65535 || Number(pm[2]) > 65535) throw new UsageError(`--map-port takes FROM=TO port numbers, e.g. 80=8080, not '${m}'`);
    portMap.set(Number(pm[1]), Number(pm[2]));
  }
  const dataDirFlag = values['data-dir'] as string | undefined;
  return {
    kind,
    files: files.map((f) => resolve(f)),
    dryRun: values['dry-run'] === true,
    ...(runtime ? { runtime: runtime as 'wsgi' | 'uwsgi' } : {}),
    portMap,
    dataDir: dataDirFlag ? resolve(dataDirFlag) : defaultDataDir(),
  };
}
