// nginx variables through the real pipeline: a `return` text that names them, answered to a raw request.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ProxyServer } from './proxy-server.js';
import { rawExchange, testConfig } from './spec-support.js';

const NAMES = [
  'http_host', 'http_x_custom', 'http_cookie', 'http_absent', 'cookie_b', 'cookie_none', 'arg_q', 'arg_flag', 'arg_none',
  'server_protocol', 'request', 'https', 'content_type', 'content_length', 'proxy_add_x_forwarded_for', 'server_addr', 'remote_user', 'not_a_variable',
];

describe('nginx variables', () => {
  let dir = '';
  let proxy: ProxyServer;
  let port = 0;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-variables-'));
    proxy = new ProxyServer({ warn: () => undefined });
    const body = NAMES.map((n) => `${n}=$${n}`).join('\n');
    // $document_root / $realpath_root: the site's root is a symlink (a deploy's `current` link);
    // a static location has its own root, relative to the data dir as every relative root is.
    await mkdir(join(dir, 'releases', 'r1'), { recursive: true });
    await mkdir(join(dir, 'assets'));
    await writeFile(join(dir, 'assets', 'a.txt'), 'a');
    await symlink(join(dir, 'releases', 'r1'), join(dir, 'current'));
    const roots = 'document_root=$document_root\nrealpath_root=$realpath_root';
    const config = testConfig([
      { id: 'v', names: ['a.test'], root: dir, locations: [{ match: { kind: 'prefix', path: '/' }, handler: { type: 'return', status: 200, body } }] },
      {
        id: 'r',
        names: ['roots.test'],
        root: join(dir, 'current'),
        locations: [
          { match: { kind: 'prefix', path: '/' }, handler: { type: 'return', status: 200, body: roots } },
          { match: { kind: 'prefix', path: '/a.txt' }, handler: { type: 'static', root: 'assets', addHeaders: { 'X-Root': '$document_root' } } },
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

  it('$http_*, $cookie_*, $arg_* and the request facts, as nginx gives them; an unknown name stays as written', async () => {
    const text = await rawExchange(
      port,
      'POST /v?Q=1&q=2&flag HTTP/1.1\r\nHost: a.test:8080\r\nX-Custom: one\r\nx-custom: two\r\nCookie: a=1; B=two words\r\nCookie: c=3\r\n' +
        'X-Forwarded-For: 10.0.0.1\r\nContent-Type: text/x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
    );
    const got = Object.fromEntries(text.slice(text.indexOf('\r\n\r\n') + 4).split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    assert.deepEqual(got, {
      http_host: 'a.test:8080',
      http_x_custom: 'one, two',
      http_cookie: 'a=1; B=two words; c=3',
      http_absent: '',
      cookie_b: 'two words',
      cookie_none: '',
      arg_q: '1',
      arg_flag: '',
      arg_none: '',
      server_protocol: 'HTTP/1.1',
      request: 'POST /v?Q=1&q=2&flag HTTP/1.1',
      https: '',
      content_type: 'text/x',
      content_length: '0',
      proxy_add_x_forwarded_for: '10.0.0.1, 127.0.0.1',
      server_addr: '127.0.0.1',
      remote_user: '',
      not_a_variable: '$not_a_variable',
    });
  });

  it('$document_root is the root in force (the site\'s, or the location\'s resolved like it); $realpath_root resolves symlinks', async () => {
    const text = await rawExchange(port, 'GET / HTTP/1.1\r\nHost: roots.test\r\nConnection: close\r\n\r\n');
    assert.equal(text.slice(text.indexOf('\r\n\r\n') + 4), `document_root=${join(dir, 'current')}\nrealpath_root=${await realpath(join(dir, 'releases', 'r1'))}`);
    const file = await rawExchange(port, 'GET /a.txt HTTP/1.1\r\nHost: roots.test\r\nConnection: close\r\n\r\n');
    assert.match(file, /^HTTP\/1\.1 200 /);
    assert.ok(file.includes(`\r\nX-Root: ${join(dir, 'assets')}\r\n`), file);
  });
});
