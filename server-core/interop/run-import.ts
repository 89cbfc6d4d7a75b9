// One import, as the CLI and the admin API run it: uwsgi.ini files first (so their sockets are
// known), then nginx configs; the result is added to the current config (ids that are taken get a
// `-2` suffix, with a warning) and validated the normal way, so a feature this build does not serve
// yet is reported by validation, never dropped.
import { isDeepStrictEqual } from 'node:util';
import { configSchema, type BerthConfig, type BerthConfigInput } from '../config/schema.js';
import { validateConfig, type ValidationContext } from '../config/validate.js';
import type { ValidationIssue } from '../contract/api.js';
import { BerthError } from '../errors.js';
import { normalizeAddress } from './nginx/addresses.js';
import type { FileSource } from './nginx/file-source.js';
import { importNginx } from './nginx/import.js';
import type { SiteInput } from './nginx/map-server.js';
import type { UpstreamInput } from './nginx/map-upstream.js';
import { parseNginx } from './nginx/parser.js';
import { parseUwsgiIni } from './uwsgi/ini.js';
import { importUwsgiIni, type AppInput } from './uwsgi/import.js';
import { WarningSink, type ImportWarning } from './warnings.js';

export interface ImportRequest {
  /** Main nginx config files (absolute paths in `source`). */
  nginx: string[];
  /** uwsgi.ini files. */
  uwsgi: string[];
  source: FileSource;
  runtime?: 'wsgi' | 'uwsgi';
  portMap?: ReadonlyMap<number, number>;
  /** Facts for validation from outside the config (the certificate store's ids). */
  context?: ValidationContext;
}

export interface ImportOutcome {
  /** The current config with the imported parts added (not yet validated). */
  config: BerthConfigInput;
  /** What was added, by id. */
  added: { sites: string[]; upstreams: string[]; apps: string[] };
  warnings: ImportWarning[];
  /** Validation of `config`: empty when it can be applied as it is. */
  issues: ValidationIssue[];
  /** The validated config, when `issues` is empty. */
  valid: BerthConfig | null;
}

/** Parses and maps the files (throws on syntax errors), without touching any config. */
export function importFragment(
  req: ImportRequest,
  existingApps: readonly AppInput[] = [],
): { sites: SiteInput[]; upstreams: UpstreamInput[]; apps: AppInput[]; warnings: ImportWarning[]; appAddresses: Map<string, string> } {
  const sink = new WarningSink();
  const apps: AppInput[] = [];
  const appBySocket = new Map<string, string>();
  // Imported app id → the address its ini listened on (kept even when Berth's worker drops it).
  const appAddresses = new Map<string, string>();
  for (const a of existingApps) {
    const address = a.socket ? normalizeAddress(a.socket) : null;
    if (address) appBySocket.set(address, a.id);
  }
  for (const file of req.uwsgi) {
    const text = req.source.read(file);
    if (text === null) throw missing(file);
    const imported = importUwsgiIni(parseUwsgiIni(text, file), sink, req.runtime ? { runtime: req.runtime } : {});
    apps.push(imported.app);
    if (imported.address) {
      appBySocket.set(imported.address, imported.app.id);
      appAddresses.set(imported.app.id, imported.address);
    }
  }
  const sites: SiteInput[] = [];
  const upstreams: UpstreamInput[] = [];
  for (const file of req.nginx) {
    const parsed = parseNginx(file, req.source);
    const out = importNginx(parsed, sink, { appBySocket, ...(req.portMap ? { portMap: req.portMap } : {}) });
    sites.push(...out.sites);
    for (const u of out.upstreams) {
      const same = upstreams.find((x) => x.id === u.id);
      if (!same) upstreams.push(u);
    }
  }
  return { sites, upstreams, apps, warnings: sortWarnings(sink.list), appAddresses };
}

export function runImport(base: BerthConfig, req: ImportRequest): ImportOutcome {
  const fragment = importFragment(req, base.apps);
  const warnings = [...fragment.warnings];
  const note = (message: string) => warnings.push({ file: '(import)', line: 0, column: 0, directive: 'merge', message });

  const { list: apps, added: addedApps, rename: appRename } = mergeById(base.apps as AppInput[], fragment.apps, 'app', 'settings', note);
  const { list: upstreams, added: addedUpstreams, rename: upstreamRename } = mergeById(base.upstreams as UpstreamInput[], fragment.upstreams, 'upstream', 'servers', note);

  // Sites already in the config that uwsgi_pass to an imported ini's address (nginx imported before
  // the ini) now use the app: its address may be gone (Berth's worker uses its own sockets).
  const sites = base.sites.map((s) => retargetToApps(s, base.upstreams, fragment.appAddresses, appRename, note)) as SiteInput[];
  const addedSites: string[] = [];
  for (const s of fragment.sites) {
    const id = freeId(s.id, sites.map((x) => x.id));
    if (id !== s.id) note(`site "${s.id}" already exists; the imported one is "${id}"`);
    const locations = (s.locations ?? []).map((l) => {
      const h = l.handler;
      if (h.type === 'app' && appRename.has(h.app)) return { ...l, handler: { ...h, app: appRename.get(h.app) as string } };
      if ((h.type === 'proxy' || h.type === 'uwsgi' || h.type === 'fastcgi') && h.upstream !== undefined && upstreamRename.has(h.upstream)) {
        return { ...l, handler: { ...h, upstream: upstreamRename.get(h.upstream) as string } };
      }
      return l;
    });
    sites.push({ ...s, id, ...(s.locations ? { locations } : {}) });
    addedSites.push(id);
  }

  const config: BerthConfigInput = { ...base, sites, upstreams, apps } as BerthConfigInput;
  const result = validateConfig(config, req.context);
  return {
    config,
    added: { sites: addedSites, upstreams: addedUpstreams, apps: addedApps },
    warnings,
    issues: result.ok ? [] : result.issues,
    valid: result.ok ? result.config : null,
  };
}

/** An empty config: the base when a data dir has none yet. */
export function emptyConfig(): BerthConfig {
  return configSchema.parse({ schemaVersion: 1 });
}

function retargetToApps(
  site: BerthConfig['sites'][number],
  upstreams: BerthConfig['upstreams'],
  appAddresses: ReadonlyMap<string, string>,
  appRename: ReadonlyMap<string, string>,
  note: (message: string) => void,
): BerthConfig['sites'][number] {
  if (appAddresses.size === 0) return site;
  let changed = false;
  const locations = site.locations.map((l) => {
    const h = l.handler;
    if (h.type !== 'uwsgi') return l;
    const servers = upstreams.find((u) => u.id === h.upstream)?.servers ?? [];
    const address = servers.length === 1 && servers[0] ? normalizeAddress(servers[0].address) : null;
    const imported = [...appAddresses].find(([, a]) => a === address)?.[0];
    if (imported === undefined) return l;
    const app = appRename.get(imported) ?? imported;
    // 60 s is nginx's (and the model's) default for each uwsgi_*_timeout.
    const dropped = Object.keys(h.params).length > 0 || [h.connectTimeoutS, h.readTimeoutS, h.sendTimeoutS].some((t) => t !== 60);
    note(
      `site "${site.id}" location ${l.match.path}: uwsgi_pass to ${address} (upstream "${h.upstream}") now uses app "${app}"${dropped ? '; its extra uwsgi_param and timeout settings are not carried over' : ''}`,
    );
    changed = true;
    return { ...l, handler: { type: 'app' as const, app } };
  });
  return changed ? { ...site, locations } : site;
}

/**
 * Adds the imported entries to the existing ones: an entry equal to an existing one of the same id
 * is dropped; one that differs gets a free id (`id-2`, …), noted and recorded in `rename`.
 */
function mergeById<T extends { id: string }>(
  base: readonly T[],
  imported: readonly T[],
  kind: 'app' | 'upstream',
  differsIn: string,
  note: (message: string) => void,
): { list: T[]; added: string[]; rename: Map<string, string> } {
  const rename = new Map<string, string>();
  const list = [...base];
  const added: string[] = [];
  for (const item of imported) {
    const existing = base.find((x) => x.id === item.id);
    if (existing && sameAs(existing, item, kind)) continue;
    const id = freeId(item.id, list.map((x) => x.id));
    if (id !== item.id) {
      note(`${kind} "${item.id}" already exists with other ${differsIn}; the imported one is "${id}"`);
      rename.set(item.id, id);
    }
    list.push({ ...item, id });
    added.push(id);
  }
  return { list, added, rename };
}

function sameAs(existing: unknown, imported: unknown, kind: 'app' | 'upstream'): boolean {
  const schema = kind === 'app' ? configSchema.shape.apps : configSchema.shape.upstreams;
  const a = schema.safeParse([existing]);
  const b = schema.safeParse([imported]);
  return a.success && b.success && isDeepStrictEqual(a.data, b.data);
}

function freeId(id: string, taken: readonly string[]): string {
  if (!taken.includes(id)) return id;
  for (let n = 2; ; n++) {
    const candidate = `${id.slice(0, 60)}-${n}`;
    if (!taken.includes(candidate)) return candidate;
  }
}

function sortWarnings(list: readonly ImportWarning[]): ImportWarning[] {
  const fileOrder = new Map<string, number>();
  for (const w of list) if (!fileOrder.has(w.file)) fileOrder.set(w.file, fileOrder.size);
  return [...list].sort((a, b) => (fileOrder.get(a.file) as number) - (fileOrder.get(b.file) as number) || a.line - b.line || a.column - b.column);
}

function missing(file: string): BerthError {
  return new BerthError('BERTH_ERR_IMPORT_FILE', `cannot read ${file}`, { hint: 'check the path of the file to import' });
}
