// The compiled worker as the supervisor runs it: a forked child with an IPC channel.
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { ListenAddress } from '../contract/api.js';
import type { ChildToSupervisor, RuntimeSettings, SupervisorToChild } from '../contract/ipc.js';
import { get, testConfig } from './spec-support.js';

const workerPath = fileURLToPath(new URL('./worker.js', import.meta.url));

interface Worker {
  child: ChildProcess;
  messages: ChildToSupervisor[];
  stderr: string[];
  exited: Promise<number | null>;
}

function startWorker(): Worker {
  const child = fork(workerPath, [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'json' });
  const messages: ChildToSupervisor[] = [];
  const stderr: string[] = [];
  child.on('message', (m) => messages.push(m as ChildToSupervisor));
  child.stderr?.on('data', (d: Buffer) => stderr.push(d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, messages, stderr, exited };
}

function send(w: Worker, message: SupervisorToChild): void {
  w.child.send(message);
}

/** Waits (bounded) for the next message of `type` after those already seen. */
async function waitFor<T extends ChildToSupervisor['type']>(w: Worker, type: T, timeoutMs = 10_000): Promise<Extract<ChildToSupervisor, { type: T }>> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const i = w.messages.findIndex((m) => m.type === type);
    if (i !== -1) return w.messages.splice(i, 1)[0] as Extract<ChildToSupervisor, { type: T }>;
    if (w.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no "${type}" message; got ${JSON.stringify(w.messages)}; stderr: ${w.stderr.join('')}`);
}

async function exitCode(w: Worker, timeoutMs = 10_000): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`worker did not exit within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([w.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe('proxy worker process', () => {
  let dir = '';
  const workers: Worker[] = [];
  let blocker: Server | null = null;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-worker-'));
    await mkdir(join(dir, 'www', 'sub'), { recursive: true });
    await mkdir(join(dir, 'www2'), { recursive: true });
    await writeFile(join(dir, 'www', 'index.html'), '<h1>v1</h1>');
    await writeFile(join(dir, 'www', 'sub', 'index.html'), 'sub');
    await writeFile(join(dir, 'www', 'big.txt'), 'abcdefghijklmnopqrstuvwxyz');
    await writeFile(join(dir, 'www2', 'index.html'), '<h1>v2</h1>');
  });

  after(async () => {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
    if (blocker) await new Promise<void>((r) => blocker?.close(() => r()));
    await rm(dir, { recursive: true, force: true });
  });

  const runtime = (httpPort: number, bindAddresses = ['127.0.0.1', '::1']): RuntimeSettings => ({
    dataDir: dir,
    logDir: join(dir, 'logs'),
    httpPort,
    httpsPort: 0,
    bindAddresses,
  });

  it('serves, swaps config and shuts down with exit 0', async () => {
    const w = startWorker();
    workers.push(w);
    send(w, { type: 'init', role: 'proxy', id: 'proxy-1', runtime: runtime(0), configVersion: 1, config: testConfig([{ id: 'site', names: ['a.test'], root: join(dir, 'www') }]) });
    const ready = await waitFor(w, 'ready');
    const listening = ready.detail.listening as ListenAddress[];
    assert.equal(ready.detail.sites, 1);
    assert.equal(ready.detail.configVersion, 1);
    const v4 = listening.find((l) => l.address === '127.0.0.1');
    assert.ok(v4 && v4.port > 0, JSON.stringify(listening));
    // Port 0 resolves once: every address serves the same port.
    assert.ok(listening.every((l) => l.port === v4.port && l.protocol === 'http'));
    const port = v4.port;

    const index = await get(port, '/');
    assert.equal(index.status, 200);
    assert.equal(index.body, '<h1>v1</h1>');
    assert.equal((await get(port, '/', { headers: { 'if-none-match': index.headers.etag ?? '' } })).status, 304);
    const part = await get(port, '/big.txt', { headers: { range: 'bytes=23-' } });
    assert.equal(part.status, 206);
    assert.equal(part.body, 'xyz');
    assert.equal((await get(port, '/nope')).status, 404);
    const dirRedirect = await get(port, '/sub');
    assert.equal(dirRedirect.status, 301);
    assert.equal(dirRedirect.headers.location, `http://a.test:${port}/sub/`);
    assert.equal((await get(port, '/../../etc/passwd')).status, 400);
    if (listening.some((l) => l.address === '::1')) assert.equal((await get(port, '/', { address: '::1' })).body, '<h1>v1</h1>');

    send(w, { type: 'config', configVersion: 2, runtime: runtime(0), config: testConfig([{ id: 'site', names: ['a.test'], root: join(dir, 'www2') }]) });
    assert.equal((await waitFor(w, 'config-applied')).configVersion, 2);
    assert.equal((await waitFor(w, 'detail')).detail.configVersion, 2);
    assert.equal((await get(port, '/')).body, '<h1>v2</h1>');

    send(w, { type: 'config', configVersion: 3, runtime: runtime(0), config: testConfig([{ id: 'site', names: ['~(broken'], root: join(dir, 'www') }]) });
    const rejected = await waitFor(w, 'config-rejected');
    assert.equal(rejected.configVersion, 3);
    assert.match(rejected.message, /invalid regex "~\(broken": the regex does not compile/);
    assert.equal((await get(port, '/')).body, '<h1>v2</h1>');

    send(w, { type: 'shutdown' });
    assert.equal(await exitCode(w), 0);
    const access = await readFile(join(dir, 'logs', 'site.access.log'), 'utf8');
    assert.match(access, /"GET \/big\.txt HTTP\/1\.1" 206 3 "-" "-"/);
    await assert.rejects(get(port, '/', { timeoutMs: 1000 }));
  });

  it('reports a port in use with its holder and exits 78', async () => {
    blocker = createServer();
    await new Promise<void>((r) => blocker?.listen(0, '127.0.0.1', () => r()));
    const taken = (blocker.address() as { port: number }).port;
    const w = startWorker();
    workers.push(w);
    send(w, { type: 'init', role: 'proxy', id: 'proxy-1', runtime: runtime(taken, ['127.0.0.1']), configVersion: 1, config: testConfig([{ id: 'site', names: ['a.test'], root: join(dir, 'www') }]) });
    const fatal = await waitFor(w, 'fatal');
    assert.equal(fatal.code, 'BERTH_ERR_PORT_IN_USE');
    assert.match(fatal.message, new RegExp(`port ${taken} on 127\\.0\\.0\\.1 is already in use`));
    assert.match(fatal.message, /--http-port/);
    if (process.platform === 'linux') assert.match(fatal.message, new RegExp(`pid ${process.pid}\\b`));
    assert.equal(await exitCode(w), 78);
  });

  it('exits promptly when the supervisor goes away', async () => {
    const w = startWorker();
    workers.push(w);
    send(w, { type: 'init', role: 'proxy', id: 'proxy-1', runtime: runtime(0, ['127.0.0.1']), configVersion: 1, config: testConfig([{ id: 'site', names: ['a.test'], root: join(dir, 'www') }]) });
    await waitFor(w, 'ready');
    w.child.disconnect();
    assert.equal(await exitCode(w, 3000), 0);
  });
});
