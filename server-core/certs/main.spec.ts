import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { fork } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { configSchema } from '../config/schema.js';
import type { ChildToSupervisor, RuntimeSettings, SupervisorToChild } from '../contract/ipc.js';
import { caPaths } from './ca.js';
import type { CertsReadyDetail } from './main.js';

const mainPath = fileURLToPath(new URL('./main.js', import.meta.url));
const TIMEOUT_MS = 15_000;
let root: string;
const children: ChildProcess[] = [];

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'berth-certs-main-'));
});
after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await rm(root, { recursive: true, force: true });
});

interface Child {
  proc: ChildProcess;
  messages: ChildToSupervisor[];
  send(m: SupervisorToChild): void;
  next(type: ChildToSupervisor['type']): Promise<ChildToSupervisor>;
  exited: Promise<number | null>;
  output(): string;
}

function start(): Child {
  const proc = fork(mainPath, [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'json' });
  children.push(proc);
  const messages: ChildToSupervisor[] = [];
  const waiters: Array<() => void> = [];
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  proc.on('message', (m) => {
    messages.push(m as ChildToSupervisor);
    for (const w of waiters.splice(0)) w();
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return {
    proc,
    messages,
    send: (m) => proc.send(m),
    output: () => out,
    exited,
    next(type) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "${type}" within ${TIMEOUT_MS} ms; output: ${out}`)), TIMEOUT_MS);
        const check = (): void => {
          const found = messages.find((m) => m.type === type);
          if (found) {
            clearTimeout(timer);
            resolve(found);
          } else waiters.push(check);
        };
        check();
        void exited.then(() => setImmediate(check));
      });
    },
  };
}

function readyDetail(m: ChildToSupervisor): CertsReadyDetail {
  assert.equal(m.type, 'ready');
  return (m as Extract<ChildToSupervisor, { type: 'ready' }>).detail as unknown as CertsReadyDetail;
}

function runtimeFor(dataDir: string): RuntimeSettings {
  return { dataDir, logDir: join(dataDir, 'logs'), httpPort: 0, httpsPort: 0, bindAddresses: ['127.0.0.1'] };
}

const emptyConfig = () => configSchema.parse({ schemaVersion: 1 });

function initMessage(dataDir: string): SupervisorToChild {
  return { type: 'init', role: 'certs', id: 'certs', runtime: runtimeFor(dataDir), configVersion: 1, config: emptyConfig() };
}

async function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took over ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe('cert service child (dist/server-core/certs/main.js)', () => {
  it('creates the CA on init, reports it in ready, applies config and exits 0 on shutdown', async () => {
    const dataDir = join(root, 'data-1');
    const child = start();
    child.send(initMessage(dataDir));
    const detail = readyDetail(await child.next('ready'));
    const certPath = caPaths(join(dataDir, 'certs')).cert;
    assert.equal(detail.ca.certPath, certPath);
    assert.equal(detail.ca.keyType, 'ecdsa-p256');
    assert.match(String(detail.ca.fingerprintSha256), /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    assert.equal(detail.leaves, 0);
    assert.match(await readFile(certPath, 'utf8'), /BEGIN CERTIFICATE/);

    child.send({ type: 'config', configVersion: 2, config: emptyConfig(), runtime: runtimeFor(dataDir) });
    assert.deepEqual(await child.next('config-applied'), { type: 'config-applied', configVersion: 2 });

    child.send({ type: 'shutdown' });
    assert.equal(await withTimeout(child.exited, 'exit after shutdown'), 0);
    // Nothing the child said or printed carries key material.
    const keyPem = await readFile(caPaths(join(dataDir, 'certs')).key, 'utf8');
    const said = JSON.stringify(child.messages) + child.output();
    assert.equal(said.includes('PRIVATE KEY'), false);
    assert.equal(said.includes(keyPem.split('\n')[1]!.slice(0, 40)), false);
  });

  it('issues auto leaves on config, publishes certs-updated, and answers requests', async () => {
    const dataDir = join(root, 'data-auto');
    const child = start();
    child.send(initMessage(dataDir));
    readyDetail(await child.next('ready'));
    const config = configSchema.parse({ schemaVersion: 1, sites: [{ id: 'w', names: ['w.localhost'], tls: { certificate: 'auto' } }] });
    child.send({ type: 'config', configVersion: 2, config, runtime: runtimeFor(dataDir) });
    const published = await child.next('publish');
    assert.deepEqual(published, { type: 'publish', topic: 'certs-updated', data: { changed: ['auto-w'], reason: 'auto' } });
    child.send({ type: 'request', id: 7, method: 'list', params: {} });
    const response = (await child.next('response')) as Extract<ChildToSupervisor, { type: 'response' }>;
    assert.equal(response.id, 7);
    const result = response.result as { ok: boolean; value: { certificates: { id: string; usedBy: string[] }[] } };
    assert.equal(result.ok, true);
    assert.deepEqual(result.value.certificates.map((c) => [c.id, c.usedBy]), [['auto-w', ['w']]]);
    child.send({ type: 'request', id: 8, method: 'issue', params: { names: ['not valid'] } });
    await withTimeout(
      (async () => {
        while (!child.messages.some((m) => m.type === 'response' && m.id === 8)) await new Promise((r) => setTimeout(r, 20));
      })(),
      'the issue answer',
    );
    const refused = child.messages.find((m) => m.type === 'response' && m.id === 8) as Extract<ChildToSupervisor, { type: 'response' }>;
    assert.deepEqual((refused.result as { ok: boolean; error: { code: string; path: string } }).error.code, 'BERTH_ERR_CERT_NAME');
    child.send({ type: 'shutdown' });
    assert.equal(await withTimeout(child.exited, 'exit after shutdown'), 0);
  });

  it('loads the same CA on the next start', async () => {
    const dataDir = join(root, 'data-1');
    const child = start();
    child.send(initMessage(dataDir));
    const ready = readyDetail(await child.next('ready'));
    child.send({ type: 'shutdown' });
    assert.equal(await withTimeout(child.exited, 'exit after shutdown'), 0);

    const again = start();
    again.send(initMessage(dataDir));
    const readyAgain = readyDetail(await again.next('ready'));
    assert.equal(readyAgain.ca.fingerprintSha256, ready.ca.fingerprintSha256);
    again.proc.disconnect();
    assert.equal(await withTimeout(again.exited, 'exit after disconnect'), 0);
  });

  it('logs the error, reports it fatal and exits 1 when the CA is broken', async () => {
    const dataDir = join(root, 'data-broken');
    const paths = caPaths(join(dataDir, 'certs'));
    await mkdir(paths.dir, { recursive: true });
    await writeFile(paths.cert, 'not a certificate');
    await writeFile(paths.key, 'not a key', { mode: 0o600 });
    const child = start();
    child.send(initMessage(dataDir));
    assert.equal(await withTimeout(child.exited, 'exit on a broken CA'), 1);
    const log = child.messages.find((m) => m.type === 'log');
    assert.ok(log && log.type === 'log');
    assert.equal(log.level, 'error');
    assert.match(log.message, /ca\.crt\.pem is not a readable certificate/);
    assert.deepEqual(
      child.messages.filter((m) => m.type === 'fatal').map((m) => (m as { code: string }).code),
      ['BERTH_ERR_CA_INVALID'],
    );
    assert.equal(child.messages.some((m) => m.type === 'ready'), false);
  });
});
