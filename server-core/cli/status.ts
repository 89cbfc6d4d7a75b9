// `berth status`: asks the running instance (found through admin.json) what runs.
import { resolve } from 'node:path';
import type { StatusResponse } from '../contract/api.js';
import { BerthError } from '../errors.js';
import { dataPaths, defaultDataDir } from '../paths.js';
import { isProcessAlive, readAdminJson } from '../supervisor/admin-json.js';
import { parseStrict } from './args.js';
import { STATUS_USAGE } from './usage.js';

export const NOT_RUNNING_EXIT = 3;

export function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const parts = d > 0 ? [`${d}d`, `${h}h`] : h > 0 ? [`${h}h`, `${m}m`] : m > 0 ? [`${m}m`, `${s % 60}s`] : [`${s % 60}s`];
  return parts.join(' ');
}

export function formatStatus(s: StatusResponse): string {
  const rows = s.children.map((c) => [c.id, c.role, c.state, c.pid === null ? '-' : String(c.pid), c.state === 'running' ? formatDuration(c.uptimeMs) : '-', String(c.restarts)]);
  const header = ['CHILD', 'ROLE', 'STATE', 'PID', 'UPTIME', 'RESTARTS'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const table = [header, ...rows].map((r) => r.map((cell, i) => cell.padEnd(widths[i] as number)).join('  ').trimEnd());
  const problems = s.children.filter((c) => c.lastError).map((c) => `  ${c.id}: ${c.lastError}`);
  return [
    `Berth ${s.berth.version} (${s.berth.mode}), pid ${s.berth.pid}, up ${formatDuration(s.berth.uptimeMs)}`,
    `  dashboard  ${s.admin.url}`,
    `  ports      http ${s.proxy.httpPort}, https ${s.proxy.httpsPort}`,
    `  config     version ${s.config.version}, applied ${s.config.appliedAt}`,
    `  data dir   ${s.berth.dataDir}`,
    '',
    ...table,
    ...(problems.length > 0 ? ['', 'Problems:', ...problems] : []),
  ].join('\n');
}

export async function statusCommand(args: string[]): Promise<number> {
  const opts = parseStrict(args, { json: { type: 'boolean' }, 'data-dir': { type: 'string' } });
  if (opts.flag('help')) {
    process.stdout.write(STATUS_USAGE);
    return 0;
  }
  const dataDirFlag = opts.string('data-dir');
  const dataDir = dataDirFlag ? resolve(dataDirFlag) : defaultDataDir();
  const admin = readAdminJson(dataPaths(dataDir).adminJson);
  if (!admin || !isProcessAlive(admin.pid)) {
    console.error(`Berth is not running for ${dataDir}${admin ? ` (admin.json names pid ${admin.pid}, which is gone)` : ''}.`);
    console.error('Start it with `berth serve` (or `npm start`).');
    return NOT_RUNNING_EXIT;
  }
  let response: Response;
  try {
    response = await fetch(`${admin.url}/api/v1/status`, { headers: { Authorization: `Bearer ${admin.token}` }, signal: AbortSignal.timeout(5000) });
  } catch (e) {
    throw new BerthError('BERTH_ERR_ADMIN_UNREACHABLE', `Berth (pid ${admin.pid}) does not answer at ${admin.url}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!response.ok) throw new BerthError('BERTH_ERR_ADMIN_UNREACHABLE', `the admin API answered ${response.status}: ${await response.text()}`);
  const status = (await response.json()) as StatusResponse;
  console.log(opts.flag('json') ? JSON.stringify(status, null, 2) : formatStatus(status));
  return 0;
}
