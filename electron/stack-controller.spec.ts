import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StatusResponse, SupervisorEvent } from '../server-core/contract/api.js';
import type { Stack } from '../server-core/stack.js';
import { StackController } from './stack-controller.js';

/** A stack that records its lifecycle; the real one is covered by test/integration. */
function fakeStack(port: number, log: string[]): Stack & { emit(e: SupervisorEvent): void } {
  const listeners = new Set<(e: SupervisorEvent) => void>();
  return {
    adminUrl: `http://127.0.0.1:${port}`,
    dashboardUrl: `http://127.0.0.1:${port}/?token=t`,
    token: 't',
    dataDir: '/data',
    status: () => ({}) as StatusResponse,
    currentConfig: () => {
      throw new Error('not used');
    },
    onEvent: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    stop: async () => {
      log.push(`stop ${port}`);
      await new Promise((r) => setTimeout(r, 5));
    },
    emit: (e) => {
      for (const l of listeners) l(e);
    },
  };
}

const event = (id: number): SupervisorEvent => ({ id, at: '', level: 'error', kind: 'child-failed', child: 'proxy-1', message: 'x' });

describe('StackController', () => {
  it('pins the admin port of the first start for every restart', async () => {
    const log: string[] = [];
    const asked: Array<number | undefined> = [];
    const controller = new StackController(async (port) => {
      asked.push(port);
      log.push(`start ${port ?? 'default'}`);
      return fakeStack(port ?? 7701, log);
    });
    const phases: string[] = [];
    controller.onChange(() => phases.push(controller.phase));
    assert.equal(controller.phase, 'stopped');
    await controller.start();
    assert.equal(controller.stack?.adminUrl, 'http://127.0.0.1:7701');
    await controller.stop();
    assert.equal(controller.stack, null);
    await controller.start();
    assert.deepEqual(asked, [undefined, 7701]);
    assert.deepEqual(phases, ['starting', 'running', 'stopping', 'stopped', 'starting', 'running']);
    assert.deepEqual(log, ['start default', 'stop 7701', 'start 7701']);
  });

  it('runs start and stop one after another, however they are clicked', async () => {
    const log: string[] = [];
    const controller = new StackController(async (port) => {
      log.push('start');
      await new Promise((r) => setTimeout(r, 10));
      return fakeStack(port ?? 7702, log);
    }, 7702);
    await Promise.all([controller.start(), controller.start(), controller.stop(), controller.stop(), controller.start()]);
    assert.deepEqual(log, ['start', 'stop 7702', 'start']);
    assert.equal(controller.phase, 'running');
  });

  it('forwards events of the running stack only', async () => {
    const log: string[] = [];
    const stacks: Array<ReturnType<typeof fakeStack>> = [];
    const controller = new StackController(async (port) => {
      const s = fakeStack(port ?? 7703, log);
      stacks.push(s);
      return s;
    });
    const seen: number[] = [];
    controller.onEvent((e) => seen.push(e.id));
    await controller.start();
    stacks[0]!.emit(event(1));
    await controller.stop();
    stacks[0]!.emit(event(2));
    await controller.start();
    stacks[1]!.emit(event(3));
    assert.deepEqual(seen, [1, 3]);
  });

  it('goes back to stopped and rejects when a start fails', async () => {
    const controller = new StackController(async () => {
      throw new Error('admin port 7700 is in use');
    });
    await assert.rejects(controller.start(), /admin port 7700 is in use/);
    assert.equal(controller.phase, 'stopped');
    await controller.stop();
    assert.equal(controller.phase, 'stopped');
  });
});
