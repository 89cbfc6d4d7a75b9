// The reverse proxy through the real `berth serve`: real upstream servers on port 0, config
// applied over the admin API, real HTTP and WebSocket clients.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import type { BerthConfigInput } from '../../server-core/config/schema.js';
import type { UpstreamsResponse } from '../../server-core/contract/upstreams.js';
import { startBerth, waitFor, type BerthProcess } from '../helpers/berth-process.js';
import { closedPort, startUpstream, type EchoAnswer, type TestUpstream } from '../helpers/upstream-servers.js';

interface Res {
  status: number;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
}

const HOST = 'proxy.test';

/** Waits for error.log (flushed by the worker about once a second) to contain `text`. */
function errorLogWith(berth: BerthProcess, text: string): Promise<string> {
  return waitFor(`error.log to contain "${text}"`, () => {
    try {
      const log = readFileSync(join(berth.dataDir, 'logs', 'error.log'), 'utf8');
      return log.includes(text) ? log : undefined;
    } catch {
      return undefined; // not written yet
    }
  });
}

function send(port: number, path: string, opts: { method?: string; headers?: Record<string, string | string[]>; body?: Buffer | AsyncIterable<Buffer>; timeoutMs?: number } = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', agent: false, headers: { Host: HOST, ...opts.headers }, timeout: opts.timeoutMs ?? 15_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer for ${path}`)));
    req.on('error', reject);
    const body = opts.body;
    if (body === undefined) req.end();
    else if (Buffer.isBuffer(body)) req.end(body);
    else
      void (async () => {
        for await (const c of body) if (!req.write(c)) await new Promise((r) => req.once('drain', r));
        req.end();
      })();
  });
}

const json = <T>(r: Res): T => JSON.parse(r.body.toString('utf8')) as T;
/** Every value of a header in a raw `[name, value, …]` list. */
const header = (raw: string[], name: string): string[] => raw.flatMap((v, i) => (i % 2 === 0 && v.toLowerCase() === name ? [raw[i + 1] ?? ''] : []));

describe('reverse proxy through berth serve', () => {
  let berth: BerthProcess;
  let port: number;
  let a: TestUpstream;
  let b: TestUpstream;
  let c: TestUpstream;
  let backupServer: TestUpstream;
  let dead: number;
  /** Takes a keep-alive GET, then resets on any POST (an app that crashed on it). */
  let replay: TestUpstream;
  let postsSeen = 0;
  /** Sends a head and part of the body, then cuts the connection. */
  let cut: TestUpstream;
  /** Never answers; notes when the proxy gives up on a request (its connection closes). */
  let hold: TestUpstream;
  let holdAbortedAt = 0;

  const config = (extra: { haServers?: string[]; backupPrimary?: string } = {}): BerthConfigInput => ({
    schemaVersion: 1,
    sites: [
      {
        id: 'proxy',
        names: [HOST],
        limits: { maxBodyBytes: 0 },
        locations: [
          { match: { kind: 'prefix', path: '/echo/' }, handler: { type: 'proxy', upstream: 'echo', setHeaders: { 'X-Site': '$host', 'User-Agent': '' }, hideHeaders: ['X-Powered-By'] } },
          { match: { kind: 'prefix', path: '/old/' }, handler: { type: 'proxy', url: `http://127.0.0.1:${a.port}/new/` } },
          { match: { kind: 'prefix', path: '/named/' }, handler: { type: 'proxy', url: 'http://echo/renamed/' } },
          { match: { kind: 'prefix', path: '/dead/' }, handler: { type: 'proxy', url: `http://127.0.0.1:${dead}` } },
          { match: { kind: 'prefix', path: '/slow/' }, handler: { type: 'proxy', url: `http://127.0.0.1:${a.port}`, readTimeoutS: 0.3 } },
          { match: { kind: 'prefix', path: '/retry/' }, handler: { type: 'proxy', upstream: 'retry' } },
          { match: { kind: 'prefix', path: '/spread/' }, handler: { type: 'proxy', upstream: 'spread' } },
          { match: { kind: 'prefix', path: '/backup/' }, handler: { type: 'proxy', upstream: 'withbackup' } },
          { match: { kind: 'prefix', path: '/ha/' }, handler: { type: 'proxy', upstream: 'ha' } },
          { match: { kind: 'prefix', path: '/replay/' }, handler: { type: 'proxy', upstream: 'replay' } },
          { match: { kind: 'prefix', path: '/midbody/' }, handler: { type: 'proxy', upstream: 'midbody' } },
          { match: { kind: 'prefix', path: '/hold/' }, handler: { type: 'proxy', url: `http://127.0.0.1:${hold.port}` } },
        ],
      },
    ],
    upstreams: [
      { id: 'echo', servers: [{ address: `127.0.0.1:${a.port}` }] },
      { id: 'retry', method: 'round_robin', servers: [{ address: `127.0.0.1:${dead}` }, { address: `127.0.0.1:${b.port}` }] },
      { id: 'spread', servers: [{ address: `127.0.0.1:${a.port}`, weight: 2 }, { address: `127.0.0.1:${b.port}` }, { address: `127.0.0.1:${c.port}` }] },
      { id: 'withbackup', servers: [{ address: extra.backupPrimary ?? `127.0.0.1:${a.port}` }, { address: `127.0.0.1:${backupServer.port}`, backup: true }] },
      { id: 'ha', servers: (extra.haServers ?? [`127.0.0.1:${b.port}`, `127.0.0.1:${c.port}`]).map((address) => ({ address })) },
      { id: 'replay', servers: [{ address: `127.0.0.1:${replay.port}` }] },
      { id: 'midbody', servers: [{ address: `127.0.0.1:${cut.port}`, maxFails: 1, failTimeoutS: 60 }, { address: `127.0.0.1:${c.port}` }] },
    ],
  });

  const apply = async (cfg: BerthConfigInput): Promise<void> => {
    const res = await berth.api<{ version?: { version: number }; error?: unknown }>('/api/v1/config', { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(cfg) });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const version = res.body.version?.version ?? 0;
    await waitFor('the proxy to apply the config', async () => {
      const s = await berth.status();
      const proxy = s.children.filter((ch) => ch.role === 'proxy');
      return proxy.length > 0 && proxy.every((ch) => ch.detail.configVersion === version) ? true : undefined;
    });
  };

  before(async () => {
    [a, b, c, backupServer] = await Promise.all([startUpstream('a'), startUpstream('b'), startUpstream('c'), startUpstream('backup')]);
    replay = await startUpstream('replay', (req) => {
      if (req.method !== 'POST') return false;
      postsSeen++;
      req.socket.destroy();
      return true;
    });
    hold = await startUpstream('hold', (_req, res) => {
      res.on('close', () => (holdAbortedAt = Date.now()));
      return true;
    });
    cut = await startUpstream('cut', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '100' });
      res.write('x'.repeat(10), () => setTimeout(() => res.socket?.destroy(), 20));
      return true;
    });
    dead = await closedPort();
    berth = await startBerth();
    port = (await berth.status()).proxy.httpPort;
    await apply(config());
  });

  after(async () => {
    await berth?.stop('SIGKILL');
    berth?.cleanup();
    for (const u of [a, b, c, backupServer, replay, cut, hold]) await u?.kill();
  });

  test('the upstream sees $proxy_host, forwarding headers, set headers, and no hop-by-hop headers', async () => {
    const res = await send(port, '/echo/headers?x=1', {
      headers: { 'X-Forwarded-For': '203.0.113.7', Connection: 'keep-alive, X-Hop', 'X-Hop': 'secret', 'Keep-Alive': 'timeout=5', TE: 'trailers', 'User-Agent': 'test-agent', 'X-Kept': 'yes' },
    });
    assert.equal(res.status, 200);
    const seen = json<EchoAnswer>(res);
    const h = (name: string) => header(seen.rawHeaders, name);
    assert.equal(seen.url, '/echo/headers?x=1');
    assert.deepEqual(h('host'), ['echo']);
    assert.deepEqual(h('x-forwarded-for'), ['203.0.113.7, 127.0.0.1']);
    assert.deepEqual(h('x-real-ip'), ['127.0.0.1']);
    assert.deepEqual(h('x-forwarded-proto'), ['http']);
    assert.deepEqual(h('x-forwarded-host'), [HOST]);
    assert.deepEqual(h('forwarded'), [`for=127.0.0.1;host=${HOST};proto=http`]);
    assert.deepEqual(h('x-site'), [HOST]);
    assert.deepEqual(h('x-kept'), ['yes']);
    for (const gone of ['x-hop', 'keep-alive', 'te', 'user-agent', 'upgrade', 'proxy-connection']) assert.deepEqual(h(gone), [], gone);
    assert.ok(!h('connection').some((v) => /x-hop/i.test(v)));
  });

  test('response hop-by-hop headers, Connection-named ones and hidden ones do not reach the client', async () => {
    const res = await send(port, '/echo/hop');
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), 'hop');
    assert.equal(res.headers['x-resp-hop'], undefined);
    assert.equal(res.headers['x-powered-by'], undefined);
    assert.equal(res.headers['keep-alive'], undefined);
    assert.deepEqual(res.headers['set-cookie'], ['a=1', 'b=2']);
    assert.equal(res.headers.server, 'berth');
  });

  test('a url with a path replaces the location prefix (nginx proxy_pass with URI)', async () => {
    const res = await send(port, '/old/deep/file%20name.txt?q=1&r=2');
    assert.equal(json<EchoAnswer>(res).url, '/new/deep/file%20name.txt?q=1&r=2');
    assert.deepEqual(header(json<EchoAnswer>(res).rawHeaders, 'host'), [`127.0.0.1:${a.port}`]);
    // nginx `proxy_pass http://echo/renamed/;`: an upstream named in the URL, with the prefix replaced.
    const named = json<EchoAnswer>(await send(port, '/named/x?y=1'));
    assert.equal(named.url, '/renamed/x?y=1');
    assert.deepEqual(header(named.rawHeaders, 'host'), ['echo']);
  });

  test('streams a large body both ways, Content-Length and chunked', async () => {
    const size = 24 * 1024 * 1024;
    const down = await send(port, `/echo/big?bytes=${size}`);
    assert.equal(down.status, 200);
    assert.equal(down.body.length, size);
    assert.equal(down.headers['content-length'], String(size));

    const payload = Buffer.alloc(16 * 1024 * 1024);
    for (let i = 0; i < payload.length; i += 4096) payload.writeUInt32BE(i, i);
    const sha = createHash('sha256').update(payload).digest('hex');
    const withLength = json<{ length: number; sha256: string; cl: string | null }>(await send(port, '/echo/upload', { method: 'POST', body: payload }));
    assert.deepEqual([withLength.length, withLength.sha256, withLength.cl], [payload.length, sha, String(payload.length)]);
    async function* pieces(): AsyncIterable<Buffer> {
      for (let i = 0; i < payload.length; i += 1024 * 1024) yield payload.subarray(i, i + 1024 * 1024);
    }
    const chunked = json<{ length: number; sha256: string; te: string | null }>(await send(port, '/echo/upload', { method: 'POST', body: pieces() }));
    assert.deepEqual([chunked.length, chunked.sha256, chunked.te], [payload.length, sha, 'chunked']);
  });

  test('502 with an nginx page and error.log line when nothing listens', async () => {
    const res = await send(port, '/dead/x');
    assert.equal(res.status, 502);
    assert.match(res.body.toString(), /<title>502 Bad Gateway<\/title>/);
    // The only server of its group is never taken out for failures (nginx), so the API does not call it down.
    const lone = (await berth.api<UpstreamsResponse>('/api/v1/upstreams')).body.upstreams.find((u) => u.id === `url:127.0.0.1:${dead}`);
    assert.deepEqual(lone?.servers.map((x) => [x.state, x.unavailableUntil]), [['up', null]]);
    const log = await errorLogWith(berth, 'connect() failed (111: Connection refused) while connecting to upstream');
    assert.match(log, /\[error\] \d+#0: \*\d+ connect\(\) failed \(111: Connection refused\) while connecting to upstream, client: 127\.0\.0\.1, server: proxy\.test, request: "GET \/dead\/x HTTP\/1\.1", upstream: "http:\/\/127\.0\.0\.1:\d+\/dead\/x", host: "proxy\.test"/);
  });

  test('504 when the upstream is slower than readTimeoutS', async () => {
    const started = Date.now();
    const res = await send(port, '/slow/slow?ms=3000');
    assert.equal(res.status, 504);
    assert.match(res.body.toString(), /504 Gateway Time-out/);
    assert.ok(Date.now() - started < 2500, 'answered after the read timeout, not after the upstream');
    await errorLogWith(berth, 'upstream timed out (110: Connection timed out) while reading response header from upstream');
  });

  test('a failed connect retries the next server; the API shows the failed one down', async () => {
    // Each proxy worker (one per core) keeps its own failure state, and the API merges them: a
    // server is "up" while any worker has not tried it yet. Which worker takes a connection is the
    // kernel's choice, so send requests in rounds until every worker has met the dead server
    // (bounded), each answered by b.
    let state: { status: number; body: UpstreamsResponse };
    let sent = 0;
    const deadline = Date.now() + 15_000;
    const deadIn = (s: typeof state) => s.body.upstreams.find((u) => u.id === 'retry')?.servers.find((x) => x.address === `127.0.0.1:${dead}`);
    do {
      for (let i = 0; i < 6; i++) {
        const res = await send(port, '/retry/r');
        assert.equal(res.status, 200);
        assert.equal(json<EchoAnswer>(res).server, 'b');
      }
      sent += 6;
      state = await berth.api<UpstreamsResponse>('/api/v1/upstreams');
    } while (deadIn(state)?.state !== 'down' && sent < 120 && Date.now() < deadline);
    assert.equal(state.status, 200);
    const retry = state.body.upstreams.find((u) => u.id === 'retry');
    const deadServer = retry?.servers.find((s) => s.address === `127.0.0.1:${dead}`);
    const live = retry?.servers.find((s) => s.address === `127.0.0.1:${b.port}`);
    assert.equal(deadServer?.state, 'down');
    assert.ok((deadServer?.failsTotal ?? 0) >= 1);
    assert.ok(deadServer?.unavailableUntil !== null);
    assert.equal(live?.state, 'up');
    assert.ok((live?.requests ?? 0) >= 6);
    assert.ok(state.body.upstreams.some((u) => u.implicit && u.id.startsWith('url:')));
  });

  test('round robin spreads 100 requests by weight (2:1:1)', async () => {
    const counts: Record<string, number> = {};
    for (let i = 0; i < 100; i++) {
      const server = json<EchoAnswer>(await send(port, '/spread/x')).server;
      counts[server] = (counts[server] ?? 0) + 1;
    }
    const workers = (await berth.api<UpstreamsResponse>('/api/v1/upstreams')).body.workers;
    // One worker gives exactly 50/25/25; several workers each keep their own smooth sequence.
    const slack = workers === 1 ? 0 : 6 * workers;
    assert.ok(Math.abs((counts.a ?? 0) - 50) <= slack && Math.abs((counts.b ?? 0) - 25) <= slack && Math.abs((counts.c ?? 0) - 25) <= slack, JSON.stringify(counts));
  });

  test('the backup server is used only when the primary is unavailable', async () => {
    for (let i = 0; i < 5; i++) assert.equal(json<EchoAnswer>(await send(port, '/backup/x')).server, 'a');
    assert.equal(backupServer.hits, 0);
    await apply(config({ backupPrimary: `127.0.0.1:${dead}` }));
    for (let i = 0; i < 5; i++) assert.equal(json<EchoAnswer>(await send(port, '/backup/x')).server, 'backup');
    assert.equal(backupServer.hits, 5);
    await apply(config());
  });

  test('a server killed during a bounded load loop: zero failed GETs', async () => {
    const total = 400;
    let done = 0;
    let failed = 0;
    const errors: string[] = [];
    let killed = false;
    const worker = async (): Promise<void> => {
      while (done < total) {
        done++;
        if (done > total / 3 && !killed) {
          killed = true;
          void b.kill();
        }
        try {
          const r = await send(port, '/ha/x', { headers: { Connection: 'close' } });
          if (r.status !== 200) {
            failed++;
            errors.push(`${r.status}`);
          }
        } catch (e) {
          failed++;
          errors.push((e as Error).message);
        }
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));
    assert.ok(killed);
    assert.equal(failed, 0, errors.slice(0, 5).join('; '));
    b = await startUpstream('b');
    await apply(config());
  });

  test('WebSocket upgrade is tunnelled after the upstream 101 and echoes both ways', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/echo/ws`, { headers: { Host: HOST } });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const replies: string[] = [];
    ws.on('message', (d) => replies.push(String(d)));
    for (const m of ['one', 'two', 'x'.repeat(200_000)]) ws.send(m);
    await waitFor('three echoes', () => (replies.length === 3 ? true : undefined));
    assert.deepEqual(replies.slice(0, 2), ['a:one', 'a:two']);
    assert.equal(replies[2], `a:${'x'.repeat(200_000)}`);
    ws.close();
    // A non-upgrade answer to an Upgrade request is relayed as is.
    const plain = await send(port, '/echo/not-ws', { headers: { Connection: 'Upgrade', Upgrade: 'websocket' } });
    assert.equal(plain.status, 200);
    assert.equal(json<EchoAnswer>(plain).server, 'a');
  });

  test('a client aborting mid-body does not poison the pool: 20 more requests succeed', async () => {
    await new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/echo/big?bytes=67108864', headers: { Host: HOST } }, (res) => {
        let got = 0;
        res.on('data', (c: Buffer) => {
          got += c.length;
          if (got > 256 * 1024) {
            req.destroy();
            resolve();
          }
        });
      });
      req.on('error', (e) => (String(e.message).includes('aborted') || (e as NodeJS.ErrnoException).code === 'ECONNRESET' ? resolve() : reject(e)));
      req.end();
    });
    for (let i = 0; i < 20; i++) {
      const res = await send(port, `/echo/after-abort-${i}`, { timeoutMs: 5000 });
      assert.equal(res.status, 200);
      assert.equal(json<EchoAnswer>(res).url, `/echo/after-abort-${i}`);
    }
  });

  test('a POST that a kept-alive upstream connection fails on is not sent again (nginx: non-idempotent requests are not resent)', async () => {
    // One client connection, so the GET that leaves an idle upstream socket and the POST meet the same worker.
    const client = createConnection({ host: '127.0.0.1', port });
    let text = '';
    client.setEncoding('latin1');
    client.on('data', (d: string) => (text += d));
    client.write(`GET /replay/warm HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`);
    await waitFor('the warm-up answer', () => (text.includes('/replay/warm') && /(\}|\r\n0\r\n\r\n)$/.test(text) ? true : undefined), 5_000, 10);
    client.write(`POST /replay/order HTTP/1.1\r\nHost: ${HOST}\r\nContent-Type: text/plain\r\nContent-Length: 7\r\n\r\norder=1`);
    await waitFor('the POST answered', () => (/HTTP\/1\.1 502 /.test(text) ? true : undefined), 5_000, 10);
    client.destroy();
    assert.equal(postsSeen, 1, 'the upstream saw the POST once');
  });

  test('an upstream that cuts a response after its header is not counted failed (max_fails), as in nginx', async () => {
    let cutHits = 0;
    for (let i = 0; i < 12; i++) {
      const r = await send(port, '/midbody/x').catch(() => null);
      if (r === null) cutHits++; // the truncated response: the client's connection is closed mid-body
    }
    // With max_fails=1 the old proxy took the server out for 60 s after its first cut (once per worker).
    assert.ok(cutHits >= 4, `the cutting server kept its turns: ${cutHits} of 12`);
    const servers = (await berth.api<UpstreamsResponse>('/api/v1/upstreams')).body.upstreams.find((u) => u.id === 'midbody')?.servers;
    assert.equal(servers?.find((x) => x.address === `127.0.0.1:${cut.port}`)?.state, 'up');
    await errorLogWith(berth, 'upstream prematurely closed connection while reading upstream');
  });

  test('a client that closes while the upstream has not answered: the upstream request is aborted and logged 499 (nginx)', async () => {
    const client = createConnection({ host: '127.0.0.1', port });
    client.on('error', () => undefined);
    client.write(`GET /hold/report?t=gave-up HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`);
    await new Promise((r) => setTimeout(r, 300));
    const closedAt = Date.now();
    client.end(); // curl -m, a closed tab: FIN while the proxy waits for the head
    await waitFor('the upstream request aborted', () => (holdAbortedAt >= closedAt ? true : undefined), 3_000, 10);
    assert.ok(holdAbortedAt - closedAt < 1_000, `aborted ${holdAbortedAt - closedAt} ms after the client left`);
    client.destroy();
    await waitFor('the 499 line', () => {
      try {
        return readFileSync(join(berth.dataDir, 'logs', 'proxy.access.log'), 'utf8').includes('"GET /hold/report?t=gave-up HTTP/1.1" 499 0 ') ? true : undefined;
      } catch {
        return undefined;
      }
    });
  });

  test('the validator refuses unknown upstreams, url+upstream together, non-http upstreams', async () => {
    const bad: BerthConfigInput = {
      schemaVersion: 1,
      sites: [
        {
          id: 's',
          names: ['s.test'],
          locations: [
            { match: { kind: 'prefix', path: '/a/' }, handler: { type: 'proxy', upstream: 'nope' } },
            { match: { kind: 'prefix', path: '/b/' }, handler: { type: 'proxy', upstream: 'u', url: 'http://127.0.0.1:1' } },
            { match: { kind: 'prefix', path: '/c/' }, handler: { type: 'proxy', upstream: 'py' } },
          ],
        },
      ],
      upstreams: [
        { id: 'u', servers: [{ address: '127.0.0.1:1' }] },
        { id: 'py', protocol: 'uwsgi', servers: [{ address: '127.0.0.1:2' }] },
      ],
    };
    const res = await berth.api<{ error: { issues: Array<{ path: string; message: string }> } }>('/api/v1/config', { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(bad) });
    assert.equal(res.status, 422);
    const paths = res.body.error.issues.map((i) => i.path);
    assert.ok(paths.includes('sites.0.locations.0.handler.upstream'), JSON.stringify(res.body));
    assert.ok(paths.includes('sites.0.locations.1.handler'));
    assert.ok(paths.includes('sites.0.locations.2.handler.upstream'));
  });
});
