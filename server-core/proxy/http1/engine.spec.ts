// The raw HTTP/1.1 engine on real sockets: framing, pipelining, keep-alive, timeouts, limits,
// 100-continue, aborts and socket hand-over.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { ChunkedDecoder } from './body-decoder.js';
import { acceptWithDirectReads, isDirectRead } from './direct-read.js';
import { DEFAULT_LIMITS, Http1Engine, type ConnectionLimits, type RejectedRequest } from './engine.js';
import type { Http1Request } from './request.js';
import type { Http1Response } from './response.js';
import { idleSlabs } from '../write-copies.js';

/** The data of a chunked body, by the engine's own request-body decoder; it must end with the last chunk. */
function dechunk(bytes: Buffer): Buffer {
  const decoder = new ChunkedDecoder();
  const out: Buffer[] = [];
  decoder.feed(bytes, 0, (c) => out.push(c));
  assert.ok(decoder.done, 'the chunked body ends with its last chunk');
  return Buffer.concat(out);
}

type Handler = (req: Http1Request, res: Http1Response) => void;

// Every case runs twice: on sockets as net makes them (read through 'data'; TLS sockets are such) and
// on the direct-read sockets plain listeners accept (direct-read.ts).
for (const reads of ['stream', 'direct'] as const) describe(`http1 engine (${reads} reads)`, () => {
  let server: Server;
  const accepted: boolean[] = [];
  let port = 0;
  let handler: Handler = (_req, res) => res.end('ok');
  let limits: ConnectionLimits = DEFAULT_LIMITS;
  const rejected: RejectedRequest[] = [];
  const engine = new Http1Engine({
    onRequest: (req, res) => handler(req, res),
    onRejected: (r) => rejected.push(r),
    limits: () => limits,
  });

  before(async () => {
    server = createServer({ allowHalfOpen: true }, (s) => {
      accepted.push(isDirectRead(s));
      engine.handleConnection(s);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    if (reads === 'direct') assert.equal(acceptWithDirectReads(server, () => true), true, 'this Node exposes the accept internals');
    port = (server.address() as { port: number }).port;
  });

  after(async () => {
    // Each mode really ran on its kind of socket.
    assert.ok(accepted.length > 20);
    assert.deepEqual(new Set(accepted), new Set([reads === 'direct']));
    engine.destroyAll();
    await new Promise<void>((r) => server.close(() => r()));
  });

  /**
   * Writes `text` (or pieces with pauses) and collects everything until close or `timeoutMs`.
   * With `until`, also stops once the text received matches it, after watching `thenMs` more for a
   * close: a connection that stays open is awaited for what it should carry, not for a fixed time
   * (a loaded machine can take longer than a short fixed wait to answer).
   */
  async function exchange(pieces: string | Array<string | number>, timeoutMs = 10_000, until?: RegExp, thenMs = 0): Promise<{ text: string; closed: boolean }> {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    let text = '';
    let closed = false;
    let matched: () => void = () => undefined;
    const got = new Promise<void>((r) => (matched = r));
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      if (until?.test(text)) matched();
    });
    const done = new Promise<void>((r) => socket.once('close', () => ((closed = true), r())));
    socket.on('error', () => undefined);
    for (const p of typeof pieces === 'string' ? [pieces] : pieces) {
      if (typeof p === 'number') await new Promise((r) => setTimeout(r, p));
      else socket.write(p);
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)));
    const matchedThenWatched = got.then(() => Promise.race([done, new Promise((r) => setTimeout(r, thenMs))]));
    await Promise.race([done, timeout, ...(until ? [matchedThenWatched] : [])]);
    clearTimeout(timer);
    socket.destroy();
    return { text, closed };
  }

  const statuses = (text: string): number[] => [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));

  it('answers pipelined requests in order, bodies included', async () => {
    handler = (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        // Answer out of order in time: the first one last.
        setTimeout(() => res.end(`${req.url}:${Buffer.concat(chunks).toString()}`), req.url === '/1' ? 50 : 0);
      });
    };
    const r = await exchange(
      'POST /1 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc' +
        'POST /2 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n0\r\n\r\n' +
        'GET /3 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
    );
    assert.deepEqual(statuses(r.text), [200, 200, 200]);
    const bodies = [...r.text.matchAll(/\r\n\r\n(\/\d:[a-z]*)/g)].map((m) => m[1]);
    assert.deepEqual(bodies, ['/1:abc', '/2:de', '/3:']);
    assert.ok(r.closed, 'Connection: close ends the connection');
    assert.match(r.text, /Connection: close\r\n\r\n\/3:$/);
  });

  /** Sends `text` with end() (write + FIN, a client half-closing) and collects until the engine closes. */
  async function sendAndHalfClose(text: string, timeoutMs = 20_000): Promise<{ text: string; closed: boolean }> {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    const chunks: Buffer[] = [];
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', () => undefined);
    const gone = once(socket, 'close').then(() => true);
    socket.end(text);
    let timer: NodeJS.Timeout | undefined;
    const closed = await Promise.race([gone, new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeoutMs)))]);
    clearTimeout(timer);
    socket.destroy();
    return { text: Buffer.concat(chunks).toString('latin1'), closed };
  }

  const pipelined = (paths: string[]): string => paths.map((p) => `GET ${p} HTTP/1.1\r\nHost: a\r\nUser-Agent: pipelining-client/1.0\r\nAccept: */*\r\n\r\n`).join('');
  const bodiesOf = (text: string): string[] => [...text.matchAll(/\r\n\r\n(\/[a-z]*\d+)/g)].map((m) => m[1] as string);

  // RFC 9112 §9.3/§9.6: a half-close ends the requests, not the answers; nginx answers what it read.
  it('a client that pipelines past the buffer and half-closes gets every answer, in order, then the close', async () => {
    // Answered on a later turn (as handlers doing any I/O are): the FIN is read while most requests wait.
    handler = (req, res) => void setImmediate(() => res.end(req.url));
    const paths = Array.from({ length: 3000 }, (_, i) => `/${i}`);
    const r = await sendAndHalfClose(pipelined(paths));
    assert.ok(r.closed, 'the engine closes once the last answer is out');
    assert.equal(statuses(r.text).length, 3000);
    assert.deepEqual(bodiesOf(r.text), paths);
    assert.match(r.text, /Connection: close\r\n\r\n\/2999$/, 'the last answer announces the close');
  });

  it('a pipelined batch behind a proxied request is answered after a half-close; a lone one is given up', async () => {
    // Proxied answers (abortOnClientEnd) come later, from the upstream; the rest answer at once.
    handler = (req, res) => {
      if (!req.url?.startsWith('/p')) return void res.end(req.url);
      res.abortOnClientEnd = true;
      // The lone one would answer long after its client left.
      setTimeout(() => res.end(req.url), req.url === '/p1' ? 3000 : 20);
    };
    const paths = Array.from({ length: 3000 }, (_, i) => (i % 500 === 0 ? `/p${i}` : `/${i}`));
    const r = await sendAndHalfClose(pipelined(paths));
    assert.ok(r.closed);
    assert.deepEqual(bodiesOf(r.text), paths);
    // nginx proxy_ignore_client_abort off: FIN with nothing behind the proxied request ends it.
    const lone = await sendAndHalfClose(pipelined(['/p1']));
    assert.ok(lone.closed);
    assert.equal(lone.text, '');
  });

  it('HEAD keeps Content-Length without a body; 204/304 carry none; chunked when the length is unknown', async () => {
    handler = (req, res) => {
      if (req.url === '/204') {
        res.statusCode = 204;
        res.end('ignored');
      } else if (req.url === '/304') {
        res.statusCode = 304;
        res.end();
      } else if (req.url === '/stream') {
        res.write('ab');
        setTimeout(() => res.end('cd'), 5);
      } else {
        res.setHeader('Content-Length', 5);
        res.end(req.method === 'HEAD' ? undefined : 'hello');
      }
    };
    const r = await exchange('HEAD / HTTP/1.1\r\nHost: a\r\n\r\nGET /204 HTTP/1.1\r\nHost: a\r\n\r\nGET /304 HTTP/1.1\r\nHost: a\r\n\r\nGET /stream HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    assert.deepEqual(statuses(r.text), [200, 204, 304, 200]);
    const [head, n204, n304, stream] = r.text.split(/(?=HTTP\/1\.1 )/);
    assert.match(head ?? '', /Content-Length: 5\r\n.*\r\n\r\n$/s);
    assert.doesNotMatch(n204 ?? '', /ignored|Content-Length|Transfer-Encoding/);
    assert.match(n304 ?? '', /\r\n\r\n$/);
    assert.match(stream ?? '', /Transfer-Encoding: chunked\r\n.*\r\n\r\n2\r\nab\r\n2\r\ncd\r\n0\r\n\r\n$/s);
  });

  it('relays upstream header lines after the set fields: their Content-Length frames the body, no chunking', async () => {
    handler = (req, res) => {
      res.setHeader('Server', 'berth');
      res.relayHeaderLines('X-Up: 1\r\nContent-Length: 3\r\n', true);
      res.writeHead(200);
      res.end(req.method === 'HEAD' ? undefined : 'abc');
    };
    const r = await exchange('GET / HTTP/1.1\r\nHost: a\r\n\r\nHEAD / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    const [get, head] = r.text.split(/(?=HTTP\/1\.1 )/);
    assert.match(get ?? '', /^HTTP\/1\.1 200 OK\r\nServer: berth\r\nX-Up: 1\r\nContent-Length: 3\r\nDate: [^\r]+\r\nConnection: keep-alive\r\n\r\nabc$/);
    assert.match(head ?? '', /Content-Length: 3\r\n.*Connection: close\r\n\r\n$/s);
    assert.doesNotMatch(r.text, /Transfer-Encoding/);
  });

  it('HTTP/1.0: close-delimited without a length, keep-alive on request', async () => {
    handler = (_req, res) => {
      res.write('x');
      res.end('y');
    };
    const plain = await exchange('GET / HTTP/1.0\r\n\r\n');
    assert.ok(plain.closed);
    assert.match(plain.text, /Connection: close\r\n\r\nxy$/);
    handler = (_req, res) => res.end('xy');
    // Wait for the answer, then 300 ms more: the connection must stay open.
    const ka = await exchange('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n', 10_000, /\r\n\r\nxy$/, 300);
    assert.ok(!ka.closed);
    assert.match(ka.text, /Content-Length: 2\r\nConnection: keep-alive\r\n\r\nxy$/);
  });

  it('Expect: 100-continue is answered when the handler reads the body, not when it refuses', async () => {
    handler = (req, res) => {
      if (req.url === '/refuse') {
        res.statusCode = 403;
        res.end('no');
        return;
      }
      let n = 0;
      req.on('data', (c: Buffer) => (n += c.length));
      req.on('end', () => res.end(String(n)));
    };
    const ok = await exchange(['POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n', 100, 'abcd'], 10_000, /\r\n\r\n4$/);
    assert.match(ok.text, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n.*\r\n\r\n4$/s);
    const refused = await exchange(['POST /refuse HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n']);
    assert.deepEqual(statuses(refused.text), [403]);
    assert.ok(refused.closed, 'a body never asked for cannot be told apart from the next request: close');
  });

  it('413 as soon as a chunked body passes the limit; plain bodies by Content-Length', async () => {
    limits = { ...DEFAULT_LIMITS, maxBodyBytes: 10 };
    let sawError = '';
    handler = (req, res) => {
      req.on('error', (e) => (sawError = (e as NodeJS.ErrnoException).code ?? ''));
      req.resume();
      req.on('end', () => res.end('read it all'));
    };
    const chunked = await exchange(['POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n01234567\r\n', 30, '8\r\n01234567\r\n']);
    assert.deepEqual(statuses(chunked.text), [413]);
    assert.ok(chunked.closed);
    assert.equal(sawError, 'BERTH_ERR_BODY_TOO_LARGE');
    const plain = await exchange('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n');
    assert.deepEqual(statuses(plain.text), [413]);
    limits = DEFAULT_LIMITS;
  });

  it('408 for slow headers (slowloris) and a stalled body; idle keep-alive closes quietly', async () => {
    limits = { ...DEFAULT_LIMITS, headerTimeoutMs: 300, bodyTimeoutMs: 300, keepaliveTimeoutMs: 300 };
    handler = (req, res) => {
      req.resume();
      req.on('end', () => res.end('ok'));
    };
    const t0 = Date.now();
    const slow = await exchange(['GET / HTTP/1.1\r\n', 100, 'Host: a\r\n', 100, 'X-A: 1\r\n']);
    assert.deepEqual(statuses(slow.text), [408]);
    // The 300 ms header timeout (250 ms ticks), far below the default one; loose for a loaded machine.
    assert.ok(slow.closed && Date.now() - t0 < 5000, `closed after ${Date.now() - t0} ms`);
    const body = await exchange(['POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc']);
    assert.deepEqual(statuses(body.text), [408]);
    const idle = await exchange('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    assert.deepEqual(statuses(idle.text), [200]);
    assert.ok(idle.closed, 'the keep-alive timeout closes an idle connection');
    limits = DEFAULT_LIMITS;
  });

  it('a client abort mid-body ends the request and the response with close, nothing left behind', async () => {
    const events: string[] = [];
    let dataSeen!: () => void;
    const gotData = new Promise<void>((r) => (dataSeen = r));
    handler = (req, res) => {
      req.on('data', () => dataSeen());
      req.on('aborted', () => events.push('aborted'));
      req.on('close', () => events.push('req-close'));
      res.on('close', () => events.push('res-close'));
    };
    const socket: Socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\nabc');
    await gotData;
    socket.destroy();
    // Bounded by time, not by a count of short sleeps (which a loaded machine can outlast).
    for (const end = Date.now() + 10_000; Date.now() < end && events.length < 3; ) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(events.sort(), ['aborted', 'req-close', 'res-close']);
    for (const end = Date.now() + 10_000; Date.now() < end && engine.connectionCount > 0; ) await new Promise((r) => setTimeout(r, 10));
    assert.equal(engine.connectionCount, 0);
  });

  it('streams a large response with back-pressure to a slow reader', async () => {
    const total = 8 * 1024 * 1024;
    handler = (_req, res) => {
      let sent = 0;
      const src = new Readable({
        read() {
          const n = Math.min(65536, total - sent);
          sent += n;
          this.push(n === 0 ? null : Buffer.alloc(n, 97));
        },
      });
      res.setHeader('Content-Length', total);
      src.pipe(res);
    };
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write('GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    socket.pause();
    await new Promise((r) => setTimeout(r, 100));
    let got = 0;
    socket.on('data', (d: Buffer) => (got += d.length));
    socket.resume();
    await once(socket, 'close');
    assert.ok(got > total && got < total + 300, `received ${got}`);
  });

  it('writeTransient copies before it returns, also for writes queued behind a full socket; slabs come back once written', async () => {
    // Like the proxy: one read buffer refilled for every chunk and overwritten as soon as the call
    // returns. The client reads nothing until all is written, so most writes wait in the queue.
    const chunk = 65_536;
    const count = 200;
    const src = Buffer.alloc(chunk);
    for (const framing of ['length', 'chunked'] as const) {
      let refused = 0;
      handler = (_req, res) => {
        if (framing === 'length') res.setHeader('Content-Length', chunk * count);
        for (let i = 0; i < count; i++) {
          src.fill(65 + (i % 26));
          if (!res.writeTransient(src)) refused++;
          src.fill(0x7a);
        }
        res.end();
      };
      const socket = connect(port, '127.0.0.1');
      await once(socket, 'connect');
      socket.write('GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
      socket.pause();
      await new Promise((r) => setTimeout(r, 200));
      const parts: Buffer[] = [];
      socket.on('data', (d: Buffer) => parts.push(d));
      socket.resume();
      await once(socket, 'close');
      const all = Buffer.concat(parts);
      const headEnd = all.indexOf('\r\n\r\n') + 4;
      const body = framing === 'length' ? all.subarray(headEnd) : dechunk(all.subarray(headEnd));
      assert.ok(refused > 0, `${framing}: the socket never filled up, nothing was queued`);
      assert.equal(body.length, chunk * count, framing);
      for (let i = 0; i < count; i++) {
        const piece = body.subarray(i * chunk, (i + 1) * chunk);
        assert.ok(piece.every((b) => b === 65 + (i % 26)), `${framing}: chunk ${i} holds what its call was given`);
      }
    }
    // Copies of 4 KiB and more went through slabs, returned by the writes' callbacks.
    assert.ok(idleSlabs() > 0, `idle slabs: ${idleSlabs()}`);
  });

  it('hands the socket over for an upgrade; the engine stops touching it', async () => {
    handler = (req, res) => {
      assert.equal(req.headers.upgrade, 'echo');
      const { socket, head } = req.detachSocket();
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n');
      socket.write(head);
      socket.on('data', (d: Buffer) => socket.write(d));
      socket.on('end', () => socket.end());
      assert.equal(res.headersSent, true);
      assert.equal(res.statusCode, 101);
    };
    limits = { ...DEFAULT_LIMITS, keepaliveTimeoutMs: 100, headerTimeoutMs: 100 };
    // The echo of 'late' is awaited (bounded), then 600 ms more in which nothing may close the socket.
    const r = await exchange(['GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\nearly', 400, 'late'], 10_000, /earlylate$/, 600);
    limits = DEFAULT_LIMITS;
    assert.match(r.text, /^HTTP\/1\.1 101 Switching Protocols\r\n.*\r\n\r\nearlylate$/s);
    assert.ok(!r.closed, 'no engine timeout applies to a detached socket');
  });

  it('logs what it refuses before the pipeline', async () => {
    rejected.length = 0;
    const r = await exchange('GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n');
    assert.deepEqual(statuses(r.text), [400]);
    assert.deepEqual(rejected.map((x) => x.status), [400]);
    // nginx logs the error page's size as $body_bytes_sent: the bytes after the head, as sent.
    const ctl = await exchange('GET /x\x01y HTTP/1.1\r\nHost: a\r\n\r\n');
    const [head = '', body = ''] = ctl.text.split('\r\n\r\n');
    assert.match(head, /^HTTP\/1\.1 400 /);
    assert.ok(body.length > 0);
    assert.match(head, new RegExp(`\r\nContent-Length: ${body.length}(\r\n|$)`, 'i'));
    assert.deepEqual(
      rejected.slice(1).map(({ status, requestLine, bodyBytes }) => ({ status, requestLine, bodyBytes })),
      [{ status: 400, requestLine: 'GET /x\x01y HTTP/1.1', bodyBytes: body.length }],
    );
  });
});
