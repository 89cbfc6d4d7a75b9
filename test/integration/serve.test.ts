// The real `berth serve`: admin API security, children and their restart, config versions, the
// demo site through the proxy child, and a clean stop.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { ApiErrorBody, ConfigVersionsResponse, StatusResponse, WsServerMessage } from '../../server-core/contract/api.js';
import type { BerthConfig } from '../../server-core/config/schema.js';
import { isAlive, startBerth, waitFor, type BerthProcess } from '../helpers/berth-process.js';
import { httpRequest } from '../helpers/http.js';

function wsOpen(url: string, headers: Record<string, string>): Promise<{ ws: WebSocket; first: WsServerMessage } | { rejected: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('unexpected-response', (_req, res) => {
      resolve({ rejected: res.statusCode ?? 0 });
      ws.terminate();
    });
    ws.once('message', (data: Buffer) => resolve({ ws, first: JSON.parse(data.toString()) as WsServerMessage }));
    ws.once('error', (e) => {
      if (!String(e.message).includes('Unexpected server response')) reject(e);
    });
  });
}

describe('berth serve', () => {
  let berth: BerthProcess;
  let status: StatusResponse;

  before(async () => {
    // One proxy worker: this suite checks the three children by id (several workers: proxy-workers.test.ts).
    berth = await startBerth({ args: ['--proxy-workers', '1'] });
    status = await berth.status();
  });
  after(async () => {
    await berth.stop('SIGKILL');
    berth.cleanup();
  });

  test('writes admin.json with url, token and pid, readable only by the user', () => {
    const file = join(berth.dataDir, 'admin.json');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    assert.equal(json.url, berth.adminUrl);
    assert.equal(json.pid, berth.pid);
    assert.match(String(json.token), /^[A-Za-z0-9_-]{43}$/);
  });

  test('the admin API listens on 127.0.0.1 only', () => {
    assert.match(berth.adminUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
  });

  test('status lists the three children running with pids', () => {
    const byId = new Map(status.children.map((c) => [c.id, c]));
    assert.deepEqual([...byId.keys()].sort(), ['appserver', 'certs', 'proxy-1']);
    for (const c of status.children) {
      assert.equal(c.state, 'running', `${c.id} is ${c.state}: ${c.lastError}`);
      assert.ok(c.pid && c.pid !== berth.pid && isAlive(c.pid), `${c.id} has a live pid of its own`);
      assert.equal(c.restarts, 0);
    }
    assert.equal(byId.get('proxy-1')?.role, 'proxy');
    assert.equal(status.berth.mode, 'headless');
    assert.equal(status.config.version, 1);
  });

  test('no token: 401 with a stable code', async () => {
    const res = await httpRequest({ port: berth.adminPort, path: '/api/v1/status' });
    assert.equal(res.status, 401);
    assert.equal((JSON.parse(res.body) as ApiErrorBody).error.code, 'BERTH_ERR_UNAUTHORIZED');
  });

  test('a wrong token: 401', async () => {
    const res = await httpRequest({ port: berth.adminPort, path: '/api/v1/status', headers: { Authorization: `Bearer ${'x'.repeat(43)}` } });
    assert.equal(res.status, 401);
  });

  test('a foreign Host, even with the token: 403', async () => {
    for (const host of [`evil.example:${berth.adminPort}`, `127.0.0.1:${berth.adminPort + 1}`, '127.0.0.1', `attacker.localhost:${berth.adminPort}`]) {
      const res = await httpRequest({ port: berth.adminPort, host, path: '/api/v1/status', headers: { Authorization: `Bearer ${berth.token}` } });
      assert.equal(res.status, 403, host);
      assert.equal((JSON.parse(res.body) as ApiErrorBody).error.code, 'BERTH_ERR_FORBIDDEN_HOST');
    }
    const page = await httpRequest({ port: berth.adminPort, host: 'rebind.example', path: '/' });
    assert.equal(page.status, 403, 'dashboard files are Host-checked too');
  });

  test('a foreign Origin: 403', async () => {
    const res = await httpRequest({ port: berth.adminPort, path: '/api/v1/status', headers: { Authorization: `Bearer ${berth.token}`, Origin: 'http://evil.example' } });
    assert.equal(res.status, 403);
    assert.equal((JSON.parse(res.body) as ApiErrorBody).error.code, 'BERTH_ERR_FORBIDDEN_ORIGIN');
  });

  test('with the token, each loopback Host name and the own Origin: 200', async () => {
    for (const host of [`127.0.0.1:${berth.adminPort}`, `localhost:${berth.adminPort}`, `[::1]:${berth.adminPort}`]) {
      const res = await httpRequest({ port: berth.adminPort, host, path: '/api/v1/status', headers: { Authorization: `Bearer ${berth.token}`, Origin: `http://${host}` } });
      assert.equal(res.status, 200, host);
      assert.equal(res.headers['cache-control'], 'no-store');
    }
  });

  test('the dashboard URL trades the token for an HttpOnly cookie that works for the API', async () => {
    const res = await httpRequest({ port: berth.adminPort, path: `/?token=${berth.token}` });
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, '/');
    const cookie = String(res.headers['set-cookie']);
    assert.match(cookie, new RegExp(`^berth_token_${berth.adminPort}=`));
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    const api = await httpRequest({ port: berth.adminPort, path: '/api/v1/status', headers: { Cookie: cookie.split(';')[0] as string } });
    assert.equal(api.status, 200);
    const bad = await httpRequest({ port: berth.adminPort, path: '/?token=wrong' });
    assert.equal(bad.headers['set-cookie'], undefined);
  });

  test('the dashboard is served with a strict CSP', async () => {
    const res = await httpRequest({ port: berth.adminPort, path: '/' });
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-security-policy']), /script-src 'self'/);
    assert.match(res.body, /<div id="app"/);
  });

  test('unknown endpoints and methods answer JSON errors', async () => {
    const missing = await berth.api<ApiErrorBody>('/api/v1/nope');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'BERTH_ERR_NOT_FOUND');
    const method = await berth.api<ApiErrorBody>('/api/v1/status', { method: 'DELETE' });
    assert.equal(method.status, 405);
    assert.equal(method.body.error.code, 'BERTH_ERR_METHOD_NOT_ALLOWED');
  });

  test('the WebSocket applies the same checks before the upgrade', async () => {
    const wsUrl = `ws://127.0.0.1:${berth.adminPort}/api/v1/ws`;
    assert.deepEqual(await wsOpen(wsUrl, {}), { rejected: 401 });
    assert.deepEqual(await wsOpen(wsUrl, { Authorization: `Bearer ${berth.token}`, Origin: 'http://evil.example' }), { rejected: 403 });
    assert.deepEqual(await wsOpen(wsUrl, { Authorization: `Bearer ${berth.token}`, Host: `evil.example:${berth.adminPort}` }), { rejected: 403 });
    const ok = await wsOpen(wsUrl, { Authorization: `Bearer ${berth.token}` });
    assert.ok('ws' in ok);
    assert.equal(ok.first.type, 'hello');
    assert.equal(ok.first.type === 'hello' ? ok.first.status.children.length : 0, 3);
    // Other live messages (metrics, events) may come first; a status follows about every second
    // (the bound leaves room for a machine busy with other suites).
    const next = await new Promise<WsServerMessage>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no status message within 10 s')), 10_000);
      const onMessage = (d: Buffer): void => {
        const m = JSON.parse(d.toString()) as WsServerMessage;
        if (m.type !== 'status') return;
        clearTimeout(timer);
        ok.ws.off('message', onMessage);
        resolve(m);
      };
      ok.ws.on('message', onMessage);
    });
    assert.equal(next.type, 'status', 'status messages follow every second');
    ok.ws.close();
  });

  test('the proxy child serves the demo site welcome.localhost', async () => {
    const res = await httpRequest({ port: status.proxy.httpPort, host: `welcome.localhost:${status.proxy.httpPort}`, path: '/' });
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    assert.match(res.body, /welcome\.localhost/);
    assert.ok(existsSync(join(berth.dataDir, 'sites', 'welcome', 'index.html')));
  });

  test('a config apply validates, versions, reaches the proxy, and can be rolled back', async () => {
    const current = (await berth.api<{ version: number; config: BerthConfig }>('/api/v1/config')).body;
    const bad = structuredClone(current.config) as unknown as { sites: Array<{ names: string[] }> };
    (bad.sites[0] as { names: string[] }).names = [];
    const rejected = await berth.api<ApiErrorBody>('/api/v1/config', { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(bad) });
    assert.equal(rejected.status, 422);
    assert.equal(rejected.body.error.code, 'BERTH_ERR_VALIDATION');
    assert.equal(rejected.body.error.path, 'sites.0.names');
    assert.equal((await berth.status()).config.version, current.version, 'a rejected config changes nothing');

    const next = structuredClone(current.config);
    next.sites[0]?.locations.push({ match: { kind: 'exact', path: '/hello' }, handler: { type: 'return', status: 200, body: 'hello from version 2' }, internal: false, interceptErrors: false });
    const applied = await berth.api<{ version: { version: number } }>('/api/v1/config?note=add%20hello', { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(next) });
    assert.equal(applied.status, 200, JSON.stringify(applied.body));
    assert.equal(applied.body.version.version, current.version + 1);
    const port = (await berth.status()).proxy.httpPort;
    const hello = await waitFor('the new config in the proxy', async () => {
      const r = await httpRequest({ port, host: 'welcome.localhost', path: '/hello' });
      return r.status === 200 ? r : undefined;
    });
    assert.equal(hello.body, 'hello from version 2');

    const restored = await berth.api<{ version: { version: number } }>(`/api/v1/config/versions/${current.version}/restore`, { method: 'POST' });
    assert.equal(restored.status, 200);
    assert.equal(restored.body.version.version, current.version + 2);
    await waitFor('the restored config in the proxy', async () => ((await httpRequest({ port, host: 'welcome.localhost', path: '/hello' })).status === 404 ? true : undefined));
    const versions = (await berth.api<ConfigVersionsResponse>('/api/v1/config/versions')).body;
    assert.equal(versions.current, current.version + 2);
    assert.deepEqual(versions.versions.map((v) => v.source).slice(0, 3), ['restore', 'api', 'first-run']);
    const missing = await berth.api<ApiErrorBody>('/api/v1/config/versions/999/restore', { method: 'POST' });
    assert.equal(missing.status, 404);
  });

  test('a valid config the proxy cannot run (its port is taken) is refused with 409; the previous config serves again as a new version', async () => {
    // Another program holds a port: validation cannot know, the proxy's bind fails.
    const holder = createNetServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
    const takenPort = (holder.address() as { port: number }).port;
    try {
      const current = (await berth.api<{ version: number; config: BerthConfig }>('/api/v1/config')).body;
      const next = structuredClone(current.config);
      next.sites.push({ ...structuredClone(next.sites[0]!), id: 'taken', names: ['taken.localhost'], listen: [{ port: takenPort, tls: false, http2: false, defaultServer: false }] } as BerthConfig['sites'][number]);
      const refused = await berth.api<ApiErrorBody>('/api/v1/config?note=taken%20port', { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(next) });
      assert.equal(refused.status, 409, JSON.stringify(refused.body));
      assert.equal(refused.body.error.code, 'BERTH_ERR_APPLY_REFUSED');
      assert.match(refused.body.error.message, new RegExp(`version ${current.version + 1} .*${takenPort}.*in use.*serves again as version ${current.version + 2}`));
      assert.deepEqual(refused.body.error.refused && { version: refused.body.error.refused.version, restored: refused.body.error.refused.restored }, { version: current.version + 1, restored: current.version + 2 });
      const now = (await berth.api<{ version: number; config: BerthConfig }>('/api/v1/config')).body;
      assert.equal(now.version, current.version + 2);
      assert.deepEqual(now.config, current.config, 'the running config is the previous one');
      const versions = (await berth.api<ConfigVersionsResponse>('/api/v1/config/versions')).body;
      assert.deepEqual(versions.versions.slice(0, 2).map((v) => [v.version, v.source]), [[current.version + 2, 'restore'], [current.version + 1, 'api']], 'the refused version stays in the history');
      const port = (await berth.status()).proxy.httpPort;
      assert.equal((await httpRequest({ port, host: 'welcome.localhost', path: '/' })).status, 200, 'the previous config still serves');
      const events = (await berth.api<{ events: Array<{ kind: string; message: string }> }>('/api/v1/events?limit=20')).body.events;
      assert.ok(events.some((e) => e.kind === 'config-refused' && e.message.includes(`version ${current.version + 1}`)), JSON.stringify(events));
    } finally {
      holder.close();
    }
  });

  test('a killed proxy child is back within 2 s, and the event is recorded', async () => {
    const before = (await berth.status()).children.find((c) => c.id === 'proxy-1');
    assert.ok(before?.pid);
    const killedAt = Date.now();
    process.kill(before.pid, 'SIGKILL');
    // Restarted (a new process) within 2 s; ready once Node has loaded it, which a busy machine slows.
    const restarted = await waitFor('proxy-1 restarted', async () => {
      const c = (await berth.status()).children.find((x) => x.id === 'proxy-1');
      return c && c.pid !== null && c.pid !== before.pid ? c : undefined;
    }, 10_000, 25);
    // Measured to when the supervisor spawned the new process (its startedAt), not to when this
    // poll happened to see it: the status round trips are not part of the restart.
    const restartMs = Date.parse(restarted.startedAt ?? '') - killedAt;
    assert.ok(restartMs < 2000, `restarted after ${restartMs} ms`);
    assert.ok(restarted.state === 'starting' || restarted.state === 'running', restarted.state);
    const after = await waitFor('proxy-1 running again', async () => {
      const c = (await berth.status()).children.find((x) => x.id === 'proxy-1');
      return c && c.state === 'running' && c.pid !== before.pid ? c : undefined;
    }, 10_000, 25);
    assert.equal(after.restarts, before.restarts + 1);
    assert.equal(after.lastExit?.signal, 'SIGKILL');
    const events = (await berth.api<{ events: Array<{ kind: string; child: string | null; message: string }> }>('/api/v1/events')).body.events;
    assert.ok(events.some((e) => e.kind === 'child-exited' && e.child === 'proxy-1' && /SIGKILL/.test(e.message)));
    const port = (await berth.status()).proxy.httpPort;
    const res = await httpRequest({ port, host: 'welcome.localhost', path: '/' });
    assert.equal(res.status, 200, 'the restarted proxy serves on the same port');
  });
});

describe('stopping', () => {
  test('SIGTERM stops every child, removes admin.json and exits 0', async () => {
    const berth = await startBerth({ args: ['--proxy-workers', '2'] });
    try {
      const pids = (await berth.status()).children.map((c) => c.pid).filter((p): p is number => p !== null);
      assert.equal(pids.length, 4, 'two proxy workers, the app server and the cert service');
      const result = await berth.stop('SIGTERM');
      assert.deepEqual(result, { code: 0, signal: null });
      for (const pid of pids) assert.equal(isAlive(pid), false, `child ${pid} is gone`);
      assert.equal(existsSync(join(berth.dataDir, 'admin.json')), false);
      assert.match(berth.output(), /Berth stopped\./);
    } finally {
      await berth.stop('SIGKILL');
      berth.cleanup();
    }
  });

  test('SIGKILL of the supervisor leaves no orphan children', async () => {
    const berth = await startBerth();
    try {
      const pids = (await berth.status()).children.map((c) => c.pid).filter((p): p is number => p !== null);
      await berth.stop('SIGKILL');
      await waitFor('children to notice the supervisor is gone', () => (pids.every((p) => !isAlive(p)) ? true : undefined), 15_000);
    } finally {
      berth.cleanup();
    }
  });
});
