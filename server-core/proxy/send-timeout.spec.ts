// nginx send_timeout: a client that stops reading the response is disconnected once the socket's
// buffers are full and nothing drains for `limits.sendTimeoutS`; a slow but reading client is not.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ProxyServer } from './proxy-server.js';
import { testConfig } from './spec-support.js';

const FILE_BYTES = 64 * 1024 * 1024;

describe('send timeout (nginx send_timeout)', () => {
  let dir = '';
  let proxy: ProxyServer;
  let port = 0;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-send-timeout-'));
    await writeFile(join(dir, 'big.bin'), Buffer.alloc(FILE_BYTES, 0x61));
    proxy = new ProxyServer({ warn: () => undefined });
    const config = testConfig([{ id: 's', names: ['s.test'], root: dir, limits: { sendTimeoutS: 1 } as never }]);
    const detail = await proxy.start({ dataDir: dir, logDir: join(dir, 'logs'), httpPort: 0, httpsPort: 0, bindAddresses: ['127.0.0.1'] }, config, 1);
    port = detail.listening[0]?.port ?? 0;
  });

  after(async () => {
    await proxy.stop(500);
    await rm(dir, { recursive: true, force: true });
  });

  it('cuts a client that stops reading; the bytes it got are fewer than the body', async () => {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    // The server ends the request when it cuts the client: its access log line says so. Waiting for
    // that line (bounded) instead of a fixed 3 s: on a loaded machine filling the socket buffers and
    // the 250 ms sweep can take longer, and reading before the cut would let the body drain.
    let logged: (line: string) => void = () => undefined;
    const cut = new Promise<string>((r) => (logged = r));
    proxy.onLogLine((path, line) => {
      if (path.endsWith('s.access.log') && line.includes('GET /big.bin')) logged(line);
    });
    socket.write('GET /big.bin HTTP/1.1\r\nHost: s.test\r\n\r\n');
    // Never read until the server gave up (the limit is 1 s, checked every 250 ms), then read what is left.
    socket.pause();
    let timer: NodeJS.Timeout | undefined;
    const line = await Promise.race([cut, new Promise<string>((r) => (timer = setTimeout(() => r(''), 20_000)))]);
    clearTimeout(timer);
    proxy.onLogLine(null);
    assert.ok(line !== '', 'the server did not cut the client that stopped reading within 20 s');
    assert.ok(Number(/" 200 (\d+) /.exec(line)?.[1]) < FILE_BYTES, line);
    let received = 0;
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (d: Buffer) => (received += d.length));
    socket.on('error', () => undefined);
    socket.resume();
    const t0 = Date.now();
    // Bounded: without the send timeout the connection would stay open (keep-alive) after the body.
    await Promise.race([closed, new Promise((r) => setTimeout(r, 10_000))]);
    socket.destroy();
    assert.ok(received < FILE_BYTES, `the whole body arrived (${received} bytes): the client was not cut`);
    assert.ok(Date.now() - t0 < 5000, 'the connection was closed by the server, not drained to the end');
  });

  it('a slow client that keeps reading gets the whole body', async () => {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.write('GET /big.bin HTTP/1.1\r\nHost: s.test\r\nConnection: close\r\n\r\n');
    let received = 0;
    // Reads in bursts with 200 ms pauses: never 1 s without taking data. (The pauses were 400 ms: the
    // client runs in this process, so a stall of the loaded event loop adds to each pause.)
    const timer = setInterval(() => {
      socket.pause();
      setTimeout(() => socket.resume(), 200);
    }, 500);
    socket.on('data', (d: Buffer) => (received += d.length));
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    clearInterval(timer);
    assert.ok(received > FILE_BYTES, `got ${received} bytes`);
  });
});
