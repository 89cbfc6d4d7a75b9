// The real `berth serve` with two proxy workers and a config applied over the admin API, driven by
// curl: allow/deny (403), basic auth from an htpasswd file made by apache2-utils (401 / 200),
// limit_req (503 after the burst) counted once for both workers — like nginx's shared
// limit_req_zone — also with requests pinned to connections that `ss` shows each worker owns, and
// the delay without `nodelay`; gzip decoded by `curl --compressed`, 304 for the compressed variant,
// and access-log rotation that keeps every request's line.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect, type Socket } from 'node:net';
import { promisify } from 'node:util';
import type { BerthConfigInput } from '../../server-core/config/schema.js';
import { startBerth, waitFor, type BerthProcess } from '../helpers/berth-process.js';
import { waitForProxyConfig } from '../helpers/proxy-config.js';

const run = promisify(execFile);

interface CurlResult {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One request with the real curl; `args` go before the URL. */
async function curl(port: number, host: string, path: string, args: string[] = []): Promise<CurlResult> {
  const { stdout } = await run('curl', ['-sS', '--max-time', '10', '-D', '-', '-H', `Host: ${host}`, ...args, `http://127.0.0.1:${port}${path}`], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  const split = stdout.indexOf('\r\n\r\n');
  const head = stdout.slice(0, split).split('\r\n');
  const status = Number(head[0]?.split(' ')[1]);
  const headers: Record<string, string> = {};
  for (const line of head.slice(1)) {
    const c = line.indexOf(':');
    headers[line.slice(0, c).toLowerCase()] = line.slice(c + 1).trim();
  }
  return { status, headers, body: stdout.slice(split + 4) };
}

/** bcrypt (htpasswd -B) for bob/hunter2: made now when apache2-utils is there, else the recorded line. */
async function htpasswdLine(): Promise<string> {
  try {
    return (await run('htpasswd', ['-nbB', 'bob', 'hunter2'], { encoding: 'utf8' })).stdout.trim();
  } catch {
    return 'bob:$2y$05$uZABTCEh2aEzJYHA02XAqeugT3JT.mYhmTaOvHze3kwxo3dlkuLGK';
  }
}

describe('berth serve: access phase and static extras through curl', () => {
  let berth: BerthProcess;
  let port = 0;
  const css = '.card { padding: 1rem; border: 1px solid #ccc; }\n'.repeat(100);

  before(async () => {
    // Two workers: the limit_req buckets live in the supervisor, shared like nginx's zone.
    berth = await startBerth({ args: ['--proxy-workers', '2'] });
    const www = join(berth.dataDir, 'www');
    await mkdir(www, { recursive: true });
    await writeFile(join(www, 'index.html'), 'hello from berth');
    await writeFile(join(www, 'site.css'), css);
    const users = join(berth.dataDir, 'users.htpasswd');
    await writeFile(users, `${await htpasswdLine()}\n`);
    // Latin-1 bytes (htpasswd -nbB with $'j\xf6rg' / $'p\xe4ss', apache2-utils 2.4) and a password holding U+FFFD's UTF-8 bytes.
    const latin1Users = join(berth.dataDir, 'latin1.htpasswd');
    await writeFile(latin1Users, Buffer.from('j\xf6rg:$2y$05$KXdSyipPWBq6Mb4/YdgfI.zQSvv9RPmtnVguBnlG7.jdgtJ9E4a.6\nrep:$2y$05$eht0Um6cZ68QM5Zbtc0aSewwZdXZVWOofvbpGvmN6LtlwtnpUIYNa\n', 'latin1'));
    // Exists when the config is applied (validation wants it), removed before the requests.
    const goneUsers = join(berth.dataDir, 'gone.htpasswd');
    await writeFile(goneUsers, `${await htpasswdLine()}\n`);
    const site = (id: string, extra: object) => ({ id, names: [`${id}.test`], root: www, ...extra });
    const config: BerthConfigInput = {
      schemaVersion: 1,
      settings: { httpPort: 0, httpsPort: 0, logs: { rotateBytes: 2048, keep: 50, errorLevel: 'error' } },
      sites: [
        site('open', {}),
        site('denied', { access: { rules: [{ action: 'allow', source: '10.0.0.0/8' }, { action: 'deny', source: 'all' }] } }),
        site('auth', { access: { basicAuth: { realm: 'Berth test', htpasswdFile: users } } }),
        site('authx', { access: { basicAuth: { realm: 'Café "Zürich" 日本', htpasswdFile: latin1Users } } }),
        site('authgone', { access: { basicAuth: { realm: 'gone', htpasswdFile: goneUsers } } }),
        // Slow rates: the 503s must not turn into passes because a busy machine spread the
        // requests over more than one refill (0.1 r/s: the burst's requests have 10 s).
        site('limited', { limits: { rateLimit: { perSecond: 0.1, burst: 3, nodelay: true } } }),
        site('pinned', { limits: { rateLimit: { perSecond: 0.1, burst: 2, nodelay: true } } }),
        // 2 r/s: delays of 500 and 1000 ms, wide apart from "at once" even on a loaded machine.
        site('paced', { limits: { rateLimit: { perSecond: 2, burst: 2, nodelay: false } } }),
      ],
    };
    const put = await berth.api<{ version: { version: number } }>('/api/v1/config', { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(config) });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    port = (await berth.status()).proxy.httpPort;
    // Both workers: one answering 403 says nothing about the other, which may still run the old config.
    await waitForProxyConfig(berth, put.body.version.version);
    await waitFor('the access config in the proxy', async () => ((await curl(port, 'denied.test', '/')).status === 403 ? true : undefined));
    await rm(goneUsers);
  });

  after(async () => {
    await berth?.stop();
    berth?.cleanup();
  });

  test('allow/deny: 403 for a client no rule allows, 200 elsewhere', async () => {
    const denied = await curl(port, 'denied.test', '/');
    assert.equal(denied.status, 403);
    assert.match(denied.body, /403 Forbidden/);
    const open = await curl(port, 'open.test', '/');
    assert.equal(open.status, 200);
    assert.equal(open.body, 'hello from berth');
  });

  test('basic auth: 401 with a challenge, 401 for a wrong password, 200 for bob', async () => {
    const none = await curl(port, 'auth.test', '/');
    assert.equal(none.status, 401);
    assert.equal(none.headers['www-authenticate'], 'Basic realm="Berth test"');
    assert.equal((await curl(port, 'auth.test', '/', ['-u', 'bob:wrong'])).status, 401);
    const ok = await curl(port, 'auth.test', '/', ['-u', 'bob:hunter2']);
    assert.equal(ok.status, 200);
    assert.equal(ok.body, 'hello from berth');
  });

  test('basic auth as nginx 1.22: user file missing → 403 with credentials, 401 without', async () => {
    assert.equal((await curl(port, 'authgone.test', '/', ['-u', 'bob:hunter2'])).status, 403);
    assert.equal((await curl(port, 'authgone.test', '/')).status, 401);
  });

  test('basic auth: the realm goes out as UTF-8; credentials are compared as bytes (Latin-1 ok, never U+FFFD)', async () => {
    const none = await curl(port, 'authx.test', '/');
    assert.equal(none.status, 401);
    assert.equal(none.headers['www-authenticate'], 'Basic realm="Café \\"Zürich\\" 日本"');
    const basic = (bytes: string) => ['-H', `Authorization: Basic ${Buffer.from(bytes, 'latin1').toString('base64')}`];
    assert.equal((await curl(port, 'authx.test', '/', basic('j\xf6rg:p\xe4ss'))).status, 200);
    assert.equal((await curl(port, 'authx.test', '/', ['-u', 'jörg:päss'])).status, 401);
    assert.equal((await curl(port, 'authx.test', '/', ['-u', 'rep:p\ufffdss'])).status, 200);
    assert.equal((await curl(port, 'authx.test', '/', basic('rep:p\xe4ss'))).status, 401);
    assert.equal((await curl(port, 'authx.test', '/', basic('rep:p\xfcss'))).status, 401);
  });

  test('limit_req: burst + 1 requests pass, then 503', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await curl(port, 'limited.test', '/')).status);
    assert.deepEqual(statuses, [200, 200, 200, 200, 503, 503, 503]);
  });

  test('limit_req across both workers: requests alternate between connections each worker owns', async () => {
    const byWorker = await connectionsPerWorker(port, await proxyPids(berth), 1);
    const [a, b] = [...byWorker.values()].map((list) => list[0] as Socket);
    assert.ok(a && b, 'a connection on each of the two workers');
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push(await keepAliveGet(i % 2 === 0 ? a : b, 'pinned.test', '/'));
      // burst 2: three pass, then 503 — not three per worker.
      assert.deepEqual(statuses, [200, 200, 200, 503, 503, 503]);
    } finally {
      for (const list of byWorker.values()) for (const sock of list) sock.destroy();
    }
  });

  test('limit_req without nodelay across both workers: the excess is delayed to the rate, past the burst 503', async () => {
    const byWorker = await connectionsPerWorker(port, await proxyPids(berth), 2);
    const sockets = [...byWorker.values()].flat();
    try {
      const started = performance.now();
      const answers = await Promise.all(sockets.map(async (sock) => ({ status: await keepAliveGet(sock, 'paced.test', '/'), ms: performance.now() - started })));
      assert.deepEqual(answers.map((x) => x.status).sort(), [200, 200, 200, 503]);
      // 2 r/s, burst 2: one at once, one after 500 ms, one after 1000 ms (per-worker buckets: 2 × at once + 500 ms).
      const passed = answers.filter((x) => x.status === 200).map((x) => x.ms).sort((x, y) => x - y);
      assert.ok((passed[0] ?? 0) < 400, `first at ${passed.join(', ')} ms`);
      assert.ok((passed[1] ?? 0) >= 400 && (passed[1] ?? 0) < (passed[2] ?? 0), `second at ${passed.join(', ')} ms`);
      assert.ok((passed[2] ?? 0) >= 900, `third at ${passed.join(', ')} ms`);
    } finally {
      for (const sock of sockets) sock.destroy();
    }
  });

  test('gzip on the fly, decoded by curl --compressed; 304 still works with compression', async () => {
    const r = await curl(port, 'open.test', '/site.css', ['--compressed']);
    assert.equal(r.status, 200);
    assert.match(r.headers['content-encoding'] ?? '', /^(gzip|br)$/);
    assert.equal(r.headers.vary, 'Accept-Encoding');
    assert.equal(r.body, css);
    const gz = await curl(port, 'open.test', '/site.css', ['-H', 'Accept-Encoding: gzip', '--compressed']);
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(gz.body, css);
    const etag = gz.headers.etag ?? '';
    assert.match(etag, /^W\/"/);
    const again = await curl(port, 'open.test', '/site.css', ['--compressed', '-H', `If-None-Match: ${etag}`]);
    assert.equal(again.status, 304);
    assert.equal(again.body, '');
  });

  test('access log rotation keeps a line for every request', async () => {
    const n = 60;
    for (let i = 0; i < n; i++) assert.equal((await curl(port, 'open.test', `/?n=${i}`)).status, 200);
    const logDir = join(berth.dataDir, 'logs');
    const lines = await waitFor('all access lines on disk', async () => {
      const names = (await readdir(logDir)).filter((f) => f.startsWith('open.access.log'));
      let all: string[] = [];
      for (const name of names) {
        // A worker may rotate the file between readdir and the read (lines still being written): look again.
        const text = await readFile(join(logDir, name), 'utf8').catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? null : Promise.reject(e)));
        if (text === null) return undefined;
        all = all.concat(text.split('\n').filter((l) => l.includes('GET /?n=')));
      }
      // Exactly n: a rotation during the reads can show a line twice (read before and after a rename).
      return all.length === n ? { all, names } : undefined;
    });
    assert.equal(lines.all.length, n);
    for (let i = 0; i < n; i++) assert.equal(lines.all.filter((l) => l.includes(`GET /?n=${i} HTTP`)).length, 1, `request ${i}`);
    assert.ok(lines.names.length > 1, `rotated: ${lines.names.join(', ')}`);
    assert.ok(existsSync(join(logDir, 'open.access.log.1')));
  });
});

async function proxyPids(berth: BerthProcess): Promise<number[]> {
  const pids = await waitFor('two running proxy workers', async () => {
    const list = (await berth.status()).children.filter((c) => c.role === 'proxy' && c.state === 'running' && c.pid !== null).map((c) => c.pid as number);
    return list.length === 2 ? list : undefined;
  });
  return pids;
}

/**
 * Opens keep-alive connections (bounded) until each worker owns `perWorker` of them; which worker
 * accepted a connection is read from `ss -tnp` (the server side socket's owning pid, by client port).
 */
async function connectionsPerWorker(port: number, pids: number[], perWorker: number): Promise<Map<number, Socket[]>> {
  const byWorker = new Map<number, Socket[]>(pids.map((p) => [p, []]));
  const extra: Socket[] = [];
  for (let i = 0; i < 200 && [...byWorker.values()].some((l) => l.length < perWorker); i++) {
    const sock = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => sock.once('connect', resolve).once('error', reject));
    // A request proves the worker took it off the accept queue (the open site, not rate-limited).
    await keepAliveGet(sock, 'open.test', '/');
    const { stdout } = await run('ss', ['-Htnp', 'state', 'established', `( sport = :${port} and dport = :${sock.localPort ?? 0} )`], { encoding: 'utf8' });
    const pid = Number(/pid=(\d+)/.exec(stdout)?.[1]);
    const list = byWorker.get(pid);
    if (list && list.length < perWorker) list.push(sock);
    else extra.push(sock);
  }
  for (const sock of extra) sock.destroy();
  for (const [pid, list] of byWorker) assert.equal(list.length, perWorker, `worker ${pid} accepted too few of 200 connections`);
  return byWorker;
}

/** One HTTP/1.1 request on an open connection; resolves with the status once the whole response is in. */
function keepAliveGet(sock: Socket, host: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer): void => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end === -1) return;
      const head = buf.subarray(0, end).toString('latin1');
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (buf.length < end + 4 + length) return;
      sock.off('data', onData);
      sock.off('error', reject);
      resolve(Number(head.split(' ')[1]));
    };
    sock.on('data', onData);
    sock.once('error', reject);
    sock.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
  });
}
