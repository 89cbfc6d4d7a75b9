// `gunicorn`: real gunicorn on a unix socket (or the app's host:port), spoken to over HTTP.
import { join } from 'node:path';
import type { App } from '../../config/schema.js';
import { AppConfigError } from '../app-errors.js';
import { resolveProgram } from '../find-executable.js';
import { appEnv, type Runtime } from './types.js';

export const gunicornRuntime = {
  id: 'gunicorn',
  protocol: 'http',
  portsNeeded: () => 0,
  plan(app: App, ctx) {
    if (!/^[A-Za-z_][\w.]*(:[A-Za-z_][\w.()'", ]*)?$/.test(app.entry)) {
      throw new AppConfigError('BERTH_ERR_APP_ENTRY', `the entry "${app.entry}" is not module:callable`, 'set entry to the WSGI module and callable, e.g. mysite.wsgi:application');
    }
    const binary = resolveProgram(app.interpreter, ['gunicorn'], app.workingDir, ctx.env, 'gunicorn', 'install gunicorn (pip install gunicorn, or apt install gunicorn) or set the app\'s interpreter to the gunicorn binary');
    const socket = app.socket || `unix:${join(ctx.runDir, 'gunicorn.sock')}`;
    const args = ['--bind', socket, '--workers', String(app.processes), '--threads', String(app.threads), '--chdir', app.workingDir];
    // No access log (gunicorn's default): Berth's proxy writes it; errors still go to stderr.
    if (app.maxRequests > 0) args.push('--max-requests', String(app.maxRequests));
    // gunicorn's --timeout is its harakiri: a silent worker is killed and replaced.
    if (app.harakiriS > 0) args.push('--timeout', String(app.harakiriS));
    args.push(app.entry);
    return {
      protocol: 'http',
      slots: 1,
      reload: { kind: 'signal', signal: 'SIGHUP' },
      picksPorts: false,
      berthWorkers: false,
      root: '',
      launch: () => ({ command: binary, args, cwd: app.workingDir, env: appEnv(app, ctx, { PYTHONUNBUFFERED: '1' }), address: socket, readiness: 'probe', files: [], stopSignal: 'SIGTERM' }),
    };
  },
} satisfies Runtime;
