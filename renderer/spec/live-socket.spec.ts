// The live link against a real WebSocket server on loopback (the `ws` package plays the browser's
// WebSocket on Node 20, which has none built in).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket as NodeWebSocket, WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';
import type { WsServerMessage } from '../../server-core/contract/api.js';
import { backoffDelay, DEFAULT_BACKOFF, LiveSocket, liveSocketUrl } from '../src/api/live-socket.js';
import type { LinkState } from '../src/api/live-socket.js';

describe('backoffDelay', () => {
  it('doubles from the base up to the cap', () => {
    const noJitter = () => 0;
    const delays = Array.from({ length: 8 }, (_, i) => backoffDelay(i, DEFAULT_BACKOFF, noJitter));
    assert.deepEqual(delays, [500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
  });

  it('takes up to a quarter off as jitter and never overflows', () => {
    assert.equal(backoffDelay(2, { baseMs: 1000, maxMs: 60_000 }, () => 1), 3000);
    assert.equal(backoffDelay(10_000, { baseMs: 1000, maxMs: 60_000 }, () => 0), 60_000);
  });
});

describe('liveSocketUrl', () => {
  it('uses the page host, ws: for http and wss: for https', () => {
    assert.equal(liveSocketUrl({ protocol: 'http:', host: '127.0.0.1:7700' }), 'ws://127.0.0.1:7700/api/v1/ws');
    assert.equal(liveSocketUrl({ protocol: 'https:', host: '[::1]:7700' }), 'wss://[::1]:7700/api/v1/ws');
  });
});

function waitFor(what: string, check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (check()) return resolve();
      if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 10);
    };
    tick();
  });
}

describe('LiveSocket', () => {
  let server: WebSocketServer;
  let url = '';
  const hadWebSocket = 'WebSocket' in globalThis;

  before(async () => {
    if (!hadWebSocket) (globalThis as { WebSocket?: unknown }).WebSocket = NodeWebSocket;
    server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => server.once('listening', resolve));
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/ws`;
  });

  after(async () => {
    for (const client of server.clients) client.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (!hadWebSocket) delete (globalThis as { WebSocket?: unknown }).WebSocket;
  });

  it('parses server messages, ignores junk, and reconnects after a drop', async () => {
    const messages: WsServerMessage[] = [];
    const states: LinkState[] = [];
    let connects = 0;
    server.removeAllListeners('connection');
    server.on('connection', (ws) => {
      connects += 1;
      ws.send('not json');
      ws.send(JSON.stringify({ type: 'mystery' }));
      ws.send(JSON.stringify({ type: 'event', event: { id: connects, at: new Date().toISOString(), level: 'info', kind: 'child-ready', child: 'proxy-1', message: `hello ${connects}` } }));
      // The first connection drops right away: the client must come back by itself.
      if (connects === 1) setTimeout(() => ws.close(1011, 'test drop'), 20);
    });
    const socket = new LiveSocket(
      { onMessage: (m) => messages.push(m), onState: (s) => states.push(s) },
      url,
      { baseMs: 20, maxMs: 100 },
    );
    try {
      socket.start();
      await waitFor('a second connection', () => connects >= 2 && messages.length >= 2);
      await waitFor('the link to reopen', () => states.at(-1) === 'open');
    } finally {
      socket.stop();
    }
    assert.deepEqual(
      messages.map((m) => (m.type === 'event' ? m.event.message : m.type)),
      ['hello 1', 'hello 2'],
    );
    assert.deepEqual(states.slice(0, 4), ['connecting', 'open', 'waiting', 'connecting']);
  });

  it('stops for good when beforeConnect says so, and retries when it throws', async () => {
    let calls = 0;
    const states: LinkState[] = [];
    const socket = new LiveSocket(
      {
        onMessage: () => undefined,
        onState: (s) => states.push(s),
        beforeConnect: async () => {
          calls += 1;
          if (calls === 1) throw new Error('server not reachable');
          return false;
        },
      },
      url,
      { baseMs: 20, maxMs: 100 },
    );
    socket.start();
    await waitFor('two attempts', () => calls >= 2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.stop();
    assert.equal(calls, 2, 'no attempt after beforeConnect returned false');
    assert.deepEqual(states, ['connecting', 'waiting', 'connecting']);
  });
});
