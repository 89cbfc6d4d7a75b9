// Static-file extras through the real proxy on a socket: compression (on the fly and
// precompressed siblings), Vary, HEAD/Range/small-file exclusions, 304 with compression,
// expires, add_header, and the open-file cache following file changes.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import type { RuntimeSettings } from '../contract/ipc.js';
import { ProxyServer } from './proxy-server.js';
import { testConfig } from './spec-support.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function fetchRaw(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, agent: false, headers: { host: 'a.test', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

describe('static extras: compression, expires, add_header, open-file cache', () => {
  let dir = '';
  let proxy: ProxyServer;
  let port = 0;
  const css = 'body { color: red; margin: 0 auto; }\n'.repeat(200);
  const big = 'big text file line\n'.repeat(150_000); // ~2.8 MiB: streamed, not cached
  const hugeGz = randomBytes(1_300_000); // past the cache's 1 MiB: streamed (the bytes need not be gzip to be sent)

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-static-extras-'));
    const www = join(dir, 'www');
    await mkdir(join(www, 'assets'), { recursive: true });
    await writeFile(join(www, 'style.css'), css);
    await writeFile(join(www, 'tiny.css'), 'a{}');
    await writeFile(join(www, 'photo.png'), Buffer.alloc(4096, 7));
    await writeFile(join(www, 'big.txt'), big);
    await writeFile(join(www, 'assets', 'app.js'), 'console.log("identity");\n'.repeat(100));
    // A precompressed sibling with different content proves the sibling is what is sent.
    await writeFile(join(www, 'assets', 'app.js.gz'), gzipSync('console.log("from .gz");\n'));
    await writeFile(join(www, 'live.txt'), 'first version of the file');
    // Siblings without the file itself (gzip_static serves them; nginx opens `file.gz` first).
    await writeFile(join(www, 'assets', 'only.js.gz'), gzipSync('console.log("only gz");\n'));
    await writeFile(join(www, 'assets', 'only.css.br'), brotliCompressSync('a { color: blue }\n'));
    await writeFile(join(www, 'assets', 'huge.txt.gz'), hugeGz);
    const runtime: RuntimeSettings = { dataDir: dir, logDir: join(dir, 'logs'), httpPort: 0, httpsPort: 0, bindAddresses: ['127.0.0.1'] };
    proxy = new ProxyServer({ warn: () => undefined });
    const config = testConfig([
      {
        id: 'main',
        names: ['a.test'],
        root: www,
        locations: [
          { match: { kind: 'prefix', path: '/' }, handler: { type: 'static', expiresS: 3600, addHeaders: { 'X-Frame-Options': 'DENY', 'X-Served-Host': '$host' } } },
          { match: { kind: 'prefix', path: '/assets/' }, handler: { type: 'static', expiresS: -1 } },
          { match: { kind: 'exact', path: '/raw.css' }, handler: { type: 'static', compress: false, tryFiles: ['/style.css', '=404'] } },
        ],
      },
    ]);
    port = (await proxy.start(runtime, config, 1)).listening[0]?.port ?? 0;
  });

  after(async () => {
    await proxy.stop(1000);
    await rm(dir, { recursive: true, force: true });
  });

  it('gzips and brotlis text on the fly, with Vary, a weak ETag and no Content-Length mismatch', async () => {
    const gz = await fetchRaw(port, '/style.css', { 'accept-encoding': 'gzip' });
    assert.equal(gz.status, 200);
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(gz.headers.vary, 'Accept-Encoding');
    assert.match(String(gz.headers.etag), /^W\/"/);
    assert.equal(Number(gz.headers['content-length']), gz.body.length);
    assert.equal(gunzipSync(gz.body).toString(), css);
    assert.equal(gz.headers['accept-ranges'], undefined);

    const br = await fetchRaw(port, '/style.css', { 'accept-encoding': 'gzip, deflate, br' });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.equal(brotliDecompressSync(br.body).toString(), css);

    const identity = await fetchRaw(port, '/style.css', { 'accept-encoding': 'gzip;q=0, identity' });
    assert.equal(identity.headers['content-encoding'], undefined);
    assert.equal(identity.headers.vary, 'Accept-Encoding');
    assert.equal(identity.body.toString(), css);
  });

  it('answers 304 for the compressed variant (weak If-None-Match) and for If-Modified-Since', async () => {
    const first = await fetchRaw(port, '/style.css', { 'accept-encoding': 'gzip' });
    const again = await fetchRaw(port, '/style.css', { 'accept-encoding': 'gzip', 'if-none-match': String(first.headers.etag) });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
    assert.equal(again.headers.vary, 'Accept-Encoding');
    assert.equal(again.headers['cache-control'], 'max-age=3600');
    const ims = await fetchRaw(port, '/style.css', { 'accept-encoding': 'br', 'if-modified-since': String(first.headers['last-modified']) });
    assert.equal(ims.status, 304);
  });

  it('HEAD gets the headers GET would, encoding included (RFC 9110 §9.3.2); no compression for Range requests, small files or binary types', async () => {
    const get = await fetchRaw(port, '/style.css', { 'accept-encoding': 'gzip' });
    const head = await fetchRaw(port, '/style.css', { 'accept-encoding': 'gzip' }, 'HEAD');
    assert.equal(get.headers['content-encoding'], 'gzip');
    for (const name of ['content-encoding', 'content-length', 'etag', 'vary', 'content-type']) assert.equal(head.headers[name], get.headers[name], name);
    assert.equal(head.body.length, 0);

    const range = await fetchRaw(port, '/style.css', { 'accept-encoding': 'gzip', range: 'bytes=0-3' });
    assert.equal(range.status, 206);
    assert.equal(range.headers['content-encoding'], undefined);
    assert.equal(range.body.toString(), 'body');

    const tiny = await fetchRaw(port, '/tiny.css', { 'accept-encoding': 'gzip' });
    assert.equal(tiny.headers['content-encoding'], undefined);
    assert.equal(tiny.headers.vary, undefined);
    assert.equal(tiny.body.toString(), 'a{}');

    const png = await fetchRaw(port, '/photo.png', { 'accept-encoding': 'gzip, br' });
    assert.equal(png.headers['content-encoding'], undefined);
    assert.equal(png.body.length, 4096);

    const off = await fetchRaw(port, '/raw.css', { 'accept-encoding': 'gzip' });
    assert.equal(off.headers['content-encoding'], undefined);
    assert.equal(off.body.toString(), css);
  });

  it('serves a precompressed .gz sibling (gzip_static) with its own validators, the file itself otherwise', async () => {
    const gz = await fetchRaw(port, '/assets/app.js', { 'accept-encoding': 'gzip' });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(gz.headers['content-type'], 'text/javascript; charset=utf-8', 'the type of app.js, not of app.js.gz');
    assert.equal(gunzipSync(gz.body).toString(), 'console.log("from .gz");\n');
    assert.match(String(gz.headers.etag), /^"/, 'a file on disk: strong ETag');
    // brotli wanted, no .br sibling: compressed on the fly from the file itself.
    const br = await fetchRaw(port, '/assets/app.js', { 'accept-encoding': 'br' });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.match(brotliDecompressSync(br.body).toString(), /identity/);
    const plain = await fetchRaw(port, '/assets/app.js');
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.match(plain.body.toString(), /identity/);
  });

  it('gzip_static without the file: the sibling, whole, to a client that takes its coding; 404 to one that does not', async () => {
    const gz = await fetchRaw(port, '/assets/only.js', { 'accept-encoding': 'gzip', range: 'bytes=0-3' });
    assert.equal(gz.status, 200, 'a Range gets the sibling whole (nginx allows no ranges on it)');
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(gz.headers['content-type'], 'text/javascript; charset=utf-8', 'the type of only.js');
    assert.equal(gz.headers['accept-ranges'], undefined);
    assert.equal(gz.headers.vary, 'Accept-Encoding');
    assert.equal(gunzipSync(gz.body).toString(), 'console.log("only gz");\n');
    const head = await fetchRaw(port, '/assets/only.js', { 'accept-encoding': 'gzip' }, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], gz.headers['content-length']);
    const again = await fetchRaw(port, '/assets/only.js', { 'accept-encoding': 'gzip', 'if-none-match': String(gz.headers.etag) });
    assert.equal(again.status, 304);
    for (const refuses of [{}, { 'accept-encoding': 'gzip;q=0' }, { 'accept-encoding': 'br' }] as Array<Record<string, string>>) {
      assert.equal((await fetchRaw(port, '/assets/only.js', refuses)).status, 404, JSON.stringify(refuses));
    }
    const br = await fetchRaw(port, '/assets/only.css', { 'accept-encoding': 'gzip, br' });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.equal(brotliDecompressSync(br.body).toString(), 'a { color: blue }\n');
    // A sibling past the cache's size limit is streamed, with its length.
    const huge = await fetchRaw(port, '/assets/huge.txt', { 'accept-encoding': 'gzip' });
    assert.equal(huge.status, 200);
    assert.equal(huge.headers['content-encoding'], 'gzip');
    assert.equal(Number(huge.headers['content-length']), hugeGz.length);
    assert.ok(huge.body.equals(hugeGz));
    assert.equal((await fetchRaw(port, '/assets/huge.txt')).status, 404);
  });

  it('a file with a sibling: a Range request that takes the coding gets the sibling whole (nginx gzip_static), one that does not gets the range', async () => {
    const gz = await fetchRaw(port, '/assets/app.js', { 'accept-encoding': 'gzip', range: 'bytes=0-3' });
    assert.equal(gz.status, 200);
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(gz.body).toString(), 'console.log("from .gz");\n');
    const plain = await fetchRaw(port, '/assets/app.js', { 'accept-encoding': 'br', range: 'bytes=0-3' });
    assert.equal(plain.status, 206);
    assert.equal(plain.body.toString(), 'cons');
  });

  it('streams large text files through the compressor (chunked, no Content-Length)', async () => {
    const r = await fetchRaw(port, '/big.txt', { 'accept-encoding': 'gzip' });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-encoding'], 'gzip');
    assert.equal(r.headers['content-length'], undefined);
    assert.equal(gunzipSync(r.body).toString(), big);
    const plain = await fetchRaw(port, '/big.txt', { range: 'bytes=-5' });
    assert.equal(plain.status, 206);
    assert.equal(plain.body.toString(), 'ine\n'.padStart(5, 'l'));
  });

  it('adds expires and add_header on 2xx/304 only, with variables expanded', async () => {
    const ok = await fetchRaw(port, '/tiny.css');
    assert.equal(ok.headers['cache-control'], 'max-age=3600');
    const expires = Date.parse(String(ok.headers.expires));
    assert.ok(Math.abs(expires - (Date.now() + 3600_000)) < 5000);
    assert.equal(ok.headers['x-frame-options'], 'DENY');
    assert.equal(ok.headers['x-served-host'], 'a.test');
    const missing = await fetchRaw(port, '/nope.css');
    assert.equal(missing.status, 404);
    assert.equal(missing.headers['x-frame-options'], undefined);
    assert.equal(missing.headers['cache-control'], undefined);
    const epoch = await fetchRaw(port, '/assets/app.js');
    assert.equal(epoch.headers.expires, 'Thu, 01 Jan 1970 00:00:01 GMT');
    assert.equal(epoch.headers['cache-control'], 'no-cache');
  });

  it('picks up a changed file within the cache check interval (1 s), never mixing old and new', async () => {
    const path = join(dir, 'www', 'live.txt');
    const first = await fetchRaw(port, '/live.txt');
    assert.equal(first.body.toString(), 'first version of the file');
    await writeFile(path, 'second version!');
    await utimes(path, new Date(), new Date(Date.now() + 2000));
    // Inside the interval the cached bytes go out whole, with their own headers.
    const soon = await fetchRaw(port, '/live.txt');
    assert.equal(Number(soon.headers['content-length']), soon.body.length);
    await new Promise((r) => setTimeout(r, 1100));
    const later = await fetchRaw(port, '/live.txt');
    assert.equal(later.body.toString(), 'second version!');
    assert.notEqual(later.headers.etag, first.headers.etag);
    await rm(path);
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal((await fetchRaw(port, '/live.txt')).status, 404);
  });
});
