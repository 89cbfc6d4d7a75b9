// Apps for a production server: uwsgi.ini per WSGI app (what `berth import uwsgi` reads back),
// a php-fpm pool per PHP app, and a systemd unit per app that is not run by php-fpm's own service.
// Paths in the units follow the layout the export's README describes.
import type { App } from '../config/schema.js';
import { appSocket, type NginxExportOptions } from './nginx/export.js';

export const UWSGI_INSTALL_DIR = '/etc/uwsgi/berth';

export function exportApps(apps: readonly App[], options: NginxExportOptions, notes: string[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const app of apps) {
    const socket = appSocket(app, options);
    if (app.runtime === 'wsgi' || app.runtime === 'uwsgi') {
      files.set(`uwsgi/${app.id}.ini`, uwsgiIni(app, socket, options, notes));
      files.set(`systemd/berth-${app.id}.service`, unit(app, `/usr/bin/uwsgi --ini ${UWSGI_INSTALL_DIR}/${app.id}.ini`, { KillSignal: 'SIGQUIT' }, options));
    } else if (app.runtime === 'php-fpm') {
      files.set(`php-fpm/${app.id}.conf`, phpFpmPool(app, socket, options));
    } else {
      files.set(`systemd/berth-${app.id}.service`, unit(app, commandLine(app, socket), {}, options));
    }
  }
  return files;
}

function uwsgiIni(app: App, socket: string, options: NginxExportOptions, notes: string[]): string {
  const hints = [`id=${app.id}`, `runtime=${app.runtime}`, ...(app.autostart ? [] : ['autostart=false'])];
  const lines = [options.banner.replace(/^#/, ';'), '[uwsgi]', `# berth: ${hints.join(' ')}`, `socket = ${socket.replace(/^unix:/, '')}`, `chdir = ${app.workingDir}`];
  if (app.entry !== '') lines.push(`module = ${app.entry}`);
  lines.push('master = true', `processes = ${app.processes}`, `threads = ${app.threads}`);
  if (app.threads > 1) lines.push('enable-threads = true');
  if (app.maxRequests > 0) lines.push(`max-requests = ${app.maxRequests}`);
  if (app.harakiriS > 0) lines.push(`harakiri = ${app.harakiriS}`);
  for (const [k, v] of Object.entries(app.env)) lines.push(`env = ${k}=${v}`);
  const venv = /^(.*)\/bin\/python[0-9.]*$/.exec(app.interpreter);
  if (venv) lines.push(`home = ${venv[1]}`);
  else if (app.interpreter !== '') notes.push(`app ${app.id}: interpreter ${app.interpreter} is not in a virtualenv; set uWSGI's home/plugin by hand`);
  if (app.reloadOnChange) lines.push('py-autoreload = 1');
  if (socket.startsWith('unix:')) lines.push('chmod-socket = 660', 'vacuum = true');
  lines.push('die-on-term = true', '');
  return lines.join('\n');
}

function phpFpmPool(app: App, socket: string, options: NginxExportOptions): string {
  const lines = [options.banner.replace(/^#/, ';'), `[${app.id}]`, 'user = www-data', 'group = www-data', `listen = ${socket.replace(/^unix:/, '')}`];
  if (socket.startsWith('unix:')) lines.push('listen.owner = www-data', 'listen.group = www-data');
  lines.push('pm = static', `pm.max_children = ${app.processes}`);
  if (app.maxRequests > 0) lines.push(`pm.max_requests = ${app.maxRequests}`);
  if (app.harakiriS > 0) lines.push(`request_terminate_timeout = ${app.harakiriS}s`);
  lines.push(`chdir = ${app.workingDir}`);
  for (const [k, v] of Object.entries(app.env)) lines.push(`env[${k}] = ${JSON.stringify(v)}`);
  lines.push('');
  return lines.join('\n');
}

function commandLine(app: App, socket: string): string {
  const bind = socket.startsWith('unix:') ? socket : socket;
  switch (app.runtime) {
    case 'gunicorn': {
      const bin = app.interpreter !== '' ? app.interpreter.replace(/\/python[0-9.]*$/, '/gunicorn') : '/usr/bin/gunicorn';
      const args = [`--bind ${bind}`, `--workers ${app.processes}`, `--threads ${app.threads}`];
      if (app.maxRequests > 0) args.push(`--max-requests ${app.maxRequests}`);
      if (app.harakiriS > 0) args.push(`--timeout ${app.harakiriS}`);
      return `${bin} ${args.join(' ')} ${app.entry}`;
    }
    case 'node':
      return `${app.interpreter !== '' ? app.interpreter : '/usr/bin/node'} ${app.entry}`;
    default:
      return app.entry;
  }
}

function unit(app: App, execStart: string, extra: Record<string, string>, options: NginxExportOptions): string {
  const env = Object.entries(app.env).map(([k, v]) => `Environment=${JSON.stringify(`${k}=${v}`)}`);
  if (app.runtime === 'node') {
    const socket = appSocket(app, options);
    const port = /:(\d+)$/.exec(socket)?.[1];
    if (port && !socket.startsWith('unix:')) env.push(`Environment="PORT=${port}"`);
  }
  return [
    options.banner,
    '[Unit]',
    `Description=${app.id} (exported from Berth, runtime ${app.runtime})`,
    'After=network.target',
    '',
    '[Service]',
    'Type=simple',
    `WorkingDirectory=${app.workingDir}`,
    ...env,
    `ExecStart=${execStart}`,
    'Restart=on-failure',
    ...Object.entries(extra).map(([k, v]) => `${k}=${v}`),
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}
