// nginx `internal` locations and X-Accel-Redirect, in-process on real sockets: an HTTP upstream,
// a FastCGI responder and a uwsgi server answer X-Accel-Redirect, and the proxy serves the
// internal location it names (nginx 1.22's ngx_http_upstream_process_headers rules).
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { appBackends } from '../app-protocols/backends.js';
import { FCGI_END_REQUEST, FCGI_PARAMS, FCGI_STDIN, FCGI_STDOUT, decodeParams, record, RecordReader } from '../app-protocols/fastcgi-records.js';
import { decodeUwsgiVars } from '../app-protocols/uwsgi-packet.js';
import { ProxyServer } from '../proxy-server.js';
import { get, testConfig } from '../spec-support.js';
import { configSchema } from '../../config/schema.js';
import { parseAccelTarget } from './x-accel.js';

describe('X-Accel-Redirect values (ngx_http_parse_unsafe_uri)', () => {
  it('splits the args at the first ?, decodes %XX in the path only', () => {
    assert.deepEqual(parseAccelTarget('/protected/a.txt'), { kind: 'uri', uri: '/protected/a.txt', args: '' });
    assert.deepEqual(parseAccelTarget('/p/a%20b.txt?x=1&y=%20'), { kind: 'uri', uri: '/p/a b.txt', args: 'x=1&y=%20' });
    // An encoded ? stays part of the path (nginx splits before decoding).
    assert.deepEqual(parseAccelTarget('/p/a%3Fb'), { kind: 'uri', uri: '/p/a?b', args: '' });
    // Header values arrive as latin1; the bytes are UTF-8.
    assert.deepEqual(parseAccelTarget(Buffer.from('/p/中.txt').toString('latin1')), { kind: 'uri', uri: '/p/中.txt', args: '' });
  });
  it('refuses empty values, NUL and `..` segments, encoded or not; names a named location', () => {
    for (const v of ['', '?x=1', '/a/../b', '/a/..', '../a', '/a/%2e%2e/b', '/a%00b']) assert.deepEqual(parseAccelTarget(v), { kind: 'unsafe' }, v);
    assert.deepEqual(parseAccelTarget('/a/..b/c'), { kind: 'uri', uri: '/a/..b/c', args: '' });
    assert.deepEqual(parseAccelTarget('@files'), { kind: 'named' });
  });
});

interface Seen {
  method: string;
  url: string;
  contentLength: string | undefined;
  bodyLength: number;
}

describe('internal locations and X-Accel-Redirect through the proxy', () => {
  let dir = '';
  let proxy: ProxyServer;
  let port = 0;
  let upstream: Server;
  let upstreamPort = 0;
  let fcgi: TcpServer;
  let uwsgi: TcpServer;
  const seen: Seen[] = [];
  /** Upstream TCP connections opened, and closed by the proxy. */
  const conns = { opened: 0, closed: 0 };
  const fcgiSeen: Array<Map<string, string>> = [];
  let loops = 0;

  // An app that answers X-Accel-Redirect from its query: ?to=URI, &ct=TYPE, &body=N bytes, &status=CODE.
  function app(req: IncomingMessage, body: Buffer, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://u');
    if (url.pathname.endsWith('/loop')) loops++;
    if (url.pathname.startsWith('/echo')) {
      seen.push({ method: req.method ?? '', url: req.url ?? '', contentLength: req.headers['content-length'], bodyLength: body.length });
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end(`${req.method} ${req.url}`);
      return;
    }
    const headers: Record<string, string | string[]> = {
      // `/…/loop` names itself again: a redirect cycle.
      'X-Accel-Redirect': url.pathname.endsWith('/loop') ? url.pathname : (url.searchParams.get('to') ?? '/protected/a.txt'),
      'Set-Cookie': ['s=1; Path=/', 't=2; Path=/'],
      'Content-Disposition': 'attachment; filename="a.txt"',
      'X-Other': 'not kept',
      ETag: '"from-the-app"',
      'Last-Modified': 'Thu, 01 Jan 2015 00:00:00 GMT',
    };
    const ct = url.searchParams.get('ct');
    if (ct !== null) headers['Content-Type'] = ct;
    const n = Number(url.searchParams.get('body') ?? '0');
    res.writeHead(Number(url.searchParams.get('status') ?? '200'), headers);
    res.end(Buffer.alloc(n, 0x61));
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-xaccel-'));
    await mkdir(join(dir, 'www'), { recursive: true });
    await mkdir(join(dir, 'files'), { recursive: true });
    await writeFile(join(dir, 'files', 'a.txt'), 'protected file\n');
    await writeFile(join(dir, 'www', 'index.php'), '<?php // never run: the FastCGI responder below answers');
    await writeFile(join(dir, 'www', 'pub.txt'), 'public');

    upstream = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => app(req, Buffer.concat(chunks), res));
    });
    upstream.on('connection', (s: Socket) => {
      conns.opened++;
      s.on('close', () => conns.closed++);
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    upstreamPort = (upstream.address() as { port: number }).port;

    // PHP-FPM's part: X-Accel-Redirect and a few body bytes on STDOUT, then END_REQUEST.
    fcgi = createTcpServer((s) => {
      const reader = new RecordReader();
      let params = Buffer.alloc(0);
      s.on('data', (d: Buffer) =>
        reader.feed(d, (r) => {
          if (r.type === FCGI_PARAMS) params = Buffer.concat([params, r.content]);
          if (r.type !== FCGI_STDIN || r.content.length > 0) return;
          const vars = decodeParams(params);
          fcgiSeen.push(vars);
          const to = vars.get('QUERY_STRING') === 'bad' ? '@nowhere' : '/protected/a.txt';
          s.write(record(FCGI_STDOUT, r.requestId, Buffer.from(`X-Accel-Redirect: ${to}\r\nContent-Type: text/html; charset=UTF-8\r\n\r\nignored`)));
          s.end(record(FCGI_END_REQUEST, r.requestId, Buffer.alloc(8)));
        }),
      );
    });
    await new Promise<void>((r) => fcgi.listen(0, '127.0.0.1', r));

    // A uwsgi app server: reads the packet, answers with an HTTP-style head.
    uwsgi = createTcpServer((s) => {
      let buf = Buffer.alloc(0);
      s.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length < 4 || buf.length < 4 + buf.readUInt16LE(1)) return;
        const vars = decodeUwsgiVars(buf).vars;
        s.end(`HTTP/1.1 200 OK\r\nX-Accel-Redirect: /protected/a.txt?from=${vars.get('REQUEST_METHOD') ?? ''}\r\nContent-Length: 3\r\n\r\nxyz`);
      });
    });
    await new Promise<void>((r) => uwsgi.listen(0, '127.0.0.1', r));

    const origin = `http://127.0.0.1:${upstreamPort}`;
    const sites = [
      {
        id: 'main',
        names: ['a.test'],
        root: join(dir, 'www'),
        locations: [
          { match: { kind: 'prefix' as const, path: '/' }, handler: { type: 'static' as const } },
          { match: { kind: 'prefix' as const, path: '/app/' }, handler: { type: 'proxy' as const, url: origin } },
          { match: { kind: 'prefix' as const, path: '/protected/' }, handler: { type: 'static' as const, alias: join(dir, 'files') + '/' }, internal: true },
          { match: { kind: 'prefix' as const, path: '/int-echo/' }, handler: { type: 'proxy' as const, url: `${origin}/echo/` }, internal: true },
          { match: { kind: 'prefix' as const, path: '/int-proxy/' }, handler: { type: 'proxy' as const, url: origin }, internal: true },
          { match: { kind: 'exact' as const, path: '/int-return' }, handler: { type: 'return' as const, status: 200, body: 'args=$args method=$request_method' }, internal: true },
          { match: { kind: 'prefix' as const, path: '/spa/' }, handler: { type: 'static' as const, tryFiles: ['$uri', '/int-return'] } },
          { match: { kind: 'regex' as const, path: '\\.php$' }, handler: { type: 'fastcgi' as const, upstream: 'php' } },
          { match: { kind: 'prefix' as const, path: '/uw/' }, handler: { type: 'uwsgi' as const, upstream: 'py' } },
        ],
      },
    ];
    const config = testConfig(sites);
    const upstreams = configSchema.parse({
      schemaVersion: 1,
      settings: { httpPort: 0, httpsPort: 0 },
      upstreams: [
        { id: 'php', protocol: 'fastcgi', servers: [{ address: `127.0.0.1:${(fcgi.address() as { port: number }).port}` }] },
        { id: 'py', protocol: 'uwsgi', servers: [{ address: `127.0.0.1:${(uwsgi.address() as { port: number }).port}` }] },
      ],
    }).upstreams;
    config.upstreams = upstreams;
    appBackends.setConfig(config);
    proxy = new ProxyServer({ warn: () => undefined });
    const runtime = { dataDir: dir, logDir: join(dir, 'logs'), httpPort: 0, httpsPort: 0, bindAddresses: ['127.0.0.1'] };
    const detail = await proxy.start(runtime, config, 1);
    port = detail.listening[0]?.port ?? 0;
    assert.ok(port > 0);
  });

  after(async () => {
    await proxy.stop(1000);
    appBackends.close();
    upstream.closeAllConnections();
    await new Promise<void>((r) => upstream.close(() => r()));
    await new Promise<void>((r) => fcgi.close(() => r()));
    await new Promise<void>((r) => uwsgi.close(() => r()));
    await rm(dir, { recursive: true, force: true });
  });

  it('answers 404 to a client request for an internal location, before its auto-redirect', async () => {
    assert.equal((await get(port, '/protected/a.txt')).status, 404);
    assert.equal((await get(port, '/int-return')).status, 404);
    // `/int-proxy` would be the 301 to `/int-proxy/` (auto_redirect), but the location is internal.
    assert.equal((await get(port, '/int-proxy')).status, 404);
    assert.equal((await get(port, '/pub.txt')).body, 'public');
  });

  it('serves the file an upstream names, with the file\'s type and validators and the upstream\'s kept headers', async () => {
    const r = await get(port, '/app/doc');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'protected file\n');
    assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
    assert.match(String(r.headers.etag), /^"[0-9a-f]+-f"$/, 'the file\'s own ETag, not the app\'s');
    assert.notEqual(r.headers['last-modified'], 'Thu, 01 Jan 2015 00:00:00 GMT');
    assert.deepEqual(r.headers['set-cookie'], ['s=1; Path=/', 't=2; Path=/']);
    assert.equal(r.headers['content-disposition'], 'attachment; filename="a.txt"');
    assert.equal(r.headers['x-other'], undefined);
    assert.equal(r.headers['x-accel-redirect'], undefined);
  });

  it('keeps the upstream\'s Content-Type over the file\'s (nginx copies it before the redirect)', async () => {
    const r = await get(port, '/app/doc?ct=application/pdf');
    assert.equal(r.headers['content-type'], 'application/pdf');
    assert.equal(r.body, 'protected file\n');
  });

  it('redirects whatever the upstream status, and conditional GET applies to the file', async () => {
    const first = await get(port, '/app/doc?status=404');
    assert.equal(first.status, 200);
    const again = await get(port, '/app/doc', { headers: { 'If-None-Match': String(first.headers.etag) } });
    assert.equal(again.status, 304);
    assert.equal(again.body, '');
  });

  it('drops the original args unless the value has its own, and a POST becomes a GET without its body', async () => {
    seen.length = 0;
    assert.equal((await get(port, '/app/x?to=/int-echo/a&q=1')).body, 'GET /echo/a');
    assert.equal((await get(port, '/app/x?to=/int-echo/a%3Fz%3D2&q=1')).body, 'GET /echo/a?z=2');
    const post = await postBody(port, '/app/x?to=/int-echo/b', 'form=data');
    assert.equal(post.body, 'GET /echo/b');
    assert.equal(seen.at(-1)?.contentLength, undefined);
    assert.equal(seen.at(-1)?.bodyLength, 0);
    // The static file, not a 405: the method is GET by then.
    assert.equal((await postBody(port, '/app/doc', 'form=data')).body, 'protected file\n');
    assert.equal((await get(port, '/app/x?to=/int-return%3Fk%3Dv')).body, 'args=k=v method=GET');
  });

  it('keeps HEAD a HEAD', async () => {
    const r = await get(port, '/app/doc', { method: 'HEAD' });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-length'], '15');
    assert.equal(r.body, '');
    assert.equal((await get(port, '/app/x?to=/int-return', { method: 'HEAD' })).headers['content-length'], String('args= method=HEAD'.length));
  });

  it('reuses the upstream connection after an answer without a body, closes it after one with a body', async () => {
    // Warm a pooled connection, then count.
    await get(port, '/app/doc');
    const before = { ...conns };
    await get(port, '/app/doc');
    await get(port, '/app/doc');
    assert.equal(conns.opened, before.opened, 'no new connection for bodiless X-Accel answers');
    const big = await get(port, '/app/doc?body=200000');
    assert.equal(big.body, 'protected file\n');
    await waitFor(() => conns.closed > before.closed);
    // The pool still works after the closed one.
    assert.equal((await get(port, '/app/doc')).body, 'protected file\n');
  });

  it('try_files falls back to an internal location', async () => {
    // A fallback without its own `?` drops the request's args, as nginx does.
    const r = await get(port, '/spa/missing?p=1');
    assert.equal(r.body, 'args= method=GET');
  });

  it('answers nginx\'s 404 for an unsafe or relative value and 500 for a named location', async () => {
    assert.equal((await get(port, '/app/x?to=/protected/../a.txt')).status, 404);
    assert.equal((await get(port, '/app/x?to=relative')).status, 404);
    const named = await get(port, '/app/x?to=@files');
    assert.equal(named.status, 500);
    assert.deepEqual(named.headers['set-cookie'], ['s=1; Path=/', 't=2; Path=/'], 'nginx copies the kept headers first');
  });

  it('stops a redirect cycle after 10 internal redirects with 500', async () => {
    assert.equal((await get(port, '/app/x?to=/int-proxy/x%3Fto%3D/int-proxy/y')).status, 200, 'two hops are fine');
    // Each hop names the same internal proxy location again: nginx's "rewrite or internal redirection cycle".
    loops = 0;
    const loop = await get(port, '/app/x?to=/int-proxy/loop');
    assert.equal(loop.status, 500);
    assert.equal(loops, 10, 'NGX_HTTP_MAX_URI_CHANGES: ten redirects run, the eleventh is refused');
  });

  it('honours X-Accel-Redirect from a FastCGI app (PHP header()) and from a uwsgi app', async () => {
    const php = await get(port, '/index.php');
    assert.equal(php.body, 'protected file\n');
    assert.equal(php.headers['content-type'], 'text/html; charset=UTF-8', 'PHP\'s Content-Type, as nginx keeps it');
    assert.equal((await postBody(port, '/index.php?bad', 'x=1')).status, 500);
    assert.equal(fcgiSeen.at(-1)?.get('REQUEST_METHOD'), 'POST');
    const py = await postBody(port, '/uw/view', 'x=1');
    assert.equal(py.status, 200);
    assert.equal(py.body, 'protected file\n');
  });
});

function postBody(port: number, path: string, body: string): ReturnType<typeof get> {
  return get(port, path, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': String(Buffer.byteLength(body)) }, body });
}

async function waitFor(cond: () => boolean, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
