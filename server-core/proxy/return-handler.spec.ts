// `return` answers as nginx's ngx_http_script_return_code does: the type from the URI's extension
// or default_type, empty bodies for codes nginx has no page for, Location even when empty.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { errorPageHtml } from './error-pages.js';
import { ProxyServer } from './proxy-server.js';
import { typeForUri } from './return-handler.js';
import { get, rawExchange, testConfig } from './spec-support.js';

describe('return handler', () => {
  let dir = '';
  let proxy: ProxyServer;
  let port = 0;
  const ret = (path: string, status: number, body = '', kind: 'exact' | 'regex' = 'exact') => ({ match: { kind, path }, handler: { type: 'return' as const, status, body } });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-return-'));
    proxy = new ProxyServer({ warn: () => undefined });
    const config = testConfig([
      {
        id: 'r',
        names: ['a.test'],
        root: dir,
        locations: [
          ret('/text', 200, 'hi $host'),
          ret('\\.txt$', 200, 'a text file', 'regex'),
          ret('/empty', 200),
          ret('/teapot', 418),
          ret('/teapot-text', 418, 'short and stout'),
          ret('/forbidden', 403),
          ret('/no-location', 301),
          ret('/moved', 302, '/there'),
          ret('/timeout', 408),
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

  it('sends text with default_type, or the type of the URI extension, without a charset', async () => {
    const r = await get(port, '/text');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'hi a.test');
    assert.equal(r.headers['content-type'], 'application/octet-stream');
    const txt = await get(port, '/notes/readme.txt');
    assert.equal(txt.body, 'a text file');
    assert.equal(txt.headers['content-type'], 'text/plain');
    const empty = await get(port, '/empty');
    assert.equal(empty.status, 200);
    assert.equal(empty.headers['content-length'], '0');
    assert.equal(empty.headers['content-type'], 'application/octet-stream');
  });

  it('answers a code nginx has no page for with an empty body and no type; text is kept', async () => {
    const r = await get(port, '/teapot');
    assert.equal(r.status, 418);
    assert.equal(r.body, '');
    assert.equal(r.headers['content-length'], '0');
    assert.equal(r.headers['content-type'], undefined);
    const t = await get(port, '/teapot-text');
    assert.equal(t.status, 418);
    assert.equal(t.body, 'short and stout');
    const f = await get(port, '/forbidden');
    assert.equal(f.body, errorPageHtml(403));
  });

  it('sets Location for redirect codes, even an empty one, and closes on 408 without text', async () => {
    const moved = await get(port, '/moved');
    assert.equal(moved.status, 302);
    assert.equal(moved.headers.location, `http://a.test:${port}/there`);
    const raw = await rawExchange(port, 'GET /no-location HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n');
    assert.match(raw, /^HTTP\/1\.1 301 Moved Permanently\r\n/);
    assert.match(raw, /\r\nLocation: ?\r\n/i);
    assert.equal(await rawExchange(port, 'GET /timeout HTTP/1.1\r\nHost: a.test\r\n\r\n'), '');
  });

  it('takes the extension of the last path segment only (ngx_http_set_exten)', () => {
    assert.equal(typeForUri({ uri: '/a.b/c' }), 'application/octet-stream');
    assert.equal(typeForUri({ uri: '/.hidden' }), 'application/octet-stream');
    assert.equal(typeForUri({ uri: '/x.CSS' }), 'text/css');
    assert.equal(typeForUri({ uri: '/x.' }), 'application/octet-stream');
  });
});
