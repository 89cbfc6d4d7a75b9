// Direct-read sockets: readers keep what they get, a socket without a reader is an ordinary
// Readable (back-pressure included), and the server counts the sockets as net does.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { acceptWithDirectReads, clearDirectReader, isDirectRead, setDirectReader } from './direct-read.js';

describe('direct-read sockets', () => {
  let server: Server;
  let port = 0;
  let onSocket: (socket: Socket) => void = () => undefined;

  before(async () => {
    server = createServer({ allowHalfOpen: true }, (s) => onSocket(s));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    assert.equal(acceptWithDirectReads(server, () => true), true);
    port = (server.address() as { port: number }).port;
  });

  after(() => new Promise<void>((r) => server.close(() => r())));

  function accepted(): Promise<Socket> {
    return new Promise((resolve) => (onSocket = resolve));
  }

  it('a reader keeps every chunk it was given intact while later reads reuse the buffer', async () => {
    const sent = randomBytes(3 * 1024 * 1024);
    const serverSide = accepted();
    const client = connect(port, '127.0.0.1');
    const socket = await serverSide;
    assert.equal(isDirectRead(socket), true);
    const chunks: Buffer[] = [];
    let dataEvents = 0;
    socket.on('data', () => dataEvents++);
    assert.equal(setDirectReader(socket, (c) => chunks.push(c)), true);
    client.end(sent);
    await once(socket, 'end');
    assert.ok(chunks.length > 1, `several reads: ${chunks.length}`);
    assert.equal(dataEvents, 0, "a socket with a reader emits no 'data'");
    assert.ok(Buffer.concat(chunks).equals(sent), 'the bytes, in order, none overwritten');
    socket.end();
    await once(client, 'close');
  });

  it("without a reader: 'data' and pipe-style back-pressure as on any socket", async () => {
    const sent = randomBytes(8 * 1024 * 1024);
    const serverSide = accepted();
    const client = connect(port, '127.0.0.1');
    const socket = await serverSide;
    setDirectReader(socket, () => assert.fail('cleared readers get nothing'));
    clearDirectReader(socket);
    // Not read for a while: reading stops once the Readable's buffer is full, so the client's
    // writes back up instead of the server buffering 8 MiB.
    let flushed = false;
    client.write(sent, () => (flushed = true));
    client.end();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(flushed, false, 'the client could not write everything: the server stopped reading');
    assert.ok(socket.readableLength <= 256 * 1024, `buffered ${socket.readableLength} bytes`);
    const got: Buffer[] = [];
    socket.on('data', (d: Buffer) => got.push(d));
    await once(socket, 'end');
    assert.ok(Buffer.concat(got).equals(sent));
    socket.end();
    await once(client, 'close');
  });

  it('pause() stops a reader until resume()', async () => {
    const serverSide = accepted();
    const client = connect(port, '127.0.0.1');
    const socket = await serverSide;
    const chunks: Buffer[] = [];
    setDirectReader(socket, (c) => {
      chunks.push(c);
      if (chunks.length === 1) socket.pause();
    });
    client.write('one');
    await new Promise((r) => setTimeout(r, 100));
    client.write('two');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(Buffer.concat(chunks).toString(), 'one');
    socket.resume();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(Buffer.concat(chunks).toString(), 'onetwo');
    client.end();
    await once(socket, 'end');
    socket.end();
    await once(client, 'close');
  });

  it('the server counts direct sockets: getConnections, and close() waits for them', async () => {
    const serverSide = accepted();
    const client = connect(port, '127.0.0.1');
    const socket = await serverSide;
    const count = await new Promise<number>((r, j) => server.getConnections((e, n) => (e ? j(e) : r(n))));
    assert.equal(count, 1);
    socket.destroy();
    await once(client, 'close');
    await new Promise((r) => setImmediate(r));
    const after = await new Promise<number>((r, j) => server.getConnections((e, n) => (e ? j(e) : r(n))));
    assert.equal(after, 0);
  });

  it("publishes each socket on net's `net.server.socket` diagnostics channel, as net's own accept does", async () => {
    const seen: unknown[] = [];
    const onSocket = (message: unknown): void => void seen.push((message as { socket: unknown }).socket);
    subscribe('net.server.socket', onSocket);
    try {
      const serverSide = accepted();
      const client = connect(port, '127.0.0.1');
      const socket = await serverSide;
      assert.deepEqual(seen, [socket]);
      socket.destroy();
      await once(client, 'close');
    } finally {
      unsubscribe('net.server.socket', onSocket);
    }
  });

  it('connections the predicate declines are stock sockets', async () => {
    const other = createServer((s) => {
      assert.equal(isDirectRead(s), false);
      assert.equal(setDirectReader(s, () => undefined), false);
      s.end('stock');
    });
    other.listen(0, '127.0.0.1');
    await once(other, 'listening');
    acceptWithDirectReads(other, () => false);
    const client = connect((other.address() as { port: number }).port, '127.0.0.1');
    let text = '';
    client.on('data', (d: Buffer) => (text += d.toString()));
    await once(client, 'end');
    assert.equal(text, 'stock');
    client.destroy();
    await new Promise<void>((r) => other.close(() => r()));
  });
});
