// nginx `rewrite` through the whole pipeline: server and location level, the four flags and
// none, captures, the args rules, the loop limit, `internal` locations, the order against
// `return`, and the server rewrites running again after an internal redirect. Expected answers
// are nginx 1.22's for the same config (checked by hand; test/conformance/rewrites.test.ts runs
// the same rules against real nginx).
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Rewrite } from '../config/schema.js';
import { appBackends } from './app-protocols/backends.js';
import { decodeParams, FCGI_END_REQUEST, FCGI_PARAMS, FCGI_STDIN, FCGI_STDOUT, record, RecordReader } from './app-protocols/fastcgi-records.js';
import { ProxyServer } from './proxy-server.js';
import { compileRewrite, escapeArgs, unescapeForRedirect } from './rewrite.js';
import { get, testConfig } from './spec-support.js';
import { configSchema } from '../config/schema.js';

type Flag = Rewrite['flag'];
const rw = (pattern: string, replacement: string, flag: Flag = 'none'): Rewrite => ({ pattern, replacement, flag });
const echo = (path: string, kind: 'prefix' | 'exact' = 'prefix', extra: object = {}) => ({
  match: { kind, path },
  handler: { type: 'return' as const, status: 200, body: 'uri=$uri args=$args request_uri=$request_uri' },
  ...extra,
});

describe('rewrite', () => {
  let dir = '';
  let proxy: ProxyServer;
  let port = 0;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-rewrite-'));
    await mkdir(join(dir, 'files'));
    await mkdir(join(dir, 'v2'));
    await writeFile(join(dir, 'files', 'b.txt'), 'static b\n');
    await writeFile(join(dir, 'v2', 'x.txt'), 'v2 x\n');
    proxy = new ProxyServer({ warn: () => undefined });
    const config = testConfig([
      {
        id: 'r',
        names: ['a.test'],
        root: dir,
        rewrites: [rw('^/srv/(\\w+)$', '/echo/$1', 'last'), rw('^/srvperm$', '/landing', 'permanent'), rw('^/tf-target$', '/echo/from-server-rewrite')],
        locations: [
          echo('/echo/'),
          { match: { kind: 'exact', path: '/landing' }, handler: { type: 'return', status: 200, body: 'landing' } },
          {
            match: { kind: 'prefix', path: '/a/' },
            handler: { type: 'return', status: 200, body: 'fallthrough uri=$uri' },
            rewrites: [
              rw('^/a/(\\d+)$', '/echo/id?id=$1', 'last'),
              rw('^/a/keep/(.*)$', '/echo/$1', 'last'),
              rw('^/a/drop/(.*)$', '/echo/$1?', 'last'),
              rw('^/a/redir/(.*)$', '/echo/$1', 'redirect'),
              rw('^/a/perm/(.*)$', '/echo/$1?x=1', 'permanent'),
              rw('^/a/ext/(.*)$', 'http://other.test/$1'),
              rw('^/a/scheme/(.*)$', '$scheme://$host/s/$1'),
              rw('^/a/chain1$', '/a/chain2'),
              rw('^/a/chain2$', '/echo/chained'),
              rw('^/a/loop$', '/b/loop', 'last'),
              rw('^/a/int$', '/hidden', 'last'),
              rw('^/a/enc/(.*)$', '/echo/q?v=$1', 'last'),
              rw('^/a/encr/(.*)$', '/echo/$1', 'redirect'),
              rw('^/a/(?<word>[a-z]+)-named$', '/echo/$word', 'last'),
            ],
          },
          { match: { kind: 'prefix', path: '/b/' }, handler: { type: 'static', autoindex: false, tryFiles: [], compress: false, addHeaders: {} }, rewrites: [rw('^/b/loop$', '/a/loop', 'last')] },
          { match: { kind: 'prefix', path: '/hidden' }, internal: true, handler: { type: 'return', status: 200, body: 'hidden reached' } },
          { match: { kind: 'prefix', path: '/st/' }, handler: { type: 'static', autoindex: false, tryFiles: [], compress: false, addHeaders: {} }, rewrites: [rw('^/st/(.*)$', '/v2/$1', 'break')] },
          { match: { kind: 'prefix', path: '/ret/' }, handler: { type: 'return', status: 403, body: '' }, rewrites: [rw('^/ret/(.*)$', '/files/$1', 'break')] },
          { match: { kind: 'prefix', path: '/noflag/' }, handler: { type: 'static', autoindex: false, tryFiles: [], compress: false, addHeaders: {} }, rewrites: [rw('^/noflag/(.*)$', '/echo/nf-$1')] },
          { match: { kind: 'prefix', path: '/tf/' }, handler: { type: 'static', autoindex: false, tryFiles: ['$uri', '/tf-target'], compress: false, addHeaders: {} } },
          { match: { kind: 'regex', path: '^/L(x*)$' }, handler: { type: 'static', autoindex: false, tryFiles: [], compress: false, addHeaders: {} }, rewrites: [rw('^/L(x*)$', '/Lx$1', 'last')] },
          { match: { kind: 'exact', path: '/Lxxxxxxxxxx' }, handler: { type: 'return', status: 200, body: 'ten' } },
          { match: { kind: 'exact', path: '/Mxxxxxxxxxxx' }, handler: { type: 'return', status: 200, body: 'eleven' } },
          { match: { kind: 'regex', path: '^/M(x*)$' }, handler: { type: 'static', autoindex: false, tryFiles: [], compress: false, addHeaders: {} }, rewrites: [rw('^/M(x*)$', '/Mx$1', 'last')] },
        ],
      },
    ]);
    const detail = await proxy.start({ dataDir: dir, logDir: join(dir, 'logs'), httpPort: 0, httpsPort: 0, bindAddresses: ['127.0.0.1'] }, config, 1);
    port = detail.listening[0]?.port ?? 0;
  });

  after(async () => {
    await proxy.stop(1000);
    await rm(dir, { recursive: true, force: true });
  });

  const body = async (path: string) => (await get(port, path)).body;

  it('server level: runs before the location search; `last` searches with the new URI, $request_uri stays', async () => {
    assert.equal(await body('/srv/abc?q=1'), 'uri=/echo/abc args=q=1 request_uri=/srv/abc?q=1');
    const perm = await get(port, '/srvperm?z=2');
    assert.equal(perm.status, 301);
    assert.equal(perm.headers.location, `http://a.test:${port}/landing?z=2`);
  });

  it('args: kept, dropped by a trailing ?, or appended after the replacement\'s own with &', async () => {
    assert.equal(await body('/a/keep/k?x=y'), 'uri=/echo/k args=x=y request_uri=/a/keep/k?x=y');
    assert.equal(await body('/a/drop/d?x=y'), 'uri=/echo/d args= request_uri=/a/drop/d?x=y');
    assert.equal(await body('/a/42?x=y'), 'uri=/echo/id args=id=42&x=y request_uri=/a/42?x=y');
    assert.equal(await body('/a/42'), 'uri=/echo/id args=id=42 request_uri=/a/42');
  });

  it('redirect and permanent flags answer 302/301 with an absolute Location and the args', async () => {
    const r = await get(port, '/a/redir/r?x=y');
    assert.equal(r.status, 302);
    assert.equal(r.headers.location, `http://a.test:${port}/echo/r?x=y`);
    const p = await get(port, '/a/perm/p?x=y');
    assert.equal(p.status, 301);
    assert.equal(p.headers.location, `http://a.test:${port}/echo/p?x=1&x=y`);
  });

  it('a replacement starting with http://, https:// or $scheme redirects (302) without a flag', async () => {
    const e = await get(port, '/a/ext/e?x=y');
    assert.equal(e.status, 302);
    assert.equal(e.headers.location, 'http://other.test/e?x=y');
    const s = await get(port, '/a/scheme/s');
    assert.equal(s.status, 302);
    assert.equal(s.headers.location, 'http://a.test/s/s');
  });

  it('no flag goes on to the next rule; a return after the rules still answers', async () => {
    assert.equal(await body('/a/chain1'), 'fallthrough uri=/echo/chained');
    assert.equal(await body('/a/zzz'), 'fallthrough uri=/a/zzz');
  });

  it('no flag and no return: the locations are searched again with the new URI', async () => {
    assert.equal(await body('/noflag/q?a=1'), 'uri=/echo/nf-q args=a=1 request_uri=/noflag/q?a=1');
  });

  it('named captures expand in the replacement', async () => {
    assert.equal(await body('/a/abc-named'), 'uri=/echo/abc args= request_uri=/a/abc-named');
  });

  it('a rewritten request may reach an internal location; the client itself may not', async () => {
    assert.equal(await body('/a/int'), 'hidden reached');
    assert.equal((await get(port, '/hidden')).status, 404);
  });

  it('`last` cycles: the tenth is served, the eleventh is nginx\'s 500', async () => {
    const ten = await get(port, '/L');
    assert.equal(ten.status, 200);
    assert.equal(ten.body, 'ten');
    assert.equal((await get(port, '/M')).status, 500);
    assert.equal((await get(port, '/Mx')).body, 'eleven');
    assert.equal((await get(port, '/a/loop')).status, 500);
  });

  it('`break` serves the new URI in the same location (static root mapping), also before a return', async () => {
    const st = await get(port, '/st/x.txt');
    assert.equal(st.status, 200);
    assert.equal(st.body, 'v2 x\n');
    const ret = await get(port, '/ret/b.txt');
    assert.equal(ret.status, 200);
    assert.equal(ret.body, 'static b\n');
    assert.equal((await get(port, '/ret/none.txt')).status, 404);
  });

  it('an internal redirect (try_files fallback) runs the server rewrites again', async () => {
    assert.equal(await body('/tf/none'), 'uri=/echo/from-server-rewrite args= request_uri=/tf/none');
  });

  it('captures in args and redirects are escaped when the path was sent with % or +', async () => {
    assert.equal(await body('/a/enc/a%20b?z'), 'uri=/echo/q args=v=a%20b&z request_uri=/a/enc/a%20b?z');
    assert.equal(await body('/a/enc/a+b'), 'uri=/echo/q args=v=a%2Bb request_uri=/a/enc/a+b');
    assert.equal(await body('/a/enc/plain'), 'uri=/echo/q args=v=plain request_uri=/a/enc/plain');
    const r = await get(port, '/a/encr/x%3By%26z%23w%2Fu%3Dt%22s');
    assert.equal(r.headers.location, `http://a.test:${port}/echo/x;y&z%23w/u=t%22s`);
  });
});

describe('rewrite rules', () => {
  it('reads nginx\'s trailing ?, external targets and flags as nginx does', () => {
    assert.deepEqual(
      [compileRewrite(rw('^', '/x?')), compileRewrite(rw('^', 'https://b.test$uri')), compileRewrite(rw('^', '/x', 'permanent')), compileRewrite(rw('^', '$scheme://h?', 'last'))].map((r) => [
        r.replacement,
        r.keepArgs,
        r.redirectStatus,
      ]),
      [
        ['/x', false, 0],
        ['https://b.test$uri', true, 302],
        ['/x', true, 301],
        ['$scheme://h', false, 302],
      ],
    );
  });

  it('escapes captures like NGX_ESCAPE_ARGS and unescapes redirects like NGX_UNESCAPE_REDIRECT', () => {
    assert.equal(escapeArgs('a b&c+d;e?f/g=h\'é'), 'a%20b%26c%2Bd%3Be%3Ff/g=h\'%C3%A9');
    assert.equal(unescapeForRedirect('/x%3By%20z%25w%C3%A9'), '/x;y%20z%25w%C3%A9');
    assert.equal(unescapeForRedirect('/a%3Fb%3Bc'), '/a?b%3Bc');
    assert.equal(unescapeForRedirect('/a?b%3Bc'), '/a?b%3Bc');
  });

  it('refuses a regex JavaScript cannot run, naming the construct', () => {
    assert.throws(() => compileRewrite(rw('^/(?>a+)$', '/b')), /atomic group/);
  });
});

/** A FastCGI responder that answers with the params it was sent (one request per connection). */
function paramsEchoServer(): Server {
  return createServer((socket) => {
    const reader = new RecordReader();
    const params: Buffer[] = [];
    socket.on('data', (chunk) => {
      reader.feed(chunk, (r) => {
        if (r.type === FCGI_PARAMS) params.push(Buffer.from(r.content));
        if (r.type !== FCGI_STDIN || r.content.length > 0) return;
        const seen = decodeParams(Buffer.concat(params));
        const text = ['DOCUMENT_URI', 'SCRIPT_NAME', 'REQUEST_URI', 'QUERY_STRING'].map((k) => `${k}=${seen.get(k) ?? ''}`).join(' ');
        socket.end(Buffer.concat([record(FCGI_STDOUT, r.requestId, Buffer.from(`Content-Type: text/plain\r\n\r\n${text}`)), record(FCGI_STDOUT, r.requestId, Buffer.alloc(0)), record(FCGI_END_REQUEST, r.requestId, Buffer.alloc(8))]));
      });
    });
  });
}

describe('rewrite feeding FastCGI (the WordPress-style front controller)', () => {
  let dir = '';
  let proxy: ProxyServer;
  let fcgi: Server;
  let port = 0;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-rewrite-fcgi-'));
    await writeFile(join(dir, 'index.php'), '<?php // the front controller');
    fcgi = paramsEchoServer();
    await new Promise<void>((r) => fcgi.listen(0, '127.0.0.1', r));
    const fcgiPort = (fcgi.address() as { port: number }).port;
    const config = configSchema.parse({
      schemaVersion: 1,
      settings: { httpPort: 0, httpsPort: 0 },
      upstreams: [{ id: 'php', protocol: 'fastcgi', servers: [{ address: `127.0.0.1:${fcgiPort}` }] }],
      sites: [
        {
          id: 'wp',
          names: ['a.test'],
          root: dir,
          locations: [
            { match: { kind: 'prefix', path: '/blog/' }, handler: { type: 'static' }, rewrites: [rw('^/blog/(.*)$', '/index.php?q=$1', 'last')] },
            { match: { kind: 'regex', path: '\\.php$' }, handler: { type: 'fastcgi', upstream: 'php', root: dir } },
          ],
        },
      ],
    });
    // The uwsgi/FastCGI handlers reach their upstreams through the process's app backends.
    appBackends.setConfig(config);
    proxy = new ProxyServer({ warn: () => undefined });
    const detail = await proxy.start({ dataDir: dir, logDir: join(dir, 'logs'), httpPort: 0, httpsPort: 0, bindAddresses: ['127.0.0.1'] }, config, 1);
    port = detail.listening[0]?.port ?? 0;
  });

  after(async () => {
    await proxy.stop(1000);
    appBackends.close();
    await new Promise<void>((r) => fcgi.close(() => r()));
    await rm(dir, { recursive: true, force: true });
  });

  it('the params carry the rewritten URI and args; REQUEST_URI stays the client\'s', async () => {
    const r = await get(port, '/blog/2024/hello?page=2');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'DOCUMENT_URI=/index.php SCRIPT_NAME=/index.php REQUEST_URI=/blog/2024/hello?page=2 QUERY_STRING=q=2024/hello&page=2');
  });
});
