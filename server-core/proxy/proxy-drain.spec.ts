// Graceful stop: idle keep-alive connections close at once, in-flight responses finish,
// and a response still running when the grace period ends is cut.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ProxyServer } from './proxy-server.js';
import { testConfig } from './spec-support.js';

const BIG = 16 * 1024 * 1024;

describe('proxy graceful stop', () => {
  let dir = '';
  const sockets: Socket[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-drain-'));
    await mkdir(join(dir, 'www'));
    await writeFile(join(dir, 'www', 'index.html'), 'ok');
    await writeFile(join(dir, 'www', 'big.bin'), Buffer.alloc(BIG, 7));
  });

  after(async () => {
    for (const s of sockets) s.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  async function startProxy(): Promise<{ proxy: ProxyServer; port: number }> {
    const proxy = new ProxyServer({ warn: () => undefined });
    const runtime = { dataDir: dir, logDir: join(dir, 'logs'), httpPort: 0, httpsPort: 0, bindAddresses: ['127.0.0.1'] };
    const detail = await proxy.start(runtime, testConfig([{ id: 'site', names: ['a.test'], root: join(dir, 'www') }]), 1);
    return { proxy, port: detail.listening[0]?.port ?? 0 };
  }

  function openSocket(port: number, requestText: string): Promise<{ socket: Socket; closed: Promise<void>; firstData: Promise<void> }> {
    return new Promise((resolvePromise, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.write(requestText);
        const closed = new Promise<void>((r) => socket.once('close', () => r()));
        const firstData = new Promise<void>((r) => socket.once('data', () => r()));
        resolvePromise({ socket, closed, firstData });
      });
      socket.once('error', reject);
      sockets.push(socket);
    });
  }

  it('finishes an in-flight download and closes idle keep-alive connections', async () => {
    const { proxy, port } = await startProxy();
    const idle = await openSocket(port, 'GET / HTTP/1.1\r\nHost: a.test\r\n\r\n');
    await idle.firstData;
    let received = 0;
    const download = new Promise<number>((resolvePromise, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/big.bin', headers: { host: 'a.test' } }, (res) => {
        res.on('data', (c: Buffer) => (received += c.length));
        res.on('end', () => resolvePromise(received));
        res.on('error', reject);
        // Stop while the body is still streaming.
        void stopped.start();
      });
      req.on('error', reject);
      req.end();
    });
    const stopped = {
      promise: null as Promise<void> | null,
      start() {
        // A long grace period, so that waiting for it cannot pass for a slow stop on a loaded machine.
        this.promise ??= proxy.stop(15_000);
      },
    };
    assert.equal(await download, BIG);
    const t0 = Date.now();
    await stopped.promise;
    await idle.closed;
    assert.ok(Date.now() - t0 < 5000, `stop should not wait for idle keep-alive connections (took ${Date.now() - t0} ms more)`);
  });

  it('cuts a response that outlives the grace period', async () => {
    const { proxy, port } = await startProxy();
    const stuck = await openSocket(port, 'GET /big.bin HTTP/1.1\r\nHost: a.test\r\n\r\n');
    await stuck.firstData;
    // The client stops reading: the server's writes back up and the response cannot finish.
    stuck.socket.pause();
    const t0 = Date.now();
    await proxy.stop(300);
    const elapsed = Date.now() - t0;
    // Read what was buffered: the connection must then end (the server cut it).
    let got = 0;
    stuck.socket.on('data', (c: Buffer) => (got += c.length));
    stuck.socket.resume();
    await stuck.closed;
    assert.ok(got < BIG, 'the body should have been cut short');
    assert.ok(elapsed >= 250, `stop returned after ${elapsed} ms, before the grace period`);
    assert.ok(elapsed < 5000, `stop took ${elapsed} ms`);
  });
});
