// Zero-drop reload: wrk drives the real `berth serve` (a proxied location in front of a Node
// upstream) for a bounded time while the config is applied 20 times. Every response must be 2xx
// and no socket may fail. Asserts counts from wrk's report, not timings.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BerthConfig } from '../../server-core/config/schema.js';
import { makeTempDir, startBerth, waitFor, type BerthProcess } from '../helpers/berth-process.js';
import { httpRequest } from '../helpers/http.js';
import { waitForProxyConfig } from '../helpers/proxy-config.js';

interface WrkResult {
  requests: number;
  non2xx: number;
  socketErrors: number;
  raw: string;
}

function runWrk(url: string, seconds: number): Promise<WrkResult> {
  return new Promise((resolve, reject) => {
    // --timeout 10s: wrk's default (2 s) counts a slow answer on a loaded machine as a socket error;
    // a dropped or failed request is still counted.
    const wrk = spawn('wrk', ['-t1', '-c16', `-d${seconds}s`, '--timeout', '10s', '-H', 'Host: reload.test', url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    wrk.stdout.on('data', (d: Buffer) => (out += d.toString()));
    wrk.stderr.on('data', (d: Buffer) => (out += d.toString()));
    wrk.on('error', (e) => reject(new Error(`wrk could not run (${e.message}); install the Debian package "wrk"`)));
    wrk.on('close', () => {
      const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN);
      const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
      const se = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
      const socketErrors = se ? se.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
      resolve({ requests, non2xx, socketErrors, raw: out });
    });
  });
}

describe('reload under load', () => {
  let berth: BerthProcess;
  let upstream: Server;
  let upstreamPort = 0;
  const www = makeTempDir('berth-reload-www-');

  before(async () => {
    mkdirSync(www, { recursive: true });
    writeFileSync(join(www, 'index.html'), 'static');
    upstream = createServer((_req, res) => res.end('x'.repeat(100)));
    upstream.keepAliveTimeout = 60_000;
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
    upstreamPort = (upstream.address() as { port: number }).port;
    berth = await startBerth();
  });

  after(async () => {
    await berth?.stop();
    berth?.cleanup();
    await new Promise<void>((r) => upstream.close(() => r()));
  });

  function configFor(base: BerthConfig, generation: number): unknown {
    const next = structuredClone(base) as unknown as Record<string, unknown>;
    next.apps = [];
    next.upstreams = [];
    next.sites = [
      {
        id: 'reload',
        names: ['reload.test'],
        root: www,
        locations: [
          { match: { kind: 'prefix', path: '/' }, handler: { type: 'proxy', url: `http://127.0.0.1:${upstreamPort}`, setHeaders: { 'X-Generation': String(generation) } } },
          { match: { kind: 'exact', path: '/generation' }, handler: { type: 'return', status: 200, body: `generation ${generation}` } },
        ],
      },
    ];
    return next;
  }

  test('wrk during 20 config applies: zero non-2xx, zero socket errors', async () => {
    const base = (await berth.api<{ version: number; config: BerthConfig }>('/api/v1/config')).body.config;
    const port = (await berth.status()).proxy.httpPort;
    const put = (g: number) => berth.api<{ version: { version: number } }>('/api/v1/config', { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(configFor(base, g)) });
    const first = await put(0);
    assert.equal(first.status, 200);
    // Every worker on generation 0 before the load starts (one answering says nothing about the other).
    await waitForProxyConfig(berth, first.body.version.version);
    await waitFor('generation 0', async () => ((await httpRequest({ port, host: 'reload.test', path: '/generation' })).body === 'generation 0' ? true : undefined));

    const load = runWrk(`http://127.0.0.1:${port}/`, 8);
    await new Promise((r) => setTimeout(r, 500));
    let lastVersion = 0;
    for (let g = 1; g <= 20; g++) {
      const r = await put(g);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      lastVersion = r.body.version.version;
      await new Promise((res) => setTimeout(res, 200));
    }
    const result = await load;
    console.log(`reload under load: ${result.requests} requests, ${result.non2xx} non-2xx, ${result.socketErrors} socket errors, 20 applies`);
    assert.ok(result.requests > 1000, result.raw);
    assert.equal(result.non2xx, 0, result.raw);
    assert.equal(result.socketErrors, 0, result.raw);
    // On a slow machine the last apply can end right when wrk does: the API answers before the
    // workers switched, so wait for them before reading what they serve.
    await waitForProxyConfig(berth, lastVersion);
    const last = await httpRequest({ port, host: 'reload.test', path: '/generation' });
    assert.equal(last.body, 'generation 20');
  });
});
