// `uwsgi`: real uWSGI from a generated ini (the seeds' uwsgi.ini, with Berth's socket). uWSGI's
// own master runs processes × threads, max-requests and harakiri; Berth supervises the master.
import { join } from 'node:path';
import type { App } from '../../config/schema.js';
import { AppConfigError } from '../app-errors.js';
import { findVirtualenvBin, resolveProgram } from '../find-executable.js';
import { appEnv, socketPath, type Runtime } from './types.js';

export function uwsgiIni(app: App, socket: string, venvDir: string | null, statsSocket: string | null = null): string {
  const lines = [
    '[uwsgi]',
    // Debian/Ubuntu build Python as a plugin; a pip-installed uwsgi has it built in and ignores this.
    'plugins = python3',
    `socket = ${socketPath(socket)}`,
    'chmod-socket = 600',
    `chdir = ${app.workingDir}`,
    `module = ${app.entry}`,
    'master = true',
    `processes = ${app.processes}`,
    `threads = ${app.threads}`,
    // uWSGI 2.0 reloads on SIGTERM unless told otherwise; Berth's stop must stop it.
    'die-on-term = true',
    // Exit when the app cannot load instead of serving "no python application found".
    'need-app = true',
    'strict = true',
    'vacuum = true',
    // No per-request log line: Berth's proxy writes the access log, and each uWSGI line would cost a
    // pipe write, a log-file write and a live-tail message per request (bench/apps.mjs, one loaded
    // run: 3291 → 3737 req/s without it). Errors and tracebacks are still logged.
    'disable-logging = true',
  ];
  if (app.threads > 1) lines.push('enable-threads = true');
  if (app.maxRequests > 0) lines.push(`max-requests = ${app.maxRequests}`);
  if (app.harakiriS > 0) lines.push(`harakiri = ${app.harakiriS}`);
  if (venvDir) lines.push(`virtualenv = ${venvDir}`);
  // Per-worker request counts for the Apps page (uwsgi-stats.ts); a unix socket only Berth's user can open.
  if (statsSocket) lines.push(`stats = ${statsSocket}`);
  return `${lines.join('\n')}\n`;
}

export const uwsgiRuntime = {
  id: 'uwsgi',
  protocol: 'uwsgi',
  portsNeeded: () => 0,
  plan(app: App, ctx) {
    if (!/^[A-Za-z_][\w.]*(:[A-Za-z_][\w.]*)?$/.test(app.entry)) {
      throw new AppConfigError('BERTH_ERR_APP_ENTRY', `the entry "${app.entry}" is not module:callable`, 'set entry to the WSGI module, e.g. mysite.wsgi:application');
    }
    const binary = resolveProgram(app.interpreter, ['uwsgi'], app.workingDir, ctx.env, 'uWSGI', 'install uWSGI (Debian/Ubuntu: apt install uwsgi uwsgi-plugin-python3; or pip install uwsgi) or set the app\'s interpreter to the uwsgi binary');
    const venvBin = findVirtualenvBin(app.workingDir);
    const socket = app.socket || `unix:${join(ctx.runDir, 'uwsgi.sock')}`;
    const iniPath = join(ctx.runDir, 'uwsgi.ini');
    const statsSocket = join(ctx.runDir, 'uwsgi-stats.sock');
    const ini = uwsgiIni(app, socket, venvBin ? join(venvBin, '..') : null, statsSocket);
    return {
      protocol: 'uwsgi',
      slots: 1,
      reload: { kind: 'signal', signal: 'SIGHUP' },
      picksPorts: false,
      berthWorkers: false,
      root: '',
      statsSocket,
      launch: () => ({
        command: binary,
        args: ['--ini', iniPath],
        cwd: app.workingDir,
        env: appEnv(app, ctx),
        address: socket,
        readiness: 'probe',
        files: [{ path: iniPath, content: ini }],
        stopSignal: 'SIGTERM',
      }),
    };
  },
} satisfies Runtime;
