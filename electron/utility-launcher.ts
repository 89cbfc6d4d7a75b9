// The supervisor's ChildLauncher under Electron: children run as utility processes
// (https://www.electronjs.org/docs/latest/api/utility-process), the Chromium-managed
// Node processes that work with the runAsNode fuse off. Children talk back through
// `process.parentPort` (server-core/supervisor/parent-channel.ts).
import type { ForkOptions, UtilityProcess } from 'electron';
import type { ChildToSupervisor } from '../server-core/contract/ipc.js';
import { lineSplitter } from '../server-core/supervisor/child-launcher.js';
import type { ChildHandle, ChildLauncher, ChildSpec } from '../server-core/supervisor/child-launcher.js';

/** `utilityProcess.fork`; injected so this module loads without the Electron runtime. */
export type UtilityFork = (modulePath: string, args: string[], options: ForkOptions) => UtilityProcess;

export class UtilityProcessLauncher implements ChildLauncher {
  constructor(
    private readonly fork: UtilityFork,
    private readonly baseEnv: NodeJS.ProcessEnv = process.env,
    private readonly platform: NodeJS.Platform = process.platform,
  ) {}

  launch(spec: ChildSpec): ChildHandle {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.baseEnv)) if (v !== undefined) env[k] = v;
    Object.assign(env, spec.env);
    // `fork` must run after app 'ready'; main.ts starts the stack only then.
    // spec.execArgv (V8 tuning, proxy-workers.ts) is not passed on: how a utility process treats V8
    // flags in execArgv could not be checked here (no Electron binary), and a worker refusing an
    // unknown flag would leave the app without a proxy. Utility processes run with V8's defaults.
    const child = this.fork(spec.modulePath, spec.args, { env, stdio: 'pipe', serviceName: spec.id });

    const exitListeners: Array<(code: number | null, signal: string | null) => void> = [];
    let exited = false;
    child.once('exit', (code: number) => {
      if (exited) return;
      exited = true;
      for (const l of exitListeners) l(code, null);
    });
    const platform = this.platform;

    return {
      get pid() {
        return child.pid;
      },
      send(message) {
        if (exited) return;
        try {
          child.postMessage(message);
        } catch {
          // The port closes a moment before 'exit' is reported; the exit handler reports the rest.
        }
      },
      kill() {
        if (exited) return;
        const pid = child.pid;
        // utilityProcess.kill() is SIGTERM on POSIX (TerminateProcess on Windows) and makes
        // Electron reap the process; the supervisor calls kill() only after a graceful
        // `shutdown` timed out, so follow with SIGKILL where signals exist.
        child.kill();
        if (pid !== undefined && platform !== 'win32') {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // ESRCH: already gone.
          }
        }
      },
      onMessage(listener) {
        child.on('message', (message: unknown) => listener(message as ChildToSupervisor));
      },
      onExit(listener) {
        exitListeners.push(listener);
      },
      onOutput(listener) {
        child.stdout?.on('data', lineSplitter((line) => listener('stdout', line)));
        child.stderr?.on('data', lineSplitter((line) => listener('stderr', line)));
      },
    };
  }
}
