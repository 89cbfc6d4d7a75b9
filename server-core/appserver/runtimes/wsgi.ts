// `wsgi`: Berth's own WSGI host. Each slot is one berth_wsgi.py process with `threads` threads on
// its own unix socket (`w<slot>-<generation>.sock`); the proxy balances over the slots. Berth's
// master recycles a worker after max_requests and kills one whose request runs past harakiri.
import { join } from 'node:path';
import type { App } from '../../config/schema.js';
import { AppConfigError } from '../app-errors.js';
import { resolvePython } from '../find-executable.js';
import { appEnv, socketPath, type Runtime } from './types.js';

export const wsgiRuntime = {
  id: 'wsgi',
  protocol: 'uwsgi',
  portsNeeded: () => 0,
  plan(app: App, ctx) {
    if (!/^[A-Za-z_][\w.]*(:[A-Za-z_][\w.]*)?$/.test(app.entry)) {
      throw new AppConfigError('BERTH_ERR_APP_ENTRY', `the entry "${app.entry}" is not module:callable`, 'set entry to the WSGI module and callable, e.g. mysite.wsgi:application (Django) or app:app (Flask)');
    }
    const python = resolvePython(app.interpreter, app.workingDir, ctx.env);
    // A user socket `unix:/x/app.sock` becomes the prefix of the per-worker sockets.
    const base = app.socket.startsWith('unix:') ? socketPath(app.socket) : join(ctx.runDir, 'w');
    return {
      protocol: 'uwsgi',
      slots: app.processes,
      reload: { kind: 'replace' },
      picksPorts: false,
      berthWorkers: true,
      root: '',
      launch: (slot, generation) => {
        const address = `unix:${base}${slot}-${generation}.sock`;
        const args = [ctx.wsgiWorkerPath, '--socket', address, '--module', app.entry, '--threads', String(app.threads)];
        if (app.maxRequests > 0) args.push('--max-requests', String(app.maxRequests));
        if (app.harakiriS > 0) args.push('--harakiri', String(app.harakiriS));
        return {
          command: python,
          args: ['-u', ...args],
          cwd: app.workingDir,
          env: appEnv(app, ctx, { PYTHONUNBUFFERED: '1' }),
          address,
          readiness: 'status-fd',
          files: [],
          stopSignal: 'SIGTERM',
        };
      },
    };
  },
} satisfies Runtime;
