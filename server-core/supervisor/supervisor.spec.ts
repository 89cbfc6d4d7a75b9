import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BerthConfig } from '../config/schema.js';
import type { ChildToSupervisor, SupervisorToChild } from '../contract/ipc.js';
import type { ChildHandle, ChildLauncher, ChildSpec } from './child-launcher.js';
import { Supervisor, type NewEvent } from './supervisor.js';

/** An in-memory child: records what it was sent; the test decides when it is ready or exits. */
class FakeChild implements ChildHandle {
  static nextPid = 1000;
  readonly pid = FakeChild.nextPid++;
  readonly sent: SupervisorToChild[] = [];
  private messageListeners: Array<(m: ChildToSupervisor) => void> = [];
  private exitListeners: Array<(code: number | null, signal: string | null) => void> = [];
  killed = false;
  constructor(readonly spec: ChildSpec) {}
  send(m: SupervisorToChild): void {
    this.sent.push(m);
  }
  kill(): void {
    this.killed = true;
    this.exit(null, 'SIGKILL');
  }
  onMessage(l: (m: ChildToSupervisor) => void): void {
    this.messageListeners.push(l);
  }
  onExit(l: (code: number | null, signal: string | null) => void): void {
    this.exitListeners.push(l);
  }
  onOutput(): void {}
  reply(m: ChildToSupervisor): void {
    for (const l of this.messageListeners) l(m);
  }
  exit(code: number | null, signal: string | null): void {
    for (const l of this.exitListeners.splice(0)) l(code, signal);
  }
}

class FakeLauncher implements ChildLauncher {
  readonly launched: FakeChild[] = [];
  /** What a new child does on its own: report ready at once, or nothing. */
  autoReady = true;
  launch(spec: ChildSpec): ChildHandle {
    const c = new FakeChild(spec);
    this.launched.push(c);
    if (this.autoReady) queueMicrotask(() => c.reply({ type: 'ready', detail: { spec: spec.id } }));
    return c;
  }
  latest(id: string): FakeChild {
    const c = [...this.launched].reverse().find((x) => x.spec.id === id);
    assert.ok(c, `no child ${id} launched`);
    return c;
  }
}

const config: BerthConfig = { schemaVersion: 1, settings: { httpPort: 8080, httpsPort: 8443 }, sites: [], upstreams: [], apps: [] };
const runtime = { dataDir: '/tmp/x', logDir: '/tmp/x/logs', httpPort: 8080, httpsPort: 8443, bindAddresses: ['127.0.0.1'] };

function make(launcher: FakeLauncher, events: NewEvent[] = [], extra: Partial<ConstructorParameters<typeof Supervisor>[0]> = {}): Supervisor {
  return new Supervisor({
    launcher,
    children: [
      { id: 'proxy-1', role: 'proxy', modulePath: '/x/proxy.js' },
      { id: 'certs', role: 'certs', modulePath: '/x/certs.js' },
    ],
    runtime,
    currentConfig: () => ({ version: 7, config }),
    emit: (e) => events.push(e),
    backoff: { initialDelayMs: 10, maxDelayMs: 40, stableAfterMs: 10_000, maxQuickFailures: 3 },
    stopTimeoutMs: 100,
    ...extra,
  });
}

test('start sends init with the current config and resolves when every child is ready', async () => {
  const launcher = new FakeLauncher();
  const sup = make(launcher);
  await sup.start();
  const proxy = launcher.latest('proxy-1');
  assert.deepEqual(proxy.sent[0], { type: 'init', role: 'proxy', id: 'proxy-1', runtime, configVersion: 7, config });
  const status = sup.status();
  assert.deepEqual(status.map((c) => [c.id, c.state, c.pid]), [
    ['proxy-1', 'running', proxy.pid],
    ['certs', 'running', launcher.latest('certs').pid],
  ]);
  assert.deepEqual(status[0]?.detail, { spec: 'proxy-1' });
  await sup.stop();
});

test('a crashed child is restarted after the backoff delay and the exit is reported', async () => {
  const launcher = new FakeLauncher();
  const events: NewEvent[] = [];
  const sup = make(launcher, events);
  await sup.start();
  const first = launcher.latest('proxy-1');
  first.exit(null, 'SIGKILL');
  assert.equal(sup.status()[0]?.state, 'backoff');
  assert.ok(events.some((e) => e.kind === 'child-exited' && /killed by SIGKILL; restarting in 10 ms/.test(e.message)));
  await new Promise((r) => setTimeout(r, 30));
  const second = launcher.latest('proxy-1');
  assert.notEqual(second.pid, first.pid);
  const s = sup.status()[0];
  assert.equal(s?.state, 'running');
  assert.equal(s?.restarts, 1);
  assert.deepEqual(s?.lastExit?.signal, 'SIGKILL');
  await sup.stop();
});

test('a crash loop ends in the failed state with the last stderr lines', async () => {
  const launcher = new FakeLauncher();
  const events: NewEvent[] = [];
  const sup = make(launcher, events);
  await sup.start();
  for (let i = 0; i < 4; i++) {
    launcher.latest('certs').exit(1, null);
    await new Promise((r) => setTimeout(r, 60));
  }
  const certs = sup.status()[1];
  assert.equal(certs?.state, 'failed');
  assert.match(certs?.lastError ?? '', /exited 4 times in a row/);
  assert.ok(events.some((e) => e.kind === 'child-failed' && e.child === 'certs'));
  await sup.stop();
});

test('a fatal message fails the child without restarts, and start() rejects with its message', async () => {
  const launcher = new FakeLauncher();
  launcher.autoReady = false;
  const sup = make(launcher, [], { startTimeoutMs: 2000 });
  const starting = sup.start();
  const proxy = launcher.latest('proxy-1');
  proxy.reply({ type: 'fatal', code: 'BERTH_ERR_PORT_IN_USE', message: 'port 8080 is in use by pid 42 (nginx)' });
  proxy.exit(78, null);
  await assert.rejects(starting, /proxy-1 could not start: port 8080 is in use by pid 42 \(nginx\)/);
  assert.equal(launcher.launched.filter((c) => c.spec.id === 'proxy-1').length, 1);
  await sup.stop();
});

test('a child that never reports ready is killed after the ready timeout', async () => {
  const launcher = new FakeLauncher();
  launcher.autoReady = false;
  const sup = make(launcher, [], { readyTimeoutMs: 20 });
  void sup.start().catch(() => undefined);
  const proxy = launcher.latest('proxy-1');
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(proxy.killed, true);
  assert.match(sup.status()[0]?.lastError ?? '', /did not report ready within/);
  await sup.stop();
});

test('pushConfig with confirm: each proxy\u2019s answer to that version (applied, rejected, gone, none in time)', async () => {
  const launcher = new FakeLauncher();
  const sup = make(launcher);
  await sup.start();
  const proxy = launcher.latest('proxy-1');
  const confirm = { role: 'proxy' as const, timeoutMs: 5000 };
  const first = sup.pushConfig(2, config, runtime, confirm);
  // An answer to an older version settles nothing; the certs child is not asked.
  proxy.reply({ type: 'config-applied', configVersion: 1 });
  proxy.reply({ type: 'config-applied', configVersion: 2 });
  assert.deepEqual(await first, [{ child: 'proxy-1', outcome: 'applied' }]);
  const second = sup.pushConfig(3, config, runtime, confirm);
  proxy.reply({ type: 'config-rejected', configVersion: 3, message: 'listen 127.0.0.1:80: permission denied' });
  assert.deepEqual(await second, [{ child: 'proxy-1', outcome: 'rejected', message: 'listen 127.0.0.1:80: permission denied' }]);
  const third = sup.pushConfig(4, config, runtime, confirm);
  proxy.exit(1, null);
  assert.deepEqual(await third, [{ child: 'proxy-1', outcome: 'gone' }]);
  // The restart (10 ms backoff in make()), bounded.
  for (const end = Date.now() + 10_000; sup.status()[0]?.state !== 'running' && Date.now() < end; ) await new Promise((r) => setTimeout(r, 5));
  const silent = sup.pushConfig(5, config, runtime, { role: 'proxy', timeoutMs: 20 });
  assert.deepEqual(await silent, [{ child: 'proxy-1', outcome: 'no-answer' }]);
  assert.deepEqual(await sup.pushConfig(6, config, runtime), [], 'no confirm: nothing to wait for');
  await sup.stop();
});

test('pushConfig reaches live children; stop sends shutdown and kills a child that overstays', async () => {
  const launcher = new FakeLauncher();
  const sup = make(launcher);
  await sup.start();
  void sup.pushConfig(8, config, runtime);
  const proxy = launcher.latest('proxy-1');
  assert.deepEqual(proxy.sent.at(-1), { type: 'config', configVersion: 8, config, runtime });
  const certs = launcher.latest('certs');
  const stopping = sup.stop();
  assert.deepEqual(proxy.sent.at(-1), { type: 'shutdown' });
  proxy.exit(0, null); // proxy leaves politely; certs ignores the shutdown
  await stopping;
  assert.equal(certs.killed, true);
  assert.deepEqual(sup.status().map((c) => c.state), ['stopped', 'stopped']);
});

test('request() resolves with the child\'s result, rejects with its error code, and fails fast when the child exits', async () => {
  const launcher = new FakeLauncher();
  const sup = make(launcher);
  await sup.start();
  const certs = launcher.latest('certs');
  const ok = sup.request('certs', 'issue', { names: ['a.localhost'] });
  const req = certs.sent.at(-1);
  assert.equal(req?.type, 'request');
  const id = req?.type === 'request' ? req.id : -1;
  assert.deepEqual(req, { type: 'request', id, method: 'issue', params: { names: ['a.localhost'] } });
  certs.reply({ type: 'response', id, result: { serial: '01' } });
  assert.deepEqual(await ok, { serial: '01' });

  const bad = sup.request('certs', 'issue', {});
  const badReq = certs.sent.at(-1);
  certs.reply({ type: 'response', id: badReq?.type === 'request' ? badReq.id : -1, error: { code: 'BERTH_ERR_CERT_NAME', message: 'no names' } });
  await assert.rejects(bad, (e: Error & { code?: string }) => e.code === 'BERTH_ERR_CERT_NAME' && e.message === 'no names');

  const orphan = sup.request('certs', 'slow', {});
  certs.exit(1, null);
  await assert.rejects(orphan, /exited before answering/);
  await assert.rejects(sup.request('nope', 'x', {}), /nope is not running/);
  await sup.stop();
});

test('published data reaches onPublish with the child id and topic', async () => {
  const launcher = new FakeLauncher();
  const got: unknown[] = [];
  const sup = make(launcher, [], { onPublish: (id, topic, data) => got.push([id, topic, data]) });
  await sup.start();
  launcher.latest('proxy-1').reply({ type: 'publish', topic: 'metrics', data: { requests: 3 } });
  assert.deepEqual(got, [['proxy-1', 'metrics', { requests: 3 }]]);
  await sup.stop();
});

test('a child request is answered to that child by id: sync and async results, error codes, unknown methods', async () => {
  const launcher = new FakeLauncher();
  const seen: unknown[] = [];
  const sup = make(launcher, [], {
    childRequests: {
      'rate-limit.take': (params, childId) => (seen.push([childId, params]), { decisions: [0] }),
      later: async () => 'done',
      broken: () => {
        throw Object.assign(new Error('bad batch'), { code: 'BERTH_ERR_BAD_REQUEST' });
      },
    },
  });
  await sup.start();
  const proxy = launcher.latest('proxy-1');
  proxy.reply({ type: 'request', id: 5, method: 'rate-limit.take', params: { takes: [] } });
  // Synchronous handlers answer in the same turn.
  assert.deepEqual(proxy.sent.at(-1), { type: 'response', id: 5, result: { decisions: [0] } });
  assert.deepEqual(seen, [['proxy-1', { takes: [] }]]);
  proxy.reply({ type: 'request', id: 6, method: 'later', params: null });
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(proxy.sent.at(-1), { type: 'response', id: 6, result: 'done' });
  proxy.reply({ type: 'request', id: 7, method: 'broken', params: null });
  assert.deepEqual(proxy.sent.at(-1), { type: 'response', id: 7, error: { code: 'BERTH_ERR_BAD_REQUEST', message: 'bad batch' } });
  proxy.reply({ type: 'request', id: 8, method: 'toString', params: null });
  assert.deepEqual(proxy.sent.at(-1), { type: 'response', id: 8, error: { code: 'BERTH_ERR_UNKNOWN_METHOD', message: "the supervisor has no method 'toString'" } });
  assert.equal(launcher.latest('certs').sent.some((m) => m.type === 'response'), false, 'answers go to the asking child only');
  await sup.stop();
});
