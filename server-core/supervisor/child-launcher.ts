// The one small port through which the supervisor starts its children:
// `child_process.fork` headless (below), `utilityProcess.fork` under Electron (electron/utility-launcher.ts).
import { fork } from 'node:child_process';
import type { Server } from 'node:net';
import type { ChildRole } from '../contract/api.js';
import type { ChildToSupervisor, SupervisorToChild } from '../contract/ipc.js';

export interface ChildSpec {
  id: string;
  role: ChildRole;
  /** Absolute path of the child's compiled entry module. */
  modulePath: string;
  args: string[];
  env: Record<string, string>;
  /** Node/V8 flags for the child's runtime, after the parent's own (`process.execArgv`). */
  execArgv: string[];
}

export interface ChildHandle {
  /** Undefined until the OS process exists (or when spawning failed). */
  readonly pid: number | undefined;
  send(message: SupervisorToChild): void;
  /**
   * Sends a message with an OS handle attached (a bound listening socket). Only launchers whose
   * children can receive handles have it: child_process can, Electron's utilityProcess cannot.
   */
  sendHandle?(message: SupervisorToChild, handle: object): void;
  /** Forceful stop (SIGKILL where the OS has signals). Graceful stop goes through a `shutdown` message. */
  kill(): void;
  onMessage(listener: (message: ChildToSupervisor) => void): void;
  /** Called exactly once, when the process is gone. */
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  /** Lines the child printed on stdout/stderr. */
  onOutput(listener: (stream: 'stdout' | 'stderr', line: string) => void): void;
}

export interface ChildLauncher {
  launch(spec: ChildSpec): ChildHandle;
  /** Its handles implement `sendHandle` (several proxy workers can share listening sockets). */
  readonly passesHandles?: boolean;
}

/** Splits a byte stream into lines and hands each complete one on. */
export function lineSplitter(emit: (line: string) => void): (chunk: Buffer | string) => void {
  let rest = '';
  return (chunk) => {
    rest += chunk.toString();
    let nl = rest.indexOf('\n');
    while (nl !== -1) {
      emit(rest.slice(0, nl).replace(/\r$/, ''));
      rest = rest.slice(nl + 1);
      nl = rest.indexOf('\n');
    }
    // Guard against a child that never prints a newline.
    if (rest.length > 64 * 1024) {
      emit(rest);
      rest = '';
    }
  };
}

/** Headless launcher: plain Node child processes with an IPC channel. */
export class NodeChildLauncher implements ChildLauncher {
  readonly passesHandles = true;

  launch(spec: ChildSpec): ChildHandle {
    const child = fork(spec.modulePath, spec.args, {
      env: { ...process.env, ...spec.env },
      // fork's default is the parent's execArgv; the child's own flags come after (the later wins).
      execArgv: [...process.execArgv, ...spec.execArgv],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    const exitListeners: Array<(code: number | null, signal: string | null) => void> = [];
    let exited = false;
    const finish = (code: number | null, signal: string | null): void => {
      if (exited) return;
      exited = true;
      for (const l of exitListeners) l(code, signal);
    };
    child.once('exit', (code, signal) => finish(code, signal));
    // 'error' without 'exit' happens when the spawn itself fails.
    child.once('error', () => {
      if (child.pid === undefined) finish(null, null);
    });
    return {
      get pid() {
        return child.pid;
      },
      send(message) {
        if (child.connected) child.send(message);
      },
      sendHandle(message, handle) {
        // A raw TCP handle travels as child_process's 'net.Native' (SCM_RIGHTS on Unix).
        if (child.connected) child.send(message, handle as Server);
      },
      kill() {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      },
      onMessage(listener) {
        child.on('message', (m) => listener(m as ChildToSupervisor));
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
