import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { NodeChildLauncher } from './child-launcher.js';
import { ListenerOwner } from './listener-owner.js';
import { planProxyWorkers, proxyWorkerDefinitions } from './proxy-workers.js';

describe('proxy worker plan', () => {
  const linux22 = { nodeVersion: '22.12.0', platform: 'linux' as const, cores: 4 };
  const linux20 = { nodeVersion: '20.19.0', platform: 'linux' as const, cores: 4 };

  it('one per core by default, sharing handles where the launcher passes them', () => {
    assert.deepEqual(planProxyWorkers(undefined, { passesHandles: true }, linux20), { count: 4, sharing: 'handles' });
    assert.deepEqual(planProxyWorkers(2, { passesHandles: true }, linux20), { count: 2, sharing: 'handles' });
    assert.deepEqual(planProxyWorkers(1, { passesHandles: true }, linux20), { count: 1, sharing: 'single' });
  });

  it('without handle passing: reusePort on Node ≥ 22.12 on Linux, else one worker with a note', () => {
    assert.deepEqual(planProxyWorkers(undefined, {}, linux22), { count: 4, sharing: 'reuse-port' });
    const old = planProxyWorkers(undefined, {}, linux20);
    assert.equal(old.count, 1);
    assert.match(old.note ?? '', /Node ≥ 22\.12 on Linux/);
    assert.equal(planProxyWorkers(3, {}, { ...linux22, platform: 'darwin' }).count, 1);
  });

  it('names the workers proxy-1…N and passes --reuse-port when they bind themselves', () => {
    const defs = proxyWorkerDefinitions({ count: 2, sharing: 'reuse-port' }, '/dist');
    assert.deepEqual(defs.map((d) => [d.id, d.role, d.modulePath, d.args]), [
      ['proxy-1', 'proxy', '/dist/proxy/worker.js', ['--reuse-port', '--shared-rate-limit']],
      ['proxy-2', 'proxy', '/dist/proxy/worker.js', ['--reuse-port', '--shared-rate-limit']],
    ]);
  });

  it('shares the limit_req zone through the supervisor only when there are several workers', () => {
    assert.deepEqual(proxyWorkerDefinitions({ count: 2, sharing: 'handles' }, '/dist')[0]?.args, ['--shared-rate-limit']);
    assert.deepEqual(proxyWorkerDefinitions({ count: 1, sharing: 'single' }, '/dist')[0]?.args, []);
  });
});

describe('proxy worker runtime', () => {
  it('a launched worker runs with the proxy worker flags after the parent\'s own', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-flags-'));
    try {
      // Stands in for worker.js: reports the flags its runtime started with.
      const modulePath = join(dir, 'report-flags.mjs');
      writeFileSync(modulePath, "process.send({ type: 'flags', execArgv: process.execArgv }, () => process.exit(0));\n");
      const execArgv = proxyWorkerDefinitions({ count: 1, sharing: 'single' }, dir)[0]?.execArgv ?? [];
      assert.ok(execArgv.includes('--no-parallel-scavenge'));
      const child = new NodeChildLauncher().launch({ id: 'proxy-1', role: 'proxy', modulePath, args: [], env: {}, execArgv });
      const reported = new Promise<unknown>((resolve) => child.onMessage(resolve));
      const exited = new Promise((resolve) => child.onExit(resolve));
      const message = (await reported) as { execArgv: string[] };
      await exited;
      assert.deepEqual(message.execArgv, [...process.execArgv, ...execArgv]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('listener owner', () => {
  it('binds port 0 once for every address and never accepts itself', async () => {
    const owner = new ListenerOwner();
    owner.reconcile([0], ['127.0.0.1']);
    const [s] = owner.sockets();
    assert.ok(s && s.port > 0);
    // Bound, not listening: a connection is refused rather than accepted by the supervisor.
    const refused = await new Promise<string>((resolve) => connect(s.port, '127.0.0.1').once('connect', () => resolve('connected')).once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? '')));
    assert.equal(refused, 'ECONNREFUSED');
    // Reconciling again keeps the same socket; dropping the port closes it.
    owner.reconcile([0], ['127.0.0.1']);
    assert.equal(owner.sockets()[0]?.port, s.port);
    owner.reconcile([], ['127.0.0.1']);
    assert.deepEqual(owner.sockets(), []);
    owner.closeAll();
  });

  it('skips a port someone else listens on (the worker binds it and reports the holder)', async () => {
    const { createServer } = await import('node:net');
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    const owner = new ListenerOwner();
    owner.reconcile([port], ['127.0.0.1', '10.255.255.1']);
    assert.deepEqual(owner.sockets(), []);
    owner.closeAll();
    await new Promise<void>((r) => blocker.close(() => r()));
  });

  it('sends each socket once per worker handle', () => {
    const owner = new ListenerOwner();
    owner.reconcile([0], ['127.0.0.1']);
    const sent: unknown[] = [];
    const child = { pid: 1, send: () => undefined, sendHandle: (m: unknown) => sent.push(m), kill: () => undefined, onMessage: () => undefined, onExit: () => undefined, onOutput: () => undefined };
    owner.sendTo(child);
    owner.sendTo(child);
    assert.equal(sent.length, 1);
    assert.deepEqual(sent[0], { type: 'listen-handle', address: '127.0.0.1', configPort: 0, port: owner.sockets()[0]?.port });
    owner.closeAll();
  });
});
