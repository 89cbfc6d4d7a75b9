import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect as h2Connect, createServer as createH2Server } from 'node:http2';
import { connect, createServer, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { SLAB_BYTES, SMALL_SLAB_BYTES, copyForWrite, idleSlabs, writeCopy } from './write-copies.js';

const CHUNK = 65_536;
const COUNT = 200;

/**
 * Writes COUNT chunks through `writeCopy` from one buffer refilled for every chunk and overwritten
 * as soon as the call returns (as the proxy's read buffer is). Returns how many writes were refused.
 */
function writeFromOneBuffer(out: NodeJS.WritableStream): number {
  const src = Buffer.alloc(CHUNK);
  let refused = 0;
  for (let i = 0; i < COUNT; i++) {
    src.fill(65 + (i % 26));
    if (!writeCopy(out, src)) refused++;
    src.fill(0x7a);
  }
  return refused;
}

/** Reads nothing for 200 ms (so the writer's queue fills), then everything until 'end'. */
async function readLate(stream: NodeJS.ReadableStream): Promise<Buffer> {
  stream.pause();
  await new Promise((r) => setTimeout(r, 200));
  const parts: Buffer[] = [];
  stream.on('data', (d: Buffer) => parts.push(d));
  stream.resume();
  await once(stream, 'end');
  return Buffer.concat(parts);
}

function assertChunks(body: Buffer, what: string): void {
  assert.equal(body.length, CHUNK * COUNT, what);
  for (let i = 0; i < COUNT; i++) {
    const piece = body.subarray(i * CHUNK, (i + 1) * CHUNK);
    assert.ok(piece.every((b) => b === 65 + (i % 26)), `${what}: chunk ${i} holds what its call was given`);
  }
}

describe('write copies', () => {
  it('copies a small chunk plainly (Node pools those), with nothing to give back', () => {
    const src = Buffer.from('abc');
    const copy = copyForWrite(src);
    src.fill(0);
    assert.equal(copy.data.toString(), 'abc');
    assert.equal(copy.release, undefined);
  });

  it('copies 4 KiB and more into a slab that is reused only after release', () => {
    const src = Buffer.alloc(10_000, 1);
    const first = copyForWrite(src);
    src.fill(2);
    assert.ok(first.data.every((b) => b === 1), 'the copy does not follow the source');
    assert.equal(first.data.length, 10_000);
    assert.equal(first.data.buffer.byteLength, SMALL_SLAB_BYTES, 'up to 16 KiB: the small slab');
    const large = copyForWrite(Buffer.alloc(40_000, 5));
    assert.equal(large.data.buffer.byteLength, SLAB_BYTES, 'larger: the 64 KiB slab');
    large.release?.();
    // Not released yet: a second copy gets another slab.
    const second = copyForWrite(src);
    assert.notEqual(second.data.buffer, first.data.buffer);
    assert.ok(first.data.every((b) => b === 1));
    const before = idleSlabs();
    first.release?.();
    assert.equal(idleSlabs(), before + 1);
    const third = copyForWrite(Buffer.alloc(12_000, 3));
    assert.equal(third.data.buffer, first.data.buffer, 'the released slab is taken again');
    assert.equal(idleSlabs(), before);
    second.release?.();
    third.release?.();
  });

  it('copies a chunk larger than a slab plainly', () => {
    const copy = copyForWrite(Buffer.alloc(SLAB_BYTES + 1, 4));
    assert.equal(copy.data.length, SLAB_BYTES + 1);
    assert.equal(copy.release, undefined);
  });

  // The slab goes back in the write's callback: these fail if a transport called it before the
  // bytes left its queue (the slab would be refilled by a later chunk while still queued).
  it('writeCopy on an HTTP/2 response: every chunk intact behind a client that reads nothing at first', async () => {
    let refused = 0;
    const server = createH2Server();
    server.on('stream', (stream) => {
      stream.respond({ ':status': 200 });
      refused = writeFromOneBuffer(stream);
      stream.end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    const session = h2Connect(`http://127.0.0.1:${port}`);
    try {
      // Flow control holds the response in the server's queue until the client reads.
      const body = await readLate(session.request({ ':path': '/' }));
      assert.ok(refused > 0, 'the stream never filled up: nothing was queued');
      assertChunks(body, 'h2');
    } finally {
      session.close();
      server.close();
    }
  });

  it('writeCopy on a socket (the tunnel\'s client side): every chunk intact behind a paused reader', async () => {
    let refused = 0;
    const server = createServer((socket: Socket) => {
      refused = writeFromOneBuffer(socket);
      socket.end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    const client = connect(port, '127.0.0.1');
    try {
      const body = await readLate(client);
      assert.ok(refused > 0, 'the socket never filled up: nothing was queued');
      assertChunks(body, 'socket');
    } finally {
      client.destroy();
      server.close();
    }
  });
});
