// nginx `error_page` in-process on real sockets: errors Berth makes (a missing file, 405, 413, an
// internal location, deny, basic auth, limit_req, `return CODE`, a dead upstream) are replaced by
// the page, upstream answers only with `interceptErrors` (HTTP and FastCGI), `=`/`=CODE`, URL
// targets, and recursive_error_pages off — each checked against nginx 1.22 by hand first, and in
// test/conformance/error-pages.test.ts against the real one.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { BerthConfigInput } from '../config/schema.js';
import { configSchema } from '../config/schema.js';
import { appBackends } from './app-protocols/backends.js';
import { FCGI_END_REQUEST, FCGI_PARAMS, FCGI_STDIN, FCGI_STDOUT, record, RecordReader } from './app-protocols/fastcgi-records.js';
import { AccessPhase } from './access/access-phase.js';
import { accessLogPath } from './access-log.js';
import { RateLimiters } from './access/rate-limit.js';
import { ProxyServer } from './proxy-server.js';
import { get, rawExchange, testConfig } from './spec-support.js';

type SiteInput = NonNullable<BerthConfigInput['sites']>[number];
type LocationInput = NonNullable<SiteInput['locations']>[number];

const loc = (kind: 'exact' | 'prefix', path: string, handler: LocationInput['handler'], extra: Partial<LocationInput> = {}): LocationInput => ({ match: { kind, path }, handler, ...extra });

describe('error pages (nginx error_page)', () => {
  let dir = '';
  let proxy: ProxyServer;
  let port = 0;
  let upstream: Server;
  let fcgi: TcpServer;
  let broken: TcpServer;
  const upstreamSeen: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-error-pages-'));
    const www = join(dir, 'www');
    await mkdir(join(www, 'sub'), { recursive: true });
    await mkdir(join(www, 'php'), { recursive: true });
    await writeFile(join(www, 'index.html'), 'home\n');
    await writeFile(join(www, '404.html'), 'custom 404 page\n');
    await writeFile(join(www, '50x.html'), 'custom 50x page\n');
    await writeFile(join(www, 'sub', 'index.html'), 'sub\n');
    await mkdir(join(www, 'php-off'), { recursive: true });
    await writeFile(join(www, 'php', 'app.php'), '<?php // answered by the responder below');
    await writeFile(join(www, 'php', 'broken.php'), '<?php // answered by the responder below, then a malformed record');
    await writeFile(join(www, 'php-off', 'app.php'), '<?php // answered by the responder below');
    await writeFile(join(dir, 'users'), 'carol:{SHA}JauGvtFJymypwcDV23yakTiN3qs=\n');

    // /status/N answers N (401 with a challenge, 3xx with a Location); anything else echoes the request.
    upstream = createServer((req, res) => {
      upstreamSeen.push(`${req.method} ${req.url}`);
      const m = /^\/status\/(\d+)/.exec(req.url ?? '');
      const headers: Record<string, string> = { 'Content-Type': 'text/plain', 'X-From-Upstream': 'yes', 'Set-Cookie': 'u=1' };
      if (m) {
        const code = Number(m[1]);
        if (code === 401) headers['WWW-Authenticate'] = 'Basic realm="upstream"';
        if (code >= 300 && code < 400) headers.Location = '/moved';
        res.writeHead(code, headers);
        res.end(`upstream ${code}\n`);
        return;
      }
      res.writeHead(200, headers);
      res.end(`upstream ${req.method} ${req.url}\n`);
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const origin = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`;
    const deadPort = await new Promise<number>((r) => {
      const s = createTcpServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => r(p));
      });
    });

    // PHP-FPM's part: `Status: 404` on STDOUT.
    // For broken.php the 404 comes with a malformed record behind it, in the same write.
    fcgi = createTcpServer((s) => {
      const reader = new RecordReader();
      let brokenScript = false;
      s.on('error', () => undefined);
      s.on('data', (d: Buffer) =>
        reader.feed(d, (r) => {
          if (r.type === FCGI_PARAMS && r.content.includes('broken.php')) brokenScript = true;
          if (r.type !== FCGI_STDIN || r.content.length > 0) return;
          const answer = record(FCGI_STDOUT, r.requestId, Buffer.from('Status: 404 Not Found\r\nContent-Type: text/html\r\n\r\nphp says 404'));
          if (brokenScript) {
            s.write(Buffer.concat([answer, Buffer.alloc(8, 0xff)]));
            return;
          }
          s.write(answer);
          s.end(record(FCGI_END_REQUEST, r.requestId, Buffer.alloc(8)));
        }),
      );
    });
    await new Promise<void>((r) => fcgi.listen(0, '127.0.0.1', r));

    // An upstream whose head decides the answer and whose body, in the same write, is malformed
    // (a bad chunk size): a 404, or an X-Accel-Redirect.
    broken = createTcpServer((s) => {
      let got = '';
      s.on('error', () => undefined);
      s.on('data', (d: Buffer) => {
        got += d.toString('latin1');
        if (!got.includes('\r\n\r\n')) return;
        const accel = got.startsWith('GET /accel');
        got = '';
        s.write(`HTTP/1.1 ${accel ? '200 OK\r\nX-Accel-Redirect: /sub/index.html' : '404 Not Found'}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n`);
      });
    });
    await new Promise<void>((r) => broken.listen(0, '127.0.0.1', r));

    const page404 = { codes: [404], target: '/404.html' };
    const page50x = { codes: [500, 502, 503, 504], target: '/50x.html' };
    const internalPages = [loc('exact', '/404.html', { type: 'static' }, { internal: true }), loc('exact', '/50x.html', { type: 'static' }, { internal: true })];
    const sites: SiteInput[] = [
      {
        id: 'main',
        names: ['a.test'],
        root: www,
        limits: { maxBodyBytes: 10 },
        errorPages: [page404, page50x],
        locations: [
          loc('prefix', '/', { type: 'static' }),
          ...internalPages,
          loc('prefix', '/dead/', { type: 'proxy', url: `http://127.0.0.1:${deadPort}` }),
          loc('prefix', '/up/', { type: 'proxy', url: `${origin}/` }),
          loc('prefix', '/upi/', { type: 'proxy', url: `${origin}/` }, { interceptErrors: true, errorPages: [{ codes: [404, 401, 302], target: '/404.html' }] }),
          loc('prefix', '/php/', { type: 'fastcgi', upstream: 'php', root: www }, { interceptErrors: true }),
          loc('prefix', '/broken/', { type: 'proxy', url: `http://127.0.0.1:${(broken.address() as { port: number }).port}/` }, { interceptErrors: true }),
          loc('prefix', '/php-off/', { type: 'fastcgi', upstream: 'php', root: www }),
          loc('exact', '/ret404', { type: 'return', status: 404 }),
          loc('exact', '/ret404text', { type: 'return', status: 404, body: 'text' }),
          loc('exact', '/ret418', { type: 'return', status: 418 }, { errorPages: [{ codes: [418], target: '/404.html' }] }),
          loc('exact', '/ret301', { type: 'return', status: 301, body: '/elsewhere' }, { errorPages: [{ codes: [301], target: '/404.html' }] }),
          loc('prefix', '/ov200/', { type: 'static' }, { errorPages: [{ codes: [404], target: '/404.html', response: 200 }] }),
          loc('prefix', '/ovpage/', { type: 'static' }, { errorPages: [{ codes: [404], target: '/up/echo?from=$uri', response: 'page' }] }),
          loc('prefix', '/toproxy/', { type: 'static' }, { errorPages: [{ codes: [404], target: '/up/status/500', response: 201 }] }),
          loc('prefix', '/url/', { type: 'static' }, { errorPages: [{ codes: [404], target: 'https://example.test/nf' }] }),
          loc('prefix', '/url301/', { type: 'static' }, { errorPages: [{ codes: [404], target: 'https://example.test/nf', response: 301 }] }),
          loc('prefix', '/url404/', { type: 'static' }, { errorPages: [{ codes: [404], target: 'https://example.test/nf', response: 404 }] }),
          loc('prefix', '/missing/', { type: 'static' }, { errorPages: [{ codes: [404], target: '/nope.html' }] }),
          loc('prefix', '/only403/', { type: 'static' }, { errorPages: [{ codes: [403], target: '/404.html' }] }),
          loc('prefix', '/recu/', { type: 'static' }, { errorPages: [{ codes: [404], target: '/upi/status/404' }] }),
          loc('prefix', '/deco/', { type: 'static' }, { errorPages: [{ codes: [404], target: '/deco-page.html' }] }),
          loc('prefix', '/deco200/', { type: 'static' }, { errorPages: [{ codes: [404], target: '/deco-page.html', response: 200 }] }),
          loc('exact', '/deco-page.html', { type: 'static', alias: join(www, '404.html'), addHeaders: { 'X-Deco': 'yes' }, expiresS: 3600 }),
          loc('prefix', '/eret/', { type: 'static' }, { errorPages: [{ codes: [404], target: '/eret-target' }] }),
          loc('exact', '/eret-target', { type: 'return', status: 200, body: 'ret text args=$args' }),
          loc('prefix', '/int/', { type: 'static' }, { internal: true }),
        ],
      },
      { id: 'denied', names: ['deny.test'], root: www, errorPages: [{ codes: [403], target: '/404.html' }], access: { rules: [{ action: 'deny', source: 'all' }] } },
      { id: 'auth', names: ['auth.test'], root: www, errorPages: [{ codes: [401], target: '/404.html' }], access: { basicAuth: { realm: 'Zone', htpasswdFile: join(dir, 'users') } } },
      {
        id: 'authret',
        names: ['authret.test'],
        root: www,
        errorPages: [{ codes: [401], target: '/e401' }],
        access: { basicAuth: { realm: 'Zone', htpasswdFile: join(dir, 'users') } },
        locations: [loc('prefix', '/', { type: 'static' }), loc('exact', '/e401', { type: 'return', status: 200, body: 'ret page' })],
      },
      { id: 'rate', names: ['rate.test'], root: www, errorPages: [page50x], limits: { rateLimit: { perSecond: 0.001, burst: 0, nodelay: true } } },
      {
        id: 'rwmix',
        names: ['rwmix.test'],
        root: www,
        limits: { maxBodyBytes: 10 },
        errorPages: [{ codes: [302, 413], target: '/404.html' }],
        rewrites: [
          { pattern: '^/go$', replacement: '/landing', flag: 'redirect' },
          { pattern: '^/sub/index\\.html$', replacement: '/landing', flag: 'redirect' },
        ],
        locations: [
          loc('prefix', '/', { type: 'static' }),
          loc('exact', '/404.html', { type: 'static' }, { internal: true }),
          loc('prefix', '/sub/', { type: 'static' }, { errorPages: [page404] }),
          loc('prefix', '/int/', { type: 'static' }, { internal: true }),
        ],
      },
    ];
    const config = testConfig(sites);
    config.upstreams = configSchema.parse({ schemaVersion: 1, upstreams: [{ id: 'php', protocol: 'fastcgi', servers: [{ address: `127.0.0.1:${(fcgi.address() as { port: number }).port}` }] }] }).upstreams;
    appBackends.setConfig(config);
    proxy = new ProxyServer({ warn: () => undefined, access: new AccessPhase({ limiter: new RateLimiters(() => 1_000_000) }) });
    const runtime = { dataDir: dir, logDir: join(dir, 'logs'), httpPort: 0, httpsPort: 0, bindAddresses: ['127.0.0.1'] };
    port = (await proxy.start(runtime, config, 1)).listening[0]?.port ?? 0;
    assert.ok(port > 0);
  });

  after(async () => {
    await proxy.stop(1000);
    appBackends.close();
    upstream.closeAllConnections();
    await new Promise<void>((r) => upstream.close(() => r()));
    await new Promise<void>((r) => fcgi.close(() => r()));
    await new Promise<void>((r) => broken.close(() => r()));
    await rm(dir, { recursive: true, force: true });
  });

  it('replaces a missing file\'s 404 with the page: the error\'s status, the file\'s type, length and ETag, no Last-Modified or Accept-Ranges', async () => {
    const r = await get(port, '/nothing');
    assert.equal(r.status, 404);
    assert.equal(r.body, 'custom 404 page\n');
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(r.headers['content-length'], '16');
    assert.match(String(r.headers.etag), /^"[0-9a-f]+-10"$/);
    assert.equal(r.headers['last-modified'], undefined);
    assert.equal(r.headers['accept-ranges'], undefined);
    // Neither a Range nor a matching If-None-Match changes a 404 (nginx's filters act on 200 only).
    const ranged = await get(port, '/nothing', { headers: { Range: 'bytes=0-3', 'If-None-Match': String(r.headers.etag) } });
    assert.equal(ranged.status, 404);
    assert.equal(ranged.body, 'custom 404 page\n');
  });

  it('HEAD gets the page\'s headers without a body', async () => {
    const r = await get(port, '/nothing', { method: 'HEAD' });
    assert.equal(r.status, 404);
    assert.equal(r.headers['content-length'], '16');
    assert.equal(r.body, '');
  });

  it('a POST to a missing file is a 404 (nginx refuses a POST only once the file is found) and gets the page as a GET', async () => {
    const missing = await get(port, '/nothing', { method: 'POST', body: 'a=1', headers: { 'Content-Length': '3' } });
    assert.equal(missing.status, 404);
    assert.equal(missing.body, 'custom 404 page\n');
    const found = await get(port, '/index.html', { method: 'POST', body: 'a=1', headers: { 'Content-Length': '3' } });
    assert.equal(found.status, 405);
    assert.equal(found.headers.allow, 'GET, HEAD');
    const put = await get(port, '/nothing', { method: 'PUT', body: 'a=1', headers: { 'Content-Length': '3' } });
    assert.equal(put.status, 405, 'other methods are refused at once');
  });

  it('413 (client_max_body_size) and a client request for an internal location get their pages too', async () => {
    const big = await get(port, '/index.html', { method: 'POST', body: 'x'.repeat(40), headers: { 'Content-Length': '40' } });
    assert.equal(big.status, 413);
    const internal = await get(port, '/int/x');
    assert.equal(internal.status, 404);
    assert.equal(internal.body, 'custom 404 page\n');
    assert.equal((await get(port, '/404.html')).status, 404, 'the page\'s internal location itself answers a client with… the page');
  });

  it('413 by Content-Length gets the site\'s 413 page; an internal location\'s 404 comes first (nginx find-config order)', async () => {
    const post = { method: 'POST', body: 'x'.repeat(40), headers: { 'Content-Length': '40' }, host: 'rwmix.test' };
    const big = await get(port, '/index.html', post);
    assert.equal(big.status, 413);
    assert.equal(big.body, 'custom 404 page\n');
    // nginx drops keep-alive after a 413: a request pipelined behind the refused body is not answered.
    const pipelined = await rawExchange(port, `POST /index.html HTTP/1.1\r\nHost: rwmix.test\r\nContent-Length: 40\r\n\r\n${'x'.repeat(40)}GET /index.html HTTP/1.1\r\nHost: rwmix.test\r\n\r\n`);
    assert.match(pipelined, /^HTTP\/1\.1 413 [^]*\r\nConnection: close\r\n/);
    assert.equal(pipelined.match(/^HTTP\/1\.1 /gm)?.length, 1);
    const internal = await get(port, '/int/x', post);
    assert.equal(internal.status, 404, 'not 413: the internal location refuses the client first');
  });

  it('a server-level rewrite\'s redirect gets the site\'s error page, also after an index redirect from a location with its own list', async () => {
    for (const path of ['/go', '/sub/']) {
      const r = await get(port, path, { host: 'rwmix.test' });
      assert.equal(r.status, 302, path);
      assert.equal(r.body, 'custom 404 page\n', path);
      assert.match(r.headers.location ?? '', /\/landing$/, path);
    }
  });

  it('502 from a dead upstream is replaced; an upstream\'s own 404 passes through without interceptErrors', async () => {
    const dead = await get(port, '/dead/x');
    assert.equal(dead.status, 502);
    assert.equal(dead.body, 'custom 50x page\n');
    const passed = await get(port, '/up/status/404');
    assert.equal(passed.status, 404);
    assert.equal(passed.body, 'upstream 404\n');
    assert.equal(passed.headers['x-from-upstream'], 'yes');
  });

  it('interceptErrors: listed statuses get the page, keeping only a 401\'s WWW-Authenticate; others pass through', async () => {
    const r404 = await get(port, '/upi/status/404');
    assert.equal(r404.status, 404);
    assert.equal(r404.body, 'custom 404 page\n');
    assert.equal(r404.headers['x-from-upstream'], undefined);
    assert.equal(r404.headers['set-cookie'], undefined);
    const r401 = await get(port, '/upi/status/401');
    assert.equal(r401.status, 401);
    assert.equal(r401.headers['www-authenticate'], 'Basic realm="upstream"');
    assert.equal(r401.body, 'custom 404 page\n');
    const r302 = await get(port, '/upi/status/302');
    assert.equal(r302.status, 302);
    assert.equal(r302.headers.location, undefined, 'an upstream Location is not kept');
    const r500 = await get(port, '/upi/status/500');
    assert.equal(r500.status, 500);
    assert.equal(r500.body, 'upstream 500\n');
    // The upstream connection is still usable after a dropped answer.
    assert.equal((await get(port, '/upi/echo')).status, 200);
  });

  it('an answer the upstream\'s head decided stays decided when its body then breaks: the intercepted 404 gets its page, an X-Accel-Redirect is followed', async () => {
    // nginx stops reading the upstream at such a head. Two requests on one connection: neither may
    // turn into a 502, and the connection must carry the second.
    const text = await rawExchange(port, 'GET /broken/x HTTP/1.1\r\nHost: a.test\r\n\r\nGET /broken/accel HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n');
    const statuses = [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
    assert.deepEqual(statuses, [404, 200]);
    assert.match(text, /\r\n\r\ncustom 404 page\n/);
    assert.match(text, /\r\n\r\nsub\n$/);
    // The same over FastCGI (forward.ts): PHP's intercepted 404, then a record that is not FastCGI.
    const php = await get(port, '/php/broken.php');
    assert.equal(php.status, 404);
    assert.equal(php.body, 'custom 404 page\n');
  });

  it('interceptErrors on a FastCGI location (the app\'s Status: 404); off, the app\'s page passes', async () => {
    const on = await get(port, '/php/app.php');
    assert.equal(on.status, 404);
    assert.equal(on.body, 'custom 404 page\n');
    const off = await get(port, '/php-off/app.php');
    assert.equal(off.status, 404);
    assert.equal(off.body, 'php says 404');
  });

  it('return CODE without text is replaced (418 too, and 301 keeping its Location); return with text is not', async () => {
    const r = await get(port, '/ret404');
    assert.deepEqual([r.status, r.body], [404, 'custom 404 page\n']);
    const text = await get(port, '/ret404text');
    assert.deepEqual([text.status, text.body], [404, 'text']);
    const teapot = await get(port, '/ret418');
    assert.deepEqual([teapot.status, teapot.body], [418, 'custom 404 page\n']);
    const moved = await get(port, '/ret301');
    assert.deepEqual([moved.status, moved.body], [301, 'custom 404 page\n']);
    assert.equal(moved.headers.location, `http://a.test:${port}/elsewhere`);
  });

  it('=200: the page is answered as any file (Last-Modified, Accept-Ranges, ranges, 304)', async () => {
    const r = await get(port, '/ov200/x');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'custom 404 page\n');
    assert.equal(r.headers['accept-ranges'], 'bytes');
    assert.ok(r.headers['last-modified']);
    const ranged = await get(port, '/ov200/x', { headers: { Range: 'bytes=0-3' } });
    assert.deepEqual([ranged.status, ranged.body], [206, 'cust']);
    assert.equal((await get(port, '/ov200/x', { headers: { 'If-None-Match': String(r.headers.etag) } })).status, 304);
  });

  it('= (the page\'s own status): a proxied page\'s upstream answer, as a GET with the target\'s args (variables expanded)', async () => {
    upstreamSeen.length = 0;
    const r = await get(port, '/ovpage/x?mine=1', { method: 'POST', body: 'a=1', headers: { 'Content-Length': '3' } });
    assert.equal(r.status, 200);
    assert.equal(r.body, 'upstream GET /echo?from=/ovpage/x\n');
    assert.deepEqual(upstreamSeen, ['GET /echo?from=/ovpage/x']);
    const head = await get(port, '/ovpage/x', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.deepEqual(upstreamSeen.at(-1), 'HEAD /echo?from=/ovpage/x');
  });

  it('=201 over a proxied page: the upstream\'s 500 goes out as 201', async () => {
    const r = await get(port, '/toproxy/x');
    assert.deepEqual([r.status, r.body], [201, 'upstream 500\n']);
  });

  it('a URL target redirects: 302, or the redirect code given; another code still 302', async () => {
    const r = await get(port, '/url/x');
    assert.equal(r.status, 302);
    assert.equal(r.headers.location, 'https://example.test/nf');
    assert.match(r.body, /302 Found/);
    assert.equal((await get(port, '/url301/x')).status, 301);
    assert.equal((await get(port, '/url404/x')).status, 302);
  });

  it('recursive_error_pages off: a missing page, or an error page\'s own intercepted error, gets the built-in page', async () => {
    const missing = await get(port, '/missing/x');
    assert.equal(missing.status, 404);
    assert.match(missing.body, /<title>404 Not Found<\/title>/);
    const recu = await get(port, '/recu/x');
    assert.equal(recu.status, 404);
    assert.match(recu.body, /<title>404 Not Found<\/title>/);
  });

  it('a location\'s own list replaces the site\'s', async () => {
    const r = await get(port, '/only403/x');
    assert.equal(r.status, 404);
    assert.match(r.body, /<title>404 Not Found<\/title>/);
  });

  it('add_header and expires of the page\'s location apply by the status sent (not on a 404, on =200)', async () => {
    const r = await get(port, '/deco/x');
    assert.equal(r.status, 404);
    assert.equal(r.headers['x-deco'], undefined);
    assert.equal(r.headers['cache-control'], undefined);
    const ok = await get(port, '/deco200/x');
    assert.equal(ok.status, 200);
    assert.equal(ok.headers['x-deco'], 'yes');
    assert.equal(ok.headers['cache-control'], 'max-age=3600');
  });

  it('a return page answers with the error\'s status and the target\'s (empty) args', async () => {
    const r = await get(port, '/eret/x?a=1');
    assert.deepEqual([r.status, r.body], [404, 'ret text args=']);
  });

  it('the site\'s own refusals refuse its error page too (nginx runs allow/deny and auth_basic again): the built-in page', async () => {
    const denied = await get(port, '/index.html', { host: 'deny.test' });
    assert.equal(denied.status, 403);
    assert.match(denied.body, /<title>403 Forbidden<\/title>/);
    const auth = await get(port, '/index.html', { host: 'auth.test' });
    assert.equal(auth.status, 401);
    assert.equal(auth.headers['www-authenticate'], 'Basic realm="Zone"');
    assert.match(auth.body, /401 Authorization Required/);
    // A `return` page answers before the access phase: it is served, with the challenge.
    const ret = await get(port, '/index.html', { host: 'authret.test' });
    assert.deepEqual([ret.status, ret.body], [401, 'ret page']);
    assert.equal(ret.headers['www-authenticate'], 'Basic realm="Zone"');
  });

  it('limit_req\'s 503 gets the page (the limit counts once per request)', async () => {
    assert.equal((await get(port, '/index.html', { host: 'rate.test' })).status, 200);
    const r = await get(port, '/index.html', { host: 'rate.test' });
    assert.deepEqual([r.status, r.body], [503, 'custom 50x page\n']);
  });

  it('the access log has the status sent', async () => {
    const path = accessLogPath(join(dir, 'logs'), 'main');
    let text = '';
    for (let i = 0; i < 50 && !/"GET \/ov200\/x HTTP\/1.1" 200 /.test(text); i++) {
      await sleep(100);
      text = await readFile(path, 'utf8').catch(() => '');
    }
    assert.match(text, /"GET \/nothing HTTP\/1.1" 404 16 /);
    assert.match(text, /"GET \/dead\/x HTTP\/1.1" 502 16 /);
    assert.match(text, /"GET \/ov200\/x HTTP\/1.1" 200 16 /);
  });
});
