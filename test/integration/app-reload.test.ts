// Graceful reload of a `node` app under load, for real: the new process gets a port of its own, is
// probed there, takes the routes when it answers, and the old one drains its requests and leaves —
// by POST /apps/:id/reload, by reloadOnChange (a save), and with reloads overlapping. A node app on
// a fixed socket (a second process cannot bind it) reloads by stop-then-start, and says so.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppLogsResponse, AppStatus, AppsListResponse } from '../../server-core/contract/apps.js';
import type { BerthConfig } from '../../server-core/config/schema.js';
import { findFreePort } from '../../server-core/supervisor/ports.js';
import { makeTempDir, startBerth, waitFor, type BerthProcess } from '../helpers/berth-process.js';
import { httpRequest, type SimpleResponse } from '../helpers/http.js';

/** Answers `{version, pid, port}` (after ?sleep=ms); on SIGTERM stops accepting, finishes its requests, exits. */
const nodeApp = (version: string): string => `const http = require('node:http');
const server = http.createServer((req, res) => {
  const ms = Number(new URL(req.url, 'http://x').searchParams.get('sleep') || 0);
  setTimeout(() => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ version: ${JSON.stringify(version)}, pid: process.pid, port: process.env.PORT }));
  }, ms);
});
server.listen(Number(process.env.PORT), process.env.HOST, () => console.log('listening on ' + process.env.PORT));
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 5000).unref();
});
`;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('graceful reload of node apps', () => {
  let berth: BerthProcess;
  let port: number;
  let work: string;
  let fixedPort: number;
  const get = (host: string, path = '/'): Promise<SimpleResponse> => httpRequest({ port, host: `${host}.localhost`, path });

  async function app(id: string): Promise<AppStatus> {
    const a = (await berth.api<AppsListResponse>('/api/v1/apps')).body.apps.find((x) => x.id === id);
    assert.ok(a, `app ${id} is listed`);
    return a;
  }
  async function logText(id: string): Promise<string> {
    return (await berth.api<AppLogsResponse>(`/api/v1/apps/${id}/logs?lines=500`)).body.lines.map((l) => l.line).join('\n');
  }
  /** Running with `n` processes, none retiring, none of them in `old`. */
  const settled = (id: string, n: number, old: number[]): Promise<AppStatus> =>
    waitFor(`${id} settled on new processes`, async () => {
      const a = await app(id);
      return a.state === 'running' && a.processes.length === n && a.processes.every((p) => !p.retiring && !old.includes(p.pid)) ? a : undefined;
    }, 20_000, 50);

  before(async () => {
    work = makeTempDir('berth-reload-');
    for (const d of ['rl', 'fixed']) {
      mkdirSync(join(work, d));
      writeFileSync(join(work, d, 'server.cjs'), nodeApp('v1'));
    }
    fixedPort = await findFreePort();
    berth = await startBerth();
    port = (await berth.status()).proxy.httpPort;
    const config = (await berth.api<{ config: BerthConfig }>('/api/v1/config')).body.config;
    const base = { runtime: 'node' as const, entry: 'server.cjs', interpreter: '', env: {}, threads: 1, maxRequests: 0, harakiriS: 0, autostart: true };
    config.apps = [
      { ...base, id: 'rl', workingDir: join(work, 'rl'), processes: 2, socket: '', reloadOnChange: true },
      { ...base, id: 'fixed', workingDir: join(work, 'fixed'), processes: 1, socket: `127.0.0.1:${fixedPort}`, reloadOnChange: false },
    ];
    for (const id of ['rl', 'fixed']) {
      config.sites.push({ id, names: [`${id}.localhost`], locations: [{ match: { kind: 'prefix', path: '/' }, handler: { type: 'app', app: id } }] } as unknown as BerthConfig['sites'][number]);
    }
    const r = await berth.api('/api/v1/config', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(config) });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    for (const id of ['rl', 'fixed']) {
      const a = await waitFor(`${id} running`, async () => {
        const x = (await berth.api<AppsListResponse>('/api/v1/apps')).body.apps.find((y) => y.id === id);
        return x && (x.state === 'running' || x.state === 'failed') ? x : undefined;
      }, 30_000, 100);
      assert.equal(a.state, 'running', `${id}: ${a.reason ?? ''} ${a.lastStderr.join('\n')}`);
      // Routed once the proxy workers got the published addresses.
      await waitFor(`${id} routed`, async () => ((await get(id)).status === 200 ? true : undefined), 15_000, 100);
    }
  });

  after(async () => {
    if (berth) {
      await berth.stop();
      berth.cleanup();
    }
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('reloads under a request loop (API, a save, two at once): every request answered, new pids on new ports, the old ones drain', async () => {
    const first = await app('rl');
    assert.equal(first.reloadStyle, 'replace');
    const codes = new Map<number, number>();
    const errors: string[] = [];
    let running = true;
    // Two clients, one request after the other each, a new connection per request; bounded by `running`.
    const loops = [0, 1].map(async () => {
      while (running) {
        try {
          const r = await get('rl');
          codes.set(r.status, (codes.get(r.status) ?? 0) + 1);
        } catch (e) {
          errors.push((e as Error).message);
        }
      }
    });
    const started = Date.now();
    try {
      await sleep(200);
      // A request in flight on an old process while it is replaced: the old process finishes it.
      const slow = get('rl', '/?sleep=1200');
      await sleep(100);
      const oldPids = first.processes.map((p) => p.pid);
      const reload = await berth.api<AppStatus>('/api/v1/apps/rl/reload', { method: 'POST' });
      assert.equal(reload.status, 200);
      const second = await settled('rl', 2, oldPids);
      assert.equal(second.addresses.length, 2);
      for (const a of second.addresses) assert.ok(!first.addresses.includes(a), `the new process listens on a new port: ${a} (before: ${first.addresses.join(', ')})`);

      // reloadOnChange: a save reloads again, and the new code is served.
      writeFileSync(join(work, 'rl', 'server.cjs'), nodeApp('v2'));
      const third = await settled('rl', 2, second.processes.map((p) => p.pid));
      await waitFor('v2 served', async () => {
        const r = await get('rl');
        return r.status === 200 && (JSON.parse(r.body) as { version: string }).version === 'v2' ? true : undefined;
      }, 10_000, 50);

      // Two reloads at once: the second supersedes the first's replacements; still one process per slot.
      const both = await Promise.all([0, 1].map(() => berth.api<AppStatus>('/api/v1/apps/rl/reload', { method: 'POST' })));
      assert.deepEqual(both.map((r) => r.status), [200, 200]);
      const fourth = await settled('rl', 2, third.processes.map((p) => p.pid));

      const slowReply = await slow;
      assert.equal(slowReply.status, 200);
      assert.ok(oldPids.includes((JSON.parse(slowReply.body) as { pid: number }).pid), 'the slow request was finished by the old process');

      await sleep(Math.max(0, 2500 - (Date.now() - started)));
      running = false;
      await Promise.all(loops);
      const total = [...codes.values()].reduce((a, b) => a + b, 0);
      assert.deepEqual(errors, [], 'no connection errors');
      assert.deepEqual([...codes], [[200, total]], `every request answered 200 (${total} requests)`);
      assert.ok(total >= 40, `the loop ran (${total} requests)`);

      await sleep(600);
      const last = await app('rl');
      assert.deepEqual(last.processes.map((p) => p.pid).sort(), fourth.processes.map((p) => p.pid).sort(), 'no extra process left behind');
      assert.equal(last.restarts, 0, `no crash: ${last.reason ?? ''}`);
      assert.deepEqual(last.lastStderr, []);
      const log = await logText('rl');
      assert.doesNotMatch(log, /EADDRINUSE/);
      assert.match(log, /code changed \(server\.cjs\): reloading/);
    } finally {
      running = false;
      await Promise.all(loops);
    }
  });

  test('a node app on a fixed socket: reload is stop-then-start, said in the API and the log, never a crash loop', async () => {
    const before = await app('fixed');
    assert.equal(before.reloadStyle, 'restart');
    assert.deepEqual(before.addresses, [`127.0.0.1:${fixedPort}`]);
    const oldPid = before.processes[0]?.pid;
    for (let i = 0; i < 2; i++) {
      const r = await berth.api<AppStatus>('/api/v1/apps/fixed/reload', { method: 'POST' });
      assert.equal(r.status, 200);
      assert.equal(r.body.reloadStyle, 'restart');
      await waitFor('fixed served again', async () => ((await get('fixed')).status === 200 ? true : undefined), 15_000, 50);
    }
    const a = await waitFor('fixed running', async () => {
      const x = await app('fixed');
      return x.state === 'running' && x.processes.length === 1 ? x : undefined;
    }, 15_000, 50);
    assert.notEqual(a.processes[0]?.pid, oldPid);
    assert.deepEqual(a.addresses, [`127.0.0.1:${fixedPort}`]);
    assert.equal(a.restarts, 0, `no crash: ${a.reason ?? ''}`);
    assert.deepEqual(a.lastStderr, []);
    const log = await logText('fixed');
    assert.doesNotMatch(log, /EADDRINUSE/);
    assert.match(log, new RegExp(`reload: the socket 127\\.0\\.0\\.1:${fixedPort} is fixed.*stopping, then starting`));
  });
});
