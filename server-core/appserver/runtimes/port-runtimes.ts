// `node` and `command`: N instances, each given its own PORT (Heroku-style), ready when the port
// answers. The proxy speaks HTTP to them and balances over the instances.
import { isAbsolute, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import type { App } from '../../config/schema.js';
import { AppConfigError } from '../app-errors.js';
import { resolveProgram } from '../find-executable.js';
import { splitCommandLine } from '../command-line.js';
import { appEnv, type Runtime, type RuntimeContext } from './types.js';

function instanceAddress(app: App, ctx: RuntimeContext, slot: number): { host: string; port: number } {
  if (app.socket !== '') {
    const m = /^(.*):(\d+)$/.exec(app.socket);
    if (m) return { host: (m[1] ?? '127.0.0.1').replace(/^\[|\]$/g, ''), port: Number(m[2]) + slot };
  }
  const port = ctx.ports[slot];
  if (port === undefined) throw new Error(`no port assigned for instance ${slot}`);
  return { host: '127.0.0.1', port };
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
      reload: { kind: 'replace' },
      berthWorkers: false,
      root: '',
      launch: (slot) => {
        const a = instanceAddress(app, ctx, slot);
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
      reload: { kind: 'replace' },
      berthWorkers: false,
      root: '',
      launch: (slot) => {
        const a = instanceAddress(app, ctx, slot);
        // `$PORT` in the command line is replaced, like a shell would.
        const args = argv.slice(app.interpreter !== '' ? 0 : 1).map((s) => s.replace(/\$\{?PORT\}?/g, String(a.port)));
        return { command: binary, args, cwd: app.workingDir, env: appEnv(app, ctx, { PORT: String(a.port), HOST: a.host }), address: hostPort(a), readiness: 'probe', files: [], stopSignal: 'SIGTERM' };
      },
    };
  },
} satisfies Runtime;
