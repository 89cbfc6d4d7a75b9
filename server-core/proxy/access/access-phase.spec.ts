// The access phase through the real proxy on a socket: allow/deny, basic auth, limit_req, and
// nginx's order between them (limit_req → allow/deny → auth_basic).
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RuntimeSettings } from '../../contract/ipc.js';
import { ProxyServer } from '../proxy-server.js';
import { AccessPhase } from './access-phase.js';
import { RateLimiters } from './rate-limit.js';
import { get, testConfig } from '../spec-support.js';

const basic = (user: string, pw: string) => `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;

describe('access phase', () => {
  let dir = '';
  let proxy: ProxyServer;
  let port = 0;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-access-'));
    await writeFile(join(dir, 'index.html'), 'welcome');
    // htpasswd -nbs carol s3cr3t ; htpasswd -nbm alice 'Pässwörd'
    await writeFile(join(dir, 'users'), 'carol:{SHA}JauGvtFJymypwcDV23yakTiN3qs=\nalice:$apr1$szJtj07f$OFl.xcEIXeGyV0Y6qNP220\n');
    const runtime: RuntimeSettings = { dataDir: dir, logDir: join(dir, 'logs'), httpPort: 0, httpsPort: 0, bindAddresses: ['127.0.0.1'] };
    // limit_req on a clock that stands still: "burst+1 pass, then 503" must not depend on the five
    // requests finishing within the second that refills one bucket slot (a loaded machine may not).
    proxy = new ProxyServer({ warn: () => undefined, access: new AccessPhase({ limiter: new RateLimiters(() => 1_000_000) }) });
    const config = testConfig([
      { id: 'open', names: ['open.test'], root: dir },
      { id: 'denied', names: ['denied.test'], root: dir, access: { rules: [{ action: 'allow', source: '10.0.0.0/8' }, { action: 'deny', source: 'all' }] } },
      { id: 'local', names: ['local.test'], root: dir, access: { rules: [{ action: 'deny', source: '127.0.0.2' }, { action: 'allow', source: '127.0.0.0/8' }, { action: 'deny', source: 'all' }] } },
      { id: 'auth', names: ['auth.test'], root: dir, access: { basicAuth: { realm: 'Staff "only"', htpasswdFile: join(dir, 'users') } } },
      {
        id: 'both',
        names: ['both.test'],
        root: dir,
        access: { rules: [{ action: 'deny', source: '127.0.0.1' }], basicAuth: { realm: 'x', htpasswdFile: join(dir, 'users') } },
      },
      { id: 'limited', names: ['limited.test'], root: dir, limits: { rateLimit: { perSecond: 1, burst: 2, nodelay: true } } },
      // nginx's phase order: `return` (rewrite phase) answers before limit_req, allow/deny and auth_basic.
      {
        id: 'guarded',
        names: ['guarded.test'],
        root: dir,
        access: { rules: [{ action: 'deny', source: 'all' }], basicAuth: { realm: 'x', htpasswdFile: join(dir, 'users') } },
        limits: { rateLimit: { perSecond: 0.001, burst: 0, nodelay: true } },
        locations: [
          { match: { kind: 'exact', path: '/ret' }, handler: { type: 'return', status: 200, body: 'returned' } },
          { match: { kind: 'exact', path: '/index.html' }, handler: { type: 'return', status: 200, body: 'index by return' } },
        ],
      },
      {
        id: 'once',
        names: ['once.test'],
        root: dir,
        limits: { rateLimit: { perSecond: 0.001, burst: 0, nodelay: true } },
        locations: [{ match: { kind: 'exact', path: '/ret' }, handler: { type: 'return', status: 200, body: 'returned' } }],
      },
    ]);
    port = (await proxy.start(runtime, config, 1)).listening[0]?.port ?? 0;
  });

  after(async () => {
    await proxy.stop(1000);
    await rm(dir, { recursive: true, force: true });
  });

  it('denies by rule with 403 and lets matching clients through', async () => {
    assert.equal((await get(port, '/', { host: 'open.test' })).status, 200);
    const denied = await get(port, '/', { host: 'denied.test' });
    assert.equal(denied.status, 403);
    assert.match(denied.body, /403 Forbidden/);
    assert.equal((await get(port, '/', { host: 'local.test' })).body, 'welcome');
  });

  it('asks for credentials with 401 + WWW-Authenticate, accepts apr1 and SHA users', async () => {
    const none = await get(port, '/', { host: 'auth.test' });
    assert.equal(none.status, 401);
    assert.equal(none.headers['www-authenticate'], 'Basic realm="Staff \\"only\\""');
    assert.equal((await get(port, '/', { host: 'auth.test', headers: { authorization: basic('carol', 'wrong') } })).status, 401);
    assert.equal((await get(port, '/', { host: 'auth.test', headers: { authorization: basic('nobody', 'x') } })).status, 401);
    const ok = await get(port, '/', { host: 'auth.test', headers: { authorization: basic('carol', 's3cr3t') } });
    assert.equal(ok.status, 200);
    assert.equal(ok.body, 'welcome');
    assert.equal((await get(port, '/', { host: 'auth.test', headers: { authorization: basic('alice', 'Pässwörd') } })).status, 200);
  });

  it('checks allow/deny before auth: a denied client gets 403 even with good credentials', async () => {
    const r = await get(port, '/', { host: 'both.test', headers: { authorization: basic('carol', 's3cr3t') } });
    assert.equal(r.status, 403);
  });

  it('limits requests per client: burst+1 pass, then 503', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await get(port, '/', { host: 'limited.test' })).status);
    assert.deepEqual(statuses, [200, 200, 200, 503, 503]);
    // Other sites are not limited.
    assert.equal((await get(port, '/', { host: 'open.test' })).status, 200);
  });

  it('a `return` location answers before limit_req, allow/deny and auth_basic (nginx rewrite phase)', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await get(port, '/ret', { host: 'guarded.test' });
      assert.equal(r.status, 200, `request ${i}`);
      assert.equal(r.body, 'returned');
    }
    // The other locations of the same site go through the access phase.
    assert.equal((await get(port, '/other', { host: 'guarded.test' })).status, 403);
    // `/` runs access for its own (static) location first; the index redirect to a `return` comes too late.
    assert.equal((await get(port, '/', { host: 'guarded.test' })).status, 503, 'the rate limit (1 per 1000 s) counted /other already');
  });

  it('counts a request once across internal redirects, and return locations never use up the bucket', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await get(port, '/ret', { host: 'once.test' })).status, 200);
    // `/` → index → `/index.html`: two location lookups, one request for limit_req (burst 0 would 503 a second count).
    const first = await get(port, '/', { host: 'once.test' });
    assert.equal(first.status, 200);
    assert.equal(first.body, 'welcome');
    assert.equal((await get(port, '/', { host: 'once.test' })).status, 503);
    assert.equal((await get(port, '/ret', { host: 'once.test' })).status, 200, 'still answered while the client is limited');
  });

  it('logs $remote_user and the reasons in error.log', async () => {
    await proxy.stop(1000);
    const access = await readFile(join(dir, 'logs', 'auth.access.log'), 'utf8');
    assert.match(access, /^127\.0\.0\.1 - carol \[/m);
    assert.match(access, /^127\.0\.0\.1 - - \[.*" 401 /m);
    const errors = await readFile(join(dir, 'logs', 'error.log'), 'utf8');
    assert.match(errors, /\[error\] .*access forbidden by rule, client: 127\.0\.0\.1, server: denied\.test/);
    assert.match(errors, /user "carol": password mismatch/);
    assert.match(errors, /user "nobody" was not found in /);
    assert.match(errors, /limiting requests, excess over burst 2 by site "limited"/);
  });
});
