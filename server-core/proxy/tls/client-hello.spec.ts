import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { connect } from 'node:tls';
import { MAX_CLIENT_HELLO_BYTES, readClientHello } from './client-hello.js';

/** The first bytes node:tls sends as a client: a real ClientHello. */
async function clientHello(servername: string | undefined): Promise<Buffer> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const got = once(server, 'connection').then(async ([socket]) => {
    const [chunk] = (await once(socket, 'data')) as [Buffer];
    socket.destroy();
    return chunk;
  });
  const client = connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, ...(servername === undefined ? {} : { servername }), rejectUnauthorized: false });
  client.on('error', () => undefined);
  const hello = await got;
  client.destroy();
  server.close();
  return hello;
}

/** The same handshake message cut into TLS records of at most `size` bytes (RFC 8446 §5.1 allows it). */
function fragmented(hello: Buffer, size: number): Buffer {
  const message = hello.subarray(5, 5 + hello.readUInt16BE(3));
  const records: Buffer[] = [];
  for (let at = 0; at < message.length; at += size) {
    const part = message.subarray(at, at + size);
    const header = Buffer.from([0x16, 0x03, 0x01, 0, 0]);
    header.writeUInt16BE(part.length, 3);
    records.push(header, part);
  }
  return Buffer.concat(records);
}

describe('ClientHello server name', () => {
  it('reads the name a client sends, and null without one', async () => {
    assert.deepEqual(readClientHello(await clientHello('c.localhost')), { kind: 'tls', servername: 'c.localhost' });
    // node:tls, like browsers and curl, sends no SNI for an IP address.
    assert.deepEqual(readClientHello(await clientHello(undefined)), { kind: 'tls', servername: null });
  });

  it('waits for the whole message, also across records split anywhere', async () => {
    const hello = await clientHello('a-rather-long-name.example.localhost');
    for (const cut of [1, 4, 5, 9, 60, hello.length - 1]) assert.deepEqual(readClientHello(hello.subarray(0, cut)), { kind: 'partial' }, `cut at ${cut}`);
    const split = fragmented(hello, 100);
    assert.ok(split.length > hello.length);
    assert.deepEqual(readClientHello(split), { kind: 'tls', servername: 'a-rather-long-name.example.localhost' });
    assert.deepEqual(readClientHello(split.subarray(0, split.length - 1)), { kind: 'partial' });
  });

  it('tells an HTTP request line apart from TLS and from anything else', () => {
    assert.deepEqual(readClientHello(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')), { kind: 'http' });
    assert.deepEqual(readClientHello(Buffer.from('OPTIONS * HTTP/1.1\r\n')), { kind: 'http' });
    assert.deepEqual(readClientHello(Buffer.from('GE')), { kind: 'partial' });
    assert.deepEqual(readClientHello(Buffer.from('get / HTTP/1.1\r\n')), { kind: 'other' });
    assert.deepEqual(readClientHello(Buffer.from([0x80, 0x2e, 0x01, 0x03, 0x01])), { kind: 'other' }, 'an SSLv2-style hello');
    assert.deepEqual(readClientHello(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x04, 0x02, 0, 0, 0])), { kind: 'other' }, 'a handshake that is not a ClientHello');
  });

  it('gives up on a message longer than a ClientHello can be, and on a malformed one', () => {
    const huge = Buffer.from([0x16, 0x03, 0x01, 0x00, 0x04, 0x01, 0x01, 0x00, 0x00]);
    huge.writeUIntBE(MAX_CLIENT_HELLO_BYTES, 6, 3);
    assert.deepEqual(readClientHello(huge), { kind: 'other' });
    // A ClientHello whose extensions run past its end.
    const bad = Buffer.from([0x16, 0x03, 0x01, 0x00, 0x2c, 0x01, 0x00, 0x00, 0x28, 0x03, 0x03, ...Array(32).fill(0), 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x09]);
    bad.writeUInt16BE(bad.length - 5, 3);
    bad.writeUIntBE(bad.length - 9, 6, 3);
    assert.deepEqual(readClientHello(bad), { kind: 'other' });
  });
});
