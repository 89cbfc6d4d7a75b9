// The proxy in-process on real sockets: static files, routing, confinement, conditional GET,
// ranges, try_files, alias, autoindex, return, logs and config swaps.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RuntimeSettings } from '../contract/ipc.js';
import { isBerthError } from '../errors.js';
import { errorPageHtml } from './error-pages.js';
import { ProxyServer } from './proxy-server.js';
import { findFreePort } from '../supervisor/ports.js';
import { get, rawExchange, testConfig } from './spec-support.js';

/** 2 MiB of text (the response helper reads bodies as UTF-8). */
const BIG_TEXT = 'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(Math.ceil((2 * 1024 * 1024) / 36)).slice(0, 2 * 1024 * 1024);

describe('proxy server', () => {
  let dir = '';
  let runtime: RuntimeSettings;
  let proxy: ProxyServer;
  let port = 0;
  const warnings: string[] = [];
  let blocker: Server | null = null;
  let tlsPort = 0;

  const sites = () => [
    {
      id: 'main',
      names: ['a.test', '*.a.test'],
      root: join(dir, 'www'),
      locations: [
        { match: { kind: 'prefix' as const, path: '/' }, handler: { type: 'static' as const } },
        { match: { kind: 'prefix' as const, path: '/files/' }, handler: { type: 'static' as const, autoindex: true } },
        { match: { kind: 'prefix' as const, path: '/img/' }, handler: { type: 'static' as const, alias: join(dir, 'pictures') + '/' } },
        { match: { kind: 'prefix' as const, path: '/pics' }, handler: { type: 'static' as const, alias: join(dir, 'pictures') + '/' } },
        { match: { kind: 'prefix' as const, path: '/app/' }, handler: { type: 'static' as const, tryFiles: ['$uri', '$uri/', '/app/fallback.html'] } },
        { match: { kind: 'prefix' as const, path: '/strict/' }, handler: { type: 'static' as const, tryFiles: ['$uri', '=404'] } },
        { match: { kind: 'exact' as const, path: '/old' }, handler: { type: 'return' as const, status: 301, body: '/new?from=$uri' } },
        { match: { kind: 'exact' as const, path: '/secure' }, handler: { type: 'return' as const, status: 308, body: 'https://$host$request_uri' } },
        { match: { kind: 'exact' as const, path: '/hello' }, handler: { type: 'return' as const, status: 200, body: 'hello $host' } },
        { match: { kind: 'regex' as const, path: '^/u/(\\w+)$' }, handler: { type: 'return' as const, status: 302, body: 'https://example.test/users/$1' } },
      ],
    },
    { id: 'other', names: ['b.test'], root: join(dir, 'www2'), accessLog: false },
    // A second listener with TLS on a free port; no certificate is issued in this spec.
    { id: 'tls-only', names: ['c.test'], root: join(dir, 'www2'), listen: [{ port: tlsPort, tls: true }], tls: { certificate: 'auto' as const } },
  ];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-proxy-'));
    tlsPort = await findFreePort();
    await mkdir(join(dir, 'www', 'sub'), { recursive: true });
    await mkdir(join(dir, 'www', 'files', 'nested'), { recursive: true });
    await mkdir(join(dir, 'www', 'app', 'dir'), { recursive: true });
    await mkdir(join(dir, 'www', 'strict'), { recursive: true });
    await mkdir(join(dir, 'www2'), { recursive: true });
    await mkdir(join(dir, 'pictures'), { recursive: true });
    await writeFile(join(dir, 'www', 'index.html'), '<h1>main</h1>');
    await writeFile(join(dir, 'www', 'sub', 'index.html'), '<h1>sub</h1>');
    await writeFile(join(dir, 'www', 'data.txt'), '0123456789abcdefghij');
    await writeFile(join(dir, 'www', 'empty.bin'), '');
    // Past the open-file cache's 1 MiB: streamed from disk.
    await writeFile(join(dir, 'www', 'large.txt'), BIG_TEXT);
    await writeFile(join(dir, 'www', '.hidden'), 'dotfile');
    await writeFile(join(dir, 'www', 'files', '<b>&.txt'), 'x');
    await writeFile(join(dir, 'www', 'files', '.secret'), 'x');
    await writeFile(join(dir, 'www', 'app', 'real.txt'), 'real');
    await writeFile(join(dir, 'www', 'app', 'dir', 'index.html'), 'app dir index');
    await writeFile(join(dir, 'www', 'app', 'fallback.html'), 'fallback');
    await writeFile(join(dir, 'www2', 'index.html'), '<h1>other</h1>');
    await writeFile(join(dir, 'pictures', 'cat.txt'), 'meow');
    await writeFile(join(dir, 'secret.txt'), 'outside the root');
    await symlink(join(dir, 'secret.txt'), join(dir, 'www', 'escape.txt'));
    await symlink(join(dir, 'www', 'data.txt'), join(dir, 'www', 'inside-link.txt'));
    runtime = { dataDir: dir, logDir: join(dir, 'logs'), httpPort: 0, httpsPort: 0, bindAddresses: ['127.0.0.1'] };
    proxy = new ProxyServer({ warn: (m) => warnings.push(m) });
    const detail = await proxy.start(runtime, testConfig(sites()), 1);
    assert.equal(detail.listening.length, 2);
    port = detail.listening.find((l) => l.protocol === 'http')?.port ?? 0;
    assert.ok(port > 0);
  });

  after(async () => {
    await proxy.stop(1000);
    if (blocker) await new Promise<void>((r) => blocker?.close(() => r()));
    await rm(dir, { recursive: true, force: true });
  });

  it('reports the listeners (HTTP and the TLS-only site\'s HTTPS port) and the site count', () => {
    const detail = proxy.detail();
    assert.deepEqual(detail.listening.find((l) => l.protocol === 'http'), { address: '127.0.0.1', port, protocol: 'http' });
    const https = detail.listening.find((l) => l.protocol === 'https');
    assert.equal(https?.port, tlsPort);
    assert.equal(detail.sites, 3);
    assert.equal(detail.configVersion, 1);
  });

  it('serves the index with type, validators and Server: berth', async () => {
    const r = await get(port, '/');
    assert.equal(r.status, 200);
    assert.equal(r.body, '<h1>main</h1>');
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(r.headers['content-length'], '13');
    assert.equal(r.headers.server, 'berth');
    assert.match(r.headers.etag ?? '', /^"[0-9a-f]+-d"$/);
    assert.ok(r.headers['last-modified']?.endsWith(' GMT'));
  });

  it('routes by Host: exact, wildcard, unknown → first site', async () => {
    assert.equal((await get(port, '/', { host: 'b.test' })).body, '<h1>other</h1>');
    assert.equal((await get(port, '/', { host: 'B.TEST.:1234' })).body, '<h1>other</h1>');
    assert.equal((await get(port, '/', { host: 'x.a.test' })).body, '<h1>main</h1>');
    assert.equal((await get(port, '/', { host: 'nobody.test' })).body, '<h1>main</h1>');
  });

  it('answers Host problems with 400 (HTTP/1.0 without Host is fine)', async () => {
    const missing = await get(port, '/', { host: null });
    assert.equal(missing.status, 400);
    assert.equal(missing.body, errorPageHtml(400));
    assert.equal((await get(port, '/', { host: 'a..test' })).status, 400);
    const dup = await rawExchange(port, 'GET / HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\nConnection: close\r\n\r\n');
    assert.match(dup, /^HTTP\/1\.1 400 /);
    const http10 = await rawExchange(port, 'GET / HTTP/1.0\r\n\r\n');
    assert.match(http10, /^HTTP\/1\.1 200 /);
    assert.match(http10, /<h1>main<\/h1>$/);
  });

  it('redirects a directory without its slash, keeping the query', async () => {
    const r = await get(port, '/sub?x=1', { host: 'a.test:8080' });
    assert.equal(r.status, 301);
    assert.equal(r.headers.location, `http://a.test:${port}/sub/?x=1`);
    assert.equal(r.body, errorPageHtml(301));
    assert.equal((await get(port, '/sub/')).body, '<h1>sub</h1>');
  });

  it('404 with the nginx-like page', async () => {
    const r = await get(port, '/missing.html');
    assert.equal(r.status, 404);
    assert.equal(r.body, '<html><head><title>404 Not Found</title></head><body><center><h1>404 Not Found</h1></center><hr><center>berth</center></body></html>');
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
  });

  it('refuses traversal, encoded slashes, NUL and backslashes with 400', async () => {
    for (const path of ['/../secret.txt', '/sub/../../secret.txt', '/%2e%2e/secret.txt', '/..%2Fsecret.txt', '/a%00.txt', '/a%5c..%5csecret.txt']) {
      const r = await get(port, path);
      assert.equal(r.status, 400, path);
      assert.ok(!r.body.includes('outside the root'), path);
    }
  });

  it('refuses a symlink that leaves the root (403), follows one that stays inside', async () => {
    const out = await get(port, '/escape.txt');
    assert.equal(out.status, 403);
    assert.ok(!out.body.includes('outside the root'));
    const inside = await get(port, '/inside-link.txt');
    assert.equal(inside.status, 200);
    assert.equal(inside.body, '0123456789abcdefghij');
  });

  it('serves dotfiles like nginx and unknown types as octet-stream', async () => {
    const r = await get(port, '/.hidden');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'dotfile');
    assert.equal(r.headers['content-type'], 'application/octet-stream');
    const empty = await get(port, '/empty.bin');
    assert.equal(empty.status, 200);
    assert.equal(empty.headers['content-length'], '0');
  });

  it('answers HEAD without a body and other methods with 405 + Allow', async () => {
    const head = await get(port, '/data.txt', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], '20');
    assert.equal(head.body, '');
    const post = await get(port, '/data.txt', { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, 'GET, HEAD');
    assert.match(post.body, /405 Not Allowed/);
  });

  it('conditional GET: 304 on ETag, If-None-Match wins over If-Modified-Since', async () => {
    const first = await get(port, '/data.txt');
    const etag = first.headers.etag ?? '';
    const lastModified = first.headers['last-modified'] ?? '';
    const cached = await get(port, '/data.txt', { headers: { 'if-none-match': etag } });
    assert.equal(cached.status, 304);
    assert.equal(cached.body, '');
    assert.equal(cached.headers.etag, etag);
    assert.equal((await get(port, '/data.txt', { headers: { 'if-modified-since': lastModified } })).status, 304);
    const changed = await get(port, '/data.txt', { headers: { 'if-none-match': '"other"', 'if-modified-since': lastModified } });
    assert.equal(changed.status, 200);
    assert.equal(changed.body, '0123456789abcdefghij');
    assert.equal((await get(port, '/data.txt', { headers: { 'if-match': '"other"' } })).status, 412);
  });

  it('byte ranges: 206, suffix, 416, several as multipart/byteranges, If-Range', async () => {
    const part = await get(port, '/data.txt', { headers: { range: 'bytes=2-5' } });
    assert.equal(part.status, 206);
    assert.equal(part.body, '2345');
    assert.equal(part.headers['content-range'], 'bytes 2-5/20');
    assert.equal(part.headers['content-length'], '4');
    const suffix = await get(port, '/data.txt', { headers: { range: 'bytes=-3' } });
    assert.equal(suffix.body, 'hij');
    const bad = await get(port, '/data.txt', { headers: { range: 'bytes=20-' } });
    assert.equal(bad.status, 416);
    assert.equal(bad.headers['content-range'], 'bytes */20');
    const multi = await get(port, '/data.txt', { headers: { range: 'bytes=0-1,4-5' } });
    assert.equal(multi.status, 206);
    const boundary = /^multipart\/byteranges; boundary=(\w+)$/.exec(String(multi.headers['content-type']))?.[1];
    assert.ok(boundary, String(multi.headers['content-type']));
    const type = 'text/plain; charset=utf-8';
    assert.equal(multi.body, `\r\n--${boundary}\r\nContent-Type: ${type}\r\nContent-Range: bytes 0-1/20\r\n\r\n01\r\n--${boundary}\r\nContent-Type: ${type}\r\nContent-Range: bytes 4-5/20\r\n\r\n45\r\n--${boundary}--\r\n`);
    assert.equal(multi.headers['content-length'], String(Buffer.byteLength(multi.body)));
    const stale = await get(port, '/data.txt', { headers: { range: 'bytes=0-1', 'if-range': '"old"' } });
    assert.equal(stale.status, 200);
  });

  it('several ranges of a file streamed from disk: multipart/byteranges with an exact Content-Length', async () => {
    const size = BIG_TEXT.length;
    const r = await get(port, '/large.txt', { headers: { range: 'bytes=0-9,1048570-1048589,-5' } });
    assert.equal(r.status, 206);
    const boundary = /boundary=(\w+)$/.exec(String(r.headers['content-type']))?.[1] ?? '';
    const part = (from: number, to: number) => `\r\n--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes ${from}-${to}/${size}\r\n\r\n${BIG_TEXT.slice(from, to + 1)}`;
    assert.equal(r.body, `${part(0, 9)}${part(1048570, 1048589)}${part(size - 5, size - 1)}\r\n--${boundary}--\r\n`);
    assert.equal(r.headers['content-length'], String(r.body.length));
    const head = await get(port, '/large.txt', { method: 'HEAD', headers: { range: 'bytes=0-9,20-29' } });
    assert.equal(head.status, 206);
    assert.match(String(head.headers['content-type']), /^multipart\/byteranges; boundary=\w+$/);
    assert.equal(head.body, '');
  });

  it('autoindex lists entries escaped, directories first, no dotfiles', async () => {
    const r = await get(port, '/files/');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
    assert.match(r.body, /<title>Index of \/files\/<\/title>/);
    assert.ok(r.body.includes('<a href="%3Cb%3E%26.txt">&lt;b&gt;&amp;.txt</a>'));
    assert.ok(r.body.indexOf('nested/') < r.body.indexOf('&lt;b&gt;'));
    assert.ok(!r.body.includes('.secret'));
  });

  it('a directory without index and without autoindex is 403', async () => {
    // try_files `$uri` is a file test even for a URI ending in `/` (only an entry written `$uri/` tests for a directory): nginx's 404.
    assert.equal((await get(port, '/strict/')).status, 404);
    await mkdir(join(dir, 'www', 'noindex'), { recursive: true });
    assert.equal((await get(port, '/noindex/')).status, 403);
  });

  it('alias replaces the location prefix', async () => {
    const r = await get(port, '/img/cat.txt');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'meow');
    // `..` that stays inside the URI space is normalised first: /secret.txt under the site root.
    assert.equal((await get(port, '/img/../secret.txt')).status, 404);
    // The classic nginx alias traversal (location without, alias with a trailing slash) is refused.
    const escape = await get(port, '/pics../secret.txt');
    assert.equal(escape.status, 403);
    assert.ok(!escape.body.includes('outside the root'));
  });

  it('try_files: file, directory index, fallback URI, =CODE', async () => {
    assert.equal((await get(port, '/app/real.txt')).body, 'real');
    // `$uri/` finds the directory and goes on as `/app/dir`: the slash redirect first, as nginx does.
    const dir = await get(port, '/app/dir?x=1');
    assert.equal(dir.status, 301);
    assert.match(String(dir.headers.location), /\/app\/dir\/\?x=1$/);
    assert.equal((await get(port, '/app/dir/')).body, 'app dir index');
    const fallback = await get(port, '/app/no/such/page');
    assert.equal(fallback.status, 200);
    assert.equal(fallback.body, 'fallback');
    assert.equal((await get(port, '/strict/nothing')).status, 404);
  });

  it('return: redirects made absolute, text bodies, regex captures', async () => {
    const old = await get(port, '/old');
    assert.equal(old.status, 301);
    assert.equal(old.headers.location, `http://a.test:${port}/new?from=/old`);
    const hello = await get(port, '/hello', { method: 'POST' });
    assert.equal(hello.status, 200);
    assert.equal(hello.body, 'hello a.test');
    assert.equal(hello.headers['content-type'], 'application/octet-stream'); // nginx's default_type (return-handler.ts)
    const secure = await get(port, '/secure?x=%2F', { host: 'A.test:8080' });
    assert.equal(secure.status, 308);
    assert.equal(secure.headers.location, 'https://a.test/secure?x=%2F');
    const user = await get(port, '/u/bob');
    assert.equal(user.status, 302);
    assert.equal(user.headers.location, 'https://example.test/users/bob');
  });

  it('rejects a config whose port is taken and keeps serving the old one', async () => {
    blocker = createServer();
    await new Promise<void>((r) => blocker?.listen(0, '127.0.0.1', () => r()));
    const taken = (blocker.address() as { port: number }).port;
    const config = testConfig([...sites(), { id: 'extra', names: ['extra.test'], root: join(dir, 'www2'), listen: [{ port: taken }] }]);
    await assert.rejects(proxy.reconfigure(runtime, config, 2), (e) => {
      assert.ok(isBerthError(e, 'BERTH_ERR_PORT_IN_USE'));
      assert.match(e.message, new RegExp(`port ${taken} on 127\\.0\\.0\\.1 is already in use`));
      assert.match(e.message, /"extra"/);
      return true;
    });
    assert.equal(proxy.detail().configVersion, 1);
    assert.equal((await get(port, '/')).body, '<h1>main</h1>');
  });

  it('swaps the config: new content on the same port, new ports opened, old ones closed', async () => {
    const swapped = testConfig([{ id: 'main', names: ['a.test'], root: join(dir, 'www2') }, { id: 'extra', names: ['extra.test'], root: join(dir, 'www'), listen: [{ port: 0 }] }]);
    const detail = await proxy.reconfigure(runtime, swapped, 3);
    assert.equal(detail.configVersion, 3);
    assert.equal(detail.listening.length, 1, 'both sites share config port 0');
    assert.equal((await get(port, '/')).body, '<h1>other</h1>');
    const again = await proxy.reconfigure({ ...runtime, httpPort: 0 }, testConfig([{ id: 'main', names: ['a.test'], root: join(dir, 'www'), listen: [{ port: 0 }] }]), 4);
    assert.equal(again.listening[0]?.port, port);
    assert.equal((await get(port, '/')).body, '<h1>main</h1>');
  });

  it('writes combined access lines per site and nginx error lines', async () => {
    // A UTF-8 request line (rawExchange writes UTF-8), headers sent empty, a request the engine refuses.
    assert.match(await rawExchange(port, 'GET /café HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n'), /^HTTP\/1\.1 404 /);
    assert.match(await rawExchange(port, 'GET /data.txt?emptyhdr HTTP/1.1\r\nHost: a.test\r\nUser-Agent: \r\nReferer:\r\nConnection: close\r\n\r\n'), /^HTTP\/1\.1 200 /);
    const refused = await rawExchange(port, 'GET /x\x01y HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n');
    assert.match(refused, /^HTTP\/1\.1 400 /);
    const refusedBody = refused.slice(refused.indexOf('\r\n\r\n') + 4);
    assert.equal(refusedBody, errorPageHtml(400));
    await proxy.stop(1000);
    const access = await readFile(join(dir, 'logs', 'main.access.log'), 'utf8');
    // nginx: `""` for a header sent empty (`-` only when absent); an engine-refused request logs its error page's size.
    assert.match(access, /"GET \/data\.txt\?emptyhdr HTTP\/1\.1" 200 20 "" ""$/m);
    assert.match(access, new RegExp(`"GET /x\\\\x01y HTTP/1\\.1" 400 ${Buffer.byteLength(refusedBody)} "-" "-"$`, 'm'));
    assert.match(access, /^127\.0\.0\.1 - - \[\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] "GET \/ HTTP\/1\.1" 200 13 "-" "-"$/m);
    assert.match(access, /"GET \/data\.txt HTTP\/1\.1" 206 4 /);
    assert.match(access, /"GET \/\.\.\/secret\.txt HTTP\/1\.1" 400 /);
    await assert.rejects(readFile(join(dir, 'logs', 'other.access.log')), { code: 'ENOENT' });
    const errors = await readFile(join(dir, 'logs', 'error.log'), 'utf8');
    assert.match(errors, /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} \[error\] \d+#0: \*\d+ open\(\) ".*\/www\/missing\.html" failed \(2: No such file or directory\), client: 127\.0\.0\.1, server: a\.test, request: "GET \/missing\.html HTTP\/1\.1", host: "a\.test"$/m);
    // nginx writes the request line's bytes: `/café`, not its latin1 reading re-encoded (`/cafÃ©`).
    assert.match(errors, /open\(\) ".*\/www\/café" failed \(2: No such file or directory\), client: 127\.0\.0\.1, server: a\.test, request: "GET \/café HTTP\/1\.1", host: "a\.test"$/m);
    assert.match(errors, /escape\.txt" resolves outside the root/);
    assert.match(errors, /directory index of ".*\/noindex\/" is forbidden/);
  });
});
