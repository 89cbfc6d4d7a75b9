import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { after, describe, it } from 'node:test';
import type { ForkOptions, UtilityProcess } from 'electron';
import type { ChildToSupervisor, SupervisorToChild } from '../server-core/contract/ipc.js';
import { UtilityProcessLauncher } from './utility-launcher.js';

/**
 * Electron's UtilityProcess surface the launcher uses (pid, stdout/stderr, postMessage, kill,
 * 'message' and 'exit' events), driven by the test. The Electron runtime itself is exercised by
 * test/electron/electron-app.test.ts where its binary is installed.
 */
class ScriptedUtilityProcess extends EventEmitter {
  pid: number | undefined = undefined;
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly posted: unknown[] = [];
  kills = 0;
  postMessage(message: unknown): void {
    this.posted.push(message);
  }
  kill(): boolean {
    this.kills++;
    return true;
  }
}

function launcherWith(child: ScriptedUtilityProcess, platform: NodeJS.Platform = 'linux') {
  const forks: Array<{ modulePath: string; args: string[]; options: ForkOptions }> = [];
  const launcher = new UtilityProcessLauncher(
    (modulePath, args, options) => {
      forks.push({ modulePath, args, options });
      return child as unknown as UtilityProcess;
    },
    { PATH: '/usr/bin', BERTH_HOME: '/data', UNSET: undefined },
    platform,
  );
  return { launcher, forks };
}

const spec = { id: 'proxy-1', role: 'proxy' as const, modulePath: '/app/dist/server-core/proxy/worker.js', args: ['--x'], env: { BERTH_HOME: '/other' }, execArgv: ['--no-parallel-scavenge'] };

describe('UtilityProcessLauncher', () => {
  const spawned: ChildProcess[] = [];
  after(() => {
    for (const c of spawned) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });

  it('forks the module with piped output, the merged env and the child id as service name (no V8 flags: see launch())', () => {
    const { launcher, forks } = launcherWith(new ScriptedUtilityProcess());
    launcher.launch(spec);
    assert.deepEqual(forks, [
      {
        modulePath: spec.modulePath,
        args: ['--x'],
        options: { env: { PATH: '/usr/bin', BERTH_HOME: '/other' }, stdio: 'pipe', serviceName: 'proxy-1' },
      },
    ]);
  });

  it('passes messages both ways and reports the pid once spawned', () => {
    const child = new ScriptedUtilityProcess();
    const handle = launcherWith(child).launcher.launch(spec);
    assert.equal(handle.pid, undefined);
    child.pid = 4242;
    assert.equal(handle.pid, 4242);
    const got: ChildToSupervisor[] = [];
    handle.onMessage((m) => got.push(m));
    child.emit('message', { type: 'ready', detail: { port: 8080 } });
    assert.deepEqual(got, [{ type: 'ready', detail: { port: 8080 } }]);
    const shutdown: SupervisorToChild = { type: 'shutdown' };
    handle.send(shutdown);
    assert.deepEqual(child.posted, [shutdown]);
  });

  it('reports exit exactly once, with a null signal, and stops sending afterwards', () => {
    const child = new ScriptedUtilityProcess();
    const handle = launcherWith(child).launcher.launch(spec);
    const exits: Array<[number | null, string | null]> = [];
    handle.onExit((code, signal) => exits.push([code, signal]));
    child.emit('exit', 3);
    child.emit('exit', 3);
    assert.deepEqual(exits, [[3, null]]);
    handle.send({ type: 'shutdown' });
    handle.kill();
    assert.deepEqual(child.posted, []);
    assert.equal(child.kills, 0);
  });

  it('splits stdout and stderr into lines', async () => {
    const child = new ScriptedUtilityProcess();
    const handle = launcherWith(child).launcher.launch(spec);
    const lines: string[] = [];
    handle.onOutput((stream, line) => lines.push(`${stream}:${line}`));
    child.stdout.write('listening on 8080\r\nhalf');
    child.stderr.write('warn: x\n');
    child.stdout.write(' line\n');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(lines, ['stdout:listening on 8080', 'stderr:warn: x', 'stdout:half line']);
  });

  it('kills forcefully: Electron kill, then SIGKILL to the pid on POSIX', { skip: process.platform === 'win32' ? 'POSIX signals' : false }, async () => {
    // A real process that ignores SIGTERM, so only the SIGKILL can end it.
    const victim = spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000); console.log('up')"], { stdio: ['ignore', 'pipe', 'ignore'] });
    spawned.push(victim);
    await once(victim.stdout!, 'data');
    const child = new ScriptedUtilityProcess();
    child.pid = victim.pid;
    const handle = launcherWith(child).launcher.launch(spec);
    handle.kill();
    const [code, signal] = (await once(victim, 'exit')) as [number | null, NodeJS.Signals | null];
    assert.equal(child.kills, 1);
    assert.equal(code, null);
    assert.equal(signal, 'SIGKILL');
  });

  it('leaves the pid alone on Windows, where utilityProcess.kill() already terminates', async () => {
    const bystander = spawn(process.execPath, ['-e', "setInterval(() => {}, 1000); console.log('up')"], { stdio: ['ignore', 'pipe', 'ignore'] });
    spawned.push(bystander);
    await once(bystander.stdout!, 'data');
    const child = new ScriptedUtilityProcess();
    child.pid = bystander.pid;
    launcherWith(child, 'win32').launcher.launch(spec).kill();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(child.kills, 1);
    assert.equal(bystander.exitCode, null);
    assert.equal(bystander.signalCode, null);
  });
});
