// `node` and `command`: N instances, each given its own PORT (Heroku-style), ready when the port
// answers. The proxy speaks HTTP to them and balances over the instances. A replacement (reload)
// gets a new port from the runner, so it never collides with the process it replaces.
import { isAbsolute, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import type { App } from '../../config/schema.js';
import { AppConfigError } from '../app-errors.js';
import { resolveProgram } from '../find-executable.js';
import { splitCommandLine } from '../command-line.js';
import { appEnv, type Runtime, type RuntimePlan } from './types.js';

/** The user's `socket` host:PORT: instance `slot` listens on PORT + slot. Null when Berth picks the ports. */
function fixedAddress(app: App, slot: number): { host: string; port: number } | null {
  const m = /^(.*):(\d+)$/.exec(app.socket);
  return m ? { host: (m[1] ?? '127.0.0.1').replace(/^\[|\]$/g, ''), port: Number(m[2]) + slot } : null;
}

/** Where instance `slot` listens: the fixed socket's port, else the port the runner picked for this process. */
function instanceAddress(app: App, slot: number, port: number | null): { host: string; port: number } {
  const fixed = app.socket !== '' ? fixedAddress(app, slot) : null;
  if (fixed) return fixed;
  if (port === null) throw new Error(`no port assigned for instance ${slot}`);
  return { host: '127.0.0.1', port };
}

/**
 * A second process cannot bind the port the first one holds (EADDRINUSE: the app's own listen()
 * does not set SO_REUSEPORT), so an app on a fixed socket reloads by stopping, then starting; with
 * ports Berth picks, every new process gets a free one and the reload is graceful.
 */
function reloadStyle(app: App): RuntimePlan['reload'] {
  return app.socket === '' ? { kind: 'replace' } : { kind: 'restart', why: `the socket ${app.socket} is fixed and a second process cannot bind it next to the running one` };
}

const hostPort = (a: { host: string; port: number }): string => (a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`);

export const nodeRuntime = {
  id: 'node',
  protocol: 'http',
  portsNeeded: (app: App) => (app.socket === '' ? app.processes : 0),
  plan(app: App, ctx) {
    if (app.entry === '') throw new AppConfigError('BERTH_ERR_APP_ENTRY', 'a node app needs an entry script', 'set entry to the server script, e.g. server.js');
    const script = isAbsolute(app.entry) ? app.entry : resolve(app.workingDir, app.entry);
    if (!existsSync(script)) throw new AppConfigError('BERTH_ERR_APP_ENTRY', `the entry script ${script} does not exist`, 'set entry to the server script relative to the working dir, e.g. server.js');
    const node = resolveProgram(app.interpreter, ['node', 'nodejs'], app.workingDir, ctx.env, 'Node.js', 'install Node.js or set the app\'s interpreter to the node binary');
    return {
      protocol: 'http',
      slots: app.processes,
      reload: reloadStyle(app),
      picksPorts: app.socket === '',
      berthWorkers: false,
      root: '',
      launch: (slot, _generation, port) => {
        const a = instanceAddress(app, slot, port);
        return { command: node, args: [script], cwd: app.workingDir, env: appEnv(app, ctx, { PORT: String(a.port), HOST: a.host }), address: hostPort(a), readiness: 'probe', files: [], stopSignal: 'SIGTERM' };
      },
    };
  },
} satisfies Runtime;

export const commandRuntime = {
  id: 'command',
  protocol: 'http',
  portsNeeded: (app: App) => (app.socket === '' ? app.processes : 0),
  plan(app: App, ctx) {
    const argv = splitCommandLine(app.entry);
    const program = argv[0];
    if (program === undefined) throw new AppConfigError('BERTH_ERR_APP_ENTRY', 'a command app needs a command line in entry', 'set entry to the command, e.g. "python3 -m http.server $PORT"');
    const binary = resolveProgram(app.interpreter !== '' ? app.interpreter : program, [program], app.workingDir, ctx.env, `the program "${program}"`, 'install it, or give its absolute path in entry');
    return {
      protocol: 'http',
      slots: app.processes,
      reload: reloadStyle(app),
      picksPorts: app.socket === '',
      berthWorkers: false,
      root: '',
      launch: (slot, _generation, port) => {
        const a = instanceAddress(app, slot, port);
        // `$PORT` in the command line is replaced, like a shell would.
        const args = argv.slice(app.interpreter !== '' ? 0 : 1).map((s) => s.replace(/\$\{?PORT\}?/g, String(a.port)));
        return { command: binary, args, cwd: app.workingDir, env: appEnv(app, ctx, { PORT: String(a.port), HOST: a.host }), address: hostPort(a), readiness: 'probe', files: [], stopSignal: 'SIGTERM' };
      },
    };
  },
} satisfies Runtime;
