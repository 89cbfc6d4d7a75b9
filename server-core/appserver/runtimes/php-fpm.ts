// `php-fpm`: real PHP-FPM in the foreground (-F) with a generated config (-y) and prefix (-p):
// one pool listening on the app's socket, pm static (processes) or dynamic (processes as max).
import { join } from 'node:path';
import type { App } from '../../config/schema.js';
import { AppConfigError } from '../app-errors.js';
import { findPhpFpm, resolveProgram } from '../find-executable.js';
import { appEnv, socketPath, type Runtime } from './types.js';

/** php-fpm.conf values are INI: quote, and keep quotes and newlines out. */
function iniValue(v: string): string {
  return `"${v.replace(/["\r\n]/g, '')}"`;
}

export function phpFpmConfig(app: App, socket: string, runDir: string, pm: 'static' | 'dynamic'): string {
  const lines = [
    '[global]',
    `pid = ${join(runDir, 'php-fpm.pid')}`,
    // A file (stderr is a pipe, which php-fpm cannot open by path); -O copies it to the captured stderr.
    `error_log = ${join(runDir, 'php-fpm.log')}`,
    'daemonize = no',
    'log_level = notice',
    '',
    `[${app.id}]`,
    `listen = ${socketPath(socket)}`,
    'listen.mode = 0600',
    `pm = ${pm}`,
    `pm.max_children = ${app.processes}`,
  ];
  if (pm === 'dynamic') {
    lines.push('pm.start_servers = 1', 'pm.min_spare_servers = 1', `pm.max_spare_servers = ${Math.max(1, Math.ceil(app.processes / 2))}`);
  }
  if (app.maxRequests > 0) lines.push(`pm.max_requests = ${app.maxRequests}`);
  if (app.harakiriS > 0) lines.push(`request_terminate_timeout = ${app.harakiriS}s`);
  lines.push(`chdir = ${app.workingDir}`, 'catch_workers_output = yes', 'decorate_workers_output = no', 'clear_env = yes');
  // Only .php runs (PHP-FPM's default, stated): with Berth's existence check this stops /uploads/a.jpg/x.php.
  lines.push('security.limit_extensions = .php');
  for (const [k, v] of Object.entries(app.env)) lines.push(`env[${k}] = ${iniValue(v)}`);
  return `${lines.join('\n')}\n`;
}

export const phpFpmRuntime = {
  id: 'php-fpm',
  protocol: 'fastcgi',
  portsNeeded: () => 0,
  plan(app: App, ctx) {
    const binary = app.interpreter !== ''
      ? resolveProgram(app.interpreter, [], app.workingDir, ctx.env, 'php-fpm', 'set the interpreter to the php-fpm binary (Debian: /usr/sbin/php-fpm8.2)')
      : findPhpFpm(ctx.env);
    if (binary === null) throw new AppConfigError('BERTH_ERR_APP_INTERPRETER', 'php-fpm was not found on PATH or in /usr/sbin', 'install PHP-FPM (Debian/Ubuntu: apt install php-fpm; macOS: brew install php) or set the app\'s interpreter to the php-fpm binary');
    const socket = app.socket || `unix:${join(ctx.runDir, 'php-fpm.sock')}`;
    const confPath = join(ctx.runDir, 'php-fpm.conf');
    // A fixed pool for small counts; a dynamic one (processes = the ceiling) above 4.
    const conf = phpFpmConfig(app, socket, ctx.runDir, app.processes <= 4 ? 'static' : 'dynamic');
    const args = ['-F', '-O', '-y', confPath, '-p', ctx.runDir];
    // php-fpm refuses to run as root without -R; Berth runs pools as the user running Berth.
    if (ctx.isRoot) args.push('-R');
    return {
      protocol: 'fastcgi',
      slots: 1,
      reload: { kind: 'signal', signal: 'SIGUSR2' },
      picksPorts: false,
      berthWorkers: false,
      root: app.workingDir,
      launch: () => ({ command: binary, args, cwd: app.workingDir, env: appEnv(app, ctx), address: socket, readiness: 'probe', files: [{ path: confPath, content: conf }], stopSignal: 'SIGQUIT' }),
    };
  },
} satisfies Runtime;
