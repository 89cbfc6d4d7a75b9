import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { parseUpstreamAddress } from './address.js';
import { UpstreamExchange, type ResponseSink } from './exchange.js';
import { ConnectionPool } from './pool.js';
import type { ResponseHead } from './response-parser.js';
import { UpstreamError } from './upstream-error.js';

/** A raw upstream: answers each request head with `respond(requestNumber)`. Counts connections. */
async function rawUpstream(respond: (n: number, socket: Socket) => string | null): Promise<{ server: Server; port: number; connections: () => number; close: () => Promise<void> }> {
  let connections = 0;
  let n = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let buf = '';
    socket.on('data', (d) => {
      buf += d.toString('latin1');
      let end: number;
      while ((end = buf.indexOf('\r\n\r\n')) >= 0) {
        buf = buf.slice(end + 4);
        const answer = respond(++n, socket);
        if (answer !== null) socket.write(answer, 'latin1');
      }
    });
    socket.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    connections: () => connections,
    close: async () => {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

function collect(): ResponseSink & { heads: ResponseHead[]; text: string; ended: boolean } {
  const sink = {
    heads: [] as ResponseHead[],
    text: '',
    ended: false,
    head: (h: ResponseHead) => void sink.heads.push(h),
    body: (c: Buffer) => {
      sink.text += c.toString('latin1');
      return true;
    },
    end: () => void (sink.ended = true),
  };
  return sink;
}

async function get(pool: ConnectionPool, sink: ResponseSink = collect(), readTimeoutMs = 2000) {
  const pooled = await pool.acquire(1000);
  const ex = new UpstreamExchange({ socket: pooled.socket, head: 'GET / HTTP/1.1\r\nHost: t\r\n\r\n', method: 'GET', body: null, framing: { kind: 'none' }, readTimeoutMs, sendTimeoutMs: 1000 }, sink);
  const outcome = await ex.start();
  if (outcome.kind === 'complete') pool.release(pooled.socket, outcome.reusable);
  return { pooled, outcome };
}

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups) await c();
});

describe('upstream keep-alive pool', () => {
  it('returns a socket after a complete keep-alive exchange and reuses it', async () => {
    const up = await rawUpstream(() => 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    cleanups.push(up.close);
    const pool = new ConnectionPool(parseUpstreamAddress(`127.0.0.1:${up.port}`)!, 4);
    for (let i = 0; i < 5; i++) {
      const { pooled } = await get(pool);
      assert.equal(pooled.reused, i > 0);
    }
    assert.equal(up.connections(), 1);
    assert.equal(pool.idleCount, 1);
    pool.close();
    assert.equal(pool.idleCount, 0);
  });

  it('does not keep sockets whose response forbids reuse', async () => {
    const up = await rawUpstream((n, socket) => {
      if (n % 2) return 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx';
      socket.end('HTTP/1.0 200 OK\r\n\r\nclose-delimited');
      return null;
    });
    cleanups.push(up.close);
    const pool = new ConnectionPool(parseUpstreamAddress(`127.0.0.1:${up.port}`)!, 4);
    const first = await get(pool);
    assert.equal(first.outcome.kind === 'complete' && first.outcome.reusable, false);
    assert.equal(pool.idleCount, 0);
    const second = await get(pool);
    assert.equal(second.outcome.kind === 'complete' && second.outcome.reusable, false);
    assert.equal(up.connections(), 2);
  });

  it('drops an idle socket the server closes, and opens a new one next time', async () => {
    const up = await rawUpstream((_n, socket) => {
      setTimeout(() => socket.end(), 20);
      return 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx';
    });
    cleanups.push(up.close);
    const pool = new ConnectionPool(parseUpstreamAddress(`127.0.0.1:${up.port}`)!, 4);
    await get(pool);
    assert.equal(pool.idleCount, 1);
    // The server closes 20 ms after answering: wait (bounded) for the pool to see it, not a fixed 100 ms.
    for (const end = Date.now() + 10_000; pool.idleCount > 0 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 10));
    assert.equal(pool.idleCount, 0);
    const again = await get(pool);
    assert.equal(again.pooled.reused, false);
  });

  it('never pools a socket paused by back-pressure when the client aborts mid-body; later requests still work', async () => {
    const big = 'y'.repeat(4 * 1024 * 1024);
    const up = await rawUpstream((n) => (n === 1 ? `HTTP/1.1 200 OK\r\nContent-Length: ${big.length}\r\n\r\n${big}` : 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
    cleanups.push(up.close);
    const pool = new ConnectionPool(parseUpstreamAddress(`127.0.0.1:${up.port}`)!, 4);
    const pooled = await pool.acquire(1000);
    let got = 0;
    let ex: UpstreamExchange | null = null;
    const sink: ResponseSink = {
      head: () => undefined,
      body: (c) => {
        got += c.length;
        // A slow client: back-pressure from the first chunk, then it goes away.
        if (got > 0) setImmediate(() => ex?.abort());
        return false;
      },
      end: () => undefined,
    };
    ex = new UpstreamExchange({ socket: pooled.socket, head: 'GET /big HTTP/1.1\r\nHost: t\r\n\r\n', method: 'GET', body: null, framing: { kind: 'none' }, readTimeoutMs: 2000, sendTimeoutMs: 1000 }, sink);
    await assert.rejects(ex.start(), /client closed/);
    assert.ok(pooled.socket.destroyed, 'an aborted exchange destroys its socket');
    pool.release(pooled.socket, true);
    assert.equal(pool.idleCount, 0);
    for (let i = 0; i < 20; i++) {
      const { outcome } = await get(pool);
      assert.equal(outcome.kind, 'complete');
    }
  });

  it('caps idle sockets at keepalive (a burst up to 2× until the sweep) and keeps none with keepalive 0', async () => {
    const up = await rawUpstream(() => 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    cleanups.push(up.close);
    const pool = new ConnectionPool(parseUpstreamAddress(`127.0.0.1:${up.port}`)!, 2);
    const socks = await Promise.all([1, 2, 3, 4, 5].map(() => pool.acquire(1000)));
    for (const s of socks.slice(0, 3)) pool.release(s.socket, true);
    // A burst of responses in one turn keeps its sockets for the next requests…
    assert.equal(pool.idleCount, 3);
    for (const s of socks.slice(3)) pool.release(s.socket, true);
    // …but never more than twice the cap: the least recently used one is closed at once.
    assert.equal(pool.idleCount, 4);
    assert.ok(socks[0]?.socket.destroyed);
    // The sweep trims back to keepalive, oldest first, and keeps the most recent ones.
    pool.sweep(Date.now());
    assert.equal(pool.idleCount, 2);
    assert.ok(socks[1]?.socket.destroyed && socks[2]?.socket.destroyed);
    assert.ok(!socks[3]?.socket.destroyed && !socks[4]?.socket.destroyed);
    // Past the idle timeout (60 s), the sweep closes them all.
    pool.sweep(Date.now() + 61_000);
    assert.equal(pool.idleCount, 0);
    const none = new ConnectionPool(parseUpstreamAddress(`127.0.0.1:${up.port}`)!, 0);
    const s = await none.acquire(1000);
    none.release(s.socket, true);
    assert.equal(none.idleCount, 0);
    assert.ok(s.socket.destroyed);
    pool.close();
  });

  it('fails to connect in nginx words and times out reading a slow header', async () => {
    const up = await rawUpstream(() => null);
    const port = up.port;
    const pool = new ConnectionPool(parseUpstreamAddress(`127.0.0.1:${port}`)!, 2);
    await assert.rejects(get(pool, collect(), 150), (e: unknown) => e instanceof UpstreamError && e.status === 504 && /upstream timed out \(110: Connection timed out\) while reading response header from upstream/.test(e.message));
    await up.close();
    await assert.rejects(pool.acquire(1000), (e: unknown) => e instanceof UpstreamError && e.status === 502 && /connect\(\) failed \(111: Connection refused\) while connecting to upstream/.test(e.message));
  });
});
