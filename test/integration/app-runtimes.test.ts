// The runtimes apps.test.ts does not cover, for real: `node` (2 instances, the client's Host kept, a
// WebSocket tunnelled through the proxy's own path), `command` (a program given $PORT), harakiri
// and reload-on-change on Berth's WSGI runtime, and uWSGI's per-worker request counts (its stats
// server) next to gunicorn's unknown ones; a uWSGI app behind HTTPS + HTTP/2 (a browser's way to a
// local Django site) gets the environ HTTP/1.1 would give it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { AppStatus, AppsListResponse } from '../../server-core/contract/apps.js';
import type { BerthConfig } from '../../server-core/config/schema.js';
import { findFreePort } from '../../server-core/supervisor/ports.js';
import { makeTempDir, repoRoot, startBerth, waitFor, type BerthProcess } from '../helpers/berth-process.js';
import { h2Request, httpRequest, type SimpleResponse } from '../helpers/http.js';

const PYTHON = '/usr/bin/python3';
const missing = [!existsSync(PYTHON) && 'python3', !existsSync('/usr/bin/uwsgi') && 'uwsgi', !existsSync('/usr/lib/uwsgi/plugins/python3_plugin.so') && 'uwsgi-plugin-python3', !existsSync('/usr/bin/gunicorn') && 'gunicorn'].filter(Boolean);
const skip = missing.length > 0 ? `needs Debian packages: ${missing.join(', ')} (.ci/run installs them)` : false;

const NODE_APP = `const http = require('node:http');
const { WebSocketServer } = require(${JSON.stringify(join(repoRoot, 'node_modules', 'ws'))});
const server = http.createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ pid: process.pid, host: req.headers.host, xff: req.headers['x-forwarded-for'] ?? null, port: process.env.PORT }));
});
const wss = new WebSocketServer({ server });
wss.on('connection', (ws, req) => ws.on('message', (m) => ws.send('echo ' + process.pid + ' ' + req.url + ' ' + m)));
server.listen(Number(process.env.PORT), process.env.HOST);
`;

const WSGI_APP = `import json, os, time
VERSION = "v1"
def app(environ, start_response):
    path = environ.get("PATH_INFO", "/")
    if path == "/environ":
        n = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(n) if n else b""
        out = {k: environ.get(k) for k in ("HTTP_HOST", "HTTP_COOKIE", "CONTENT_LENGTH", "SERVER_PROTOCOL", "HTTPS", "REQUEST_METHOD")}
        out["body"] = len(body)
        out["colon_keys"] = sorted(k for k in environ if ":" in k)
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(out).encode()]
    if path == "/forbidden":
        # Answers without reading the POST body (Django's CSRF check does this).
        start_response("403 Forbidden", [("Content-Type", "text/plain")])
        return [b"forbidden"]
    if path == "/sleep":
        time.sleep(float(environ.get("QUERY_STRING") or "5"))
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [("%s %d" % (VERSION, os.getpid())).encode()]
`;

describe('node, command, harakiri, reload-on-change, request counts', { skip }, () => {
  let berth: BerthProcess;
  let port: number;
  let tlsPort: number;
  let work: string;
  const get = (host: string, path: string): Promise<SimpleResponse> => httpRequest({ port, host: `${host}.localhost`, path });

  async function app(id: string): Promise<AppStatus> {
    const a = (await berth.api<AppsListResponse>('/api/v1/apps')).body.apps.find((x) => x.id === id);
    assert.ok(a, `app ${id} is listed`);
    return a;
  }

  before(async () => {
    work = makeTempDir('berth-runtimes-');
    for (const d of ['node', 'cmd', 'hara', 'live', 'uw', 'gu']) mkdirSync(join(work, d));
    writeFileSync(join(work, 'node', 'server.cjs'), NODE_APP);
    writeFileSync(join(work, 'cmd', 'hello.txt'), 'served by python -m http.server\n');
    for (const d of ['hara', 'live', 'uw', 'gu']) writeFileSync(join(work, d, 'app.py'), WSGI_APP);
    berth = await startBerth();
    port = (await berth.status()).proxy.httpPort;
    const config = (await berth.api<{ config: BerthConfig }>('/api/v1/config')).body.config;
    const base = { interpreter: '', env: {}, processes: 1, threads: 1, maxRequests: 0, harakiriS: 0, autostart: true, socket: '', reloadOnChange: false };
    config.apps = [
      { ...base, id: 'node', runtime: 'node', workingDir: join(work, 'node'), entry: 'server.cjs', processes: 2 },
      { ...base, id: 'cmd', runtime: 'command', workingDir: join(work, 'cmd'), entry: `${PYTHON} -m http.server $PORT --bind 127.0.0.1` },
      { ...base, id: 'hara', runtime: 'wsgi', workingDir: join(work, 'hara'), entry: 'app:app', interpreter: PYTHON, harakiriS: 1 },
      { ...base, id: 'live', runtime: 'wsgi', workingDir: join(work, 'live'), entry: 'app:app', interpreter: PYTHON, processes: 2, reloadOnChange: true },
      { ...base, id: 'uw', runtime: 'uwsgi', workingDir: join(work, 'uw'), entry: 'app:app', processes: 2 },
      { ...base, id: 'gu', runtime: 'gunicorn', workingDir: join(work, 'gu'), entry: 'app:app', processes: 2 },
    ];
    for (const id of ['node', 'cmd', 'hara', 'live', 'uw', 'gu']) {
      config.sites.push({ id, names: [`${id}.localhost`], locations: [{ match: { kind: 'prefix', path: '/' }, handler: { type: 'app', app: id } }] } as unknown as BerthConfig['sites'][number]);
    }
    // The uWSGI app once more, behind HTTPS with HTTP/2 (a certificate from Berth's local CA).
    tlsPort = await findFreePort();
    config.sites.push({ id: 'uwh2', names: ['uwh2.localhost'], listen: [{ port: tlsPort, tls: true, http2: true }], tls: { certificate: 'auto' }, locations: [{ match: { kind: 'prefix', path: '/' }, handler: { type: 'app', app: 'uw' } }] } as unknown as BerthConfig['sites'][number]);
    const r = await berth.api('/api/v1/config', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(config) });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    for (const id of ['node', 'cmd', 'hara', 'live', 'uw', 'gu']) {
      const a = await waitFor(`${id} running`, async () => {
        // Listed once the app server has taken the applied config (asynchronously after PUT /config).
        const x = (await berth.api<AppsListResponse>('/api/v1/apps')).body.apps.find((y) => y.id === id);
        return x && (x.state === 'running' || x.state === 'failed') ? x : undefined;
      }, 60_000, 200);
      assert.equal(a.state, 'running', `${id}: ${a.reason ?? ''} ${a.lastStderr.join('\n')}`);
    }
    // "running" in the API comes a moment before the proxy workers get the app's addresses (the app
    // server publishes them after a short coalescing delay): until then the proxy answers 502.
    for (const id of ['node', 'cmd', 'hara', 'live', 'uw', 'gu']) {
      await waitFor(`${id} routed by the proxy`, async () => ((await get(id, '/')).status !== 502 ? true : undefined), 15_000, 100);
    }
  });

  after(async () => {
    if (berth) {
      await berth.stop();
      berth.cleanup();
    }
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('node: 2 instances on their own PORT, the client\'s Host kept, X-Forwarded-For added', async () => {
    // Round-robin state is per proxy worker, and an instance that became ready a moment ago may not
    // be routed yet: ask in rounds until both answered (bounded), then check every answer.
    const bodies: Array<{ pid: number; host: string; xff: string | null; port: string }> = [];
    const deadline = Date.now() + 10_000;
    while (new Set(bodies.map((b) => b.pid)).size < 2 && Date.now() < deadline && bodies.length < 120) {
      const answers = await Promise.all(Array.from({ length: 6 }, () => get('node', '/')));
      bodies.push(...answers.map((r) => JSON.parse(r.body) as { pid: number; host: string; xff: string | null; port: string }));
    }
    assert.equal(new Set(bodies.map((b) => b.pid)).size, 2, 'both instances answered');
    assert.equal(new Set(bodies.map((b) => b.port)).size, 2, 'each instance has its own PORT');
    for (const b of bodies) {
      assert.equal(b.host, 'node.localhost');
      assert.equal(b.xff, '127.0.0.1');
    }
    const a = await app('node');
    assert.deepEqual(a.processes.map((p) => p.pid).sort(), [...new Set(bodies.map((b) => b.pid))].sort());
  });

  test('node: a WebSocket through the app handler is tunnelled both ways', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/chat?room=1`, { headers: { Host: 'node.localhost' } });
    const got: string[] = [];
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => {
        ws.send('one');
        ws.send('two');
      });
      ws.on('message', (m: Buffer) => {
        got.push(m.toString());
        if (got.length === 2) resolve();
      });
      ws.once('error', reject);
      setTimeout(() => reject(new Error(`no echo: ${got.join(', ')}`)), 10_000).unref();
    });
    ws.close();
    assert.match(got[0] ?? '', /^echo \d+ \/chat\?room=1 one$/);
    assert.match(got[1] ?? '', /^echo \d+ \/chat\?room=1 two$/);
  });

  test('command: a program given $PORT, ready by port probe', async () => {
    const r = await get('cmd', '/hello.txt');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'served by python -m http.server\n');
    const a = await app('cmd');
    assert.equal(a.protocol, 'http');
    assert.equal(a.processes.length, 1);
    assert.match(a.addresses[0] ?? '', /^127\.0\.0\.1:\d+$/);
  });

  test('harakiri: a request running past harakiriS kills its worker, which is replaced', async () => {
    const before = (await app('hara')).processes.map((p) => p.pid);
    assert.equal(before.length, 1);
    const t0 = Date.now();
    const slow = await get('hara', '/sleep?10');
    assert.equal(slow.status, 502, 'the killed request ends with 502');
    assert.ok(Date.now() - t0 < 6000, `cut off after about harakiriS, not the full 10 s (${Date.now() - t0} ms)`);
    const healed = await waitFor('a new worker', async () => {
      const x = await app('hara');
      return x.state === 'running' && x.processes.length === 1 && x.processes[0]?.pid !== before[0] ? x : undefined;
    }, 10_000, 100);
    assert.ok(healed.lastLines.some((l) => /harakiri: a request in pid \d+ ran longer than 1 s/.test(l.line)), 'the log says why');
    assert.equal((await get('hara', '/')).status, 200);
  });

  test('an answer sent without reading the POST body arrives as sent, never as a 502', async () => {
    const body = 'x'.repeat(20_000);
    const statuses = new Map<number, number>();
    for (let i = 0; i < 60; i++) {
      const r = await httpRequest({ port, host: 'hara.localhost', path: '/forbidden', method: 'POST', headers: { 'content-type': 'text/plain' }, body });
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    }
    assert.deepEqual([...statuses], [[403, 60]]);
  });

  test('reload-on-change: saving app.py replaces the workers and serves the new code', async () => {
    const first = await get('live', '/');
    assert.match(first.body, /^v1 \d+$/);
    const old = (await app('live')).processes.map((p) => p.pid);
    writeFileSync(join(work, 'live', 'app.py'), WSGI_APP.replace('VERSION = "v1"', 'VERSION = "v2"'));
    const served = await waitFor('v2 served', async () => {
      const r = await get('live', '/');
      return r.status === 200 && r.body.startsWith('v2 ') ? r : undefined;
    }, 20_000, 100);
    assert.ok(!old.includes(Number(served.body.split(' ')[1])), 'a new worker answers');
    const a = await waitFor('old workers gone', async () => {
      const x = await app('live');
      return x.state === 'running' && x.processes.length === 2 && x.processes.every((p) => !old.includes(p.pid)) ? x : undefined;
    }, 20_000, 100);
    assert.ok(a.lastLines.some((l) => /code changed \(app\.py\): reloading/.test(l.line)));
  });

  test('uWSGI behind HTTPS + HTTP/2: HTTP_HOST from :authority, no pseudo-header keys, Cookie crumbs joined, a body without length read whole', async () => {
    const authority = `uwh2.localhost:${tlsPort}`;
    // The site's certificate is issued after the config: wait for the TLS port to answer.
    const first = await waitFor('uwh2 served over h2', async () => {
      const r = await h2Request(tlsPort, { ':method': 'GET', ':path': '/environ', ':authority': authority, cookie: ['a=1', 'b=2'] }).catch(() => null);
      return r && r.status === 200 ? r : undefined;
    }, 20_000, 200);
    const env = JSON.parse(first.body) as Record<string, unknown>;
    assert.equal(env.HTTP_HOST, authority);
    assert.equal(env.HTTP_COOKIE, 'a=1; b=2');
    assert.equal(env.SERVER_PROTOCOL, 'HTTP/2.0');
    assert.equal(env.HTTPS, 'on');
    assert.deepEqual(env.colon_keys, []);
    const body = Buffer.alloc(5000, 0x61);
    const posted = await h2Request(tlsPort, { ':method': 'POST', ':path': '/environ', ':authority': authority, 'content-type': 'text/plain' }, body);
    assert.equal(posted.status, 200, posted.body);
    const penv = JSON.parse(posted.body) as Record<string, unknown>;
    assert.equal(penv.REQUEST_METHOD, 'POST');
    assert.equal(penv.CONTENT_LENGTH, '5000');
    assert.equal(penv.body, 5000);
  });

  test('uWSGI workers show their request counts (stats server); gunicorn\'s are unknown', async () => {
    for (let i = 0; i < 20; i++) assert.equal((await get('uw', '/')).status, 200);
    for (let i = 0; i < 5; i++) assert.equal((await get('gu', '/')).status, 200);
    const uw = await waitFor('uWSGI counts sampled', async () => {
      const x = await app('uw');
      const children = x.processes.filter((p) => p.role === 'child');
      return children.length === 2 && children.reduce((n, p) => n + (p.requests ?? 0), 0) >= 20 ? children : undefined;
    }, 20_000, 250);
    assert.ok(uw.every((p) => typeof p.requests === 'number'));
    const gu = await app('gu');
    assert.ok(gu.processes.length >= 3);
    assert.ok(gu.processes.every((p) => p.requests === null), 'gunicorn exposes no per-worker counts');
  });
});
