import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../../errors.js';
import { memorySource } from './file-source.js';
import { tokenize } from './lexer.js';
import { parseNginx, type Directive } from './parser.js';
import { formatSize, parseSize, parseTimeMs, parseTimeS } from './units.js';

const src = (files: Record<string, string>) => memorySource(new Map(Object.entries(files)));

function errorOf(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (e) {
    assert.ok(isBerthError(e), `expected a BerthError, got ${String(e)}`);
    return { code: e.code, message: e.message };
  }
  assert.fail('expected an error');
}

describe('nginx lexer', () => {
  it('keeps quoted strings, escapes, ${var} words and positions', () => {
    const t = tokenize('return 200 "a \\"b\\" \\n c";\nset $x ${host}x;\nlocation ~ \\.php$ {}', '/x.conf');
    const words = t.filter((x) => x.kind === 'word').map((x) => x.value);
    assert.deepEqual(words, ['return', '200', 'a "b" \n c', 'set', '$x', '${host}x', 'location', '~', '\\.php$']);
    const host = t.find((x) => x.value === '${host}x');
    assert.equal(host?.line, 2);
    assert.equal(host?.column, 8);
  });

  it('treats # as a comment only at the start of a word', () => {
    const t = tokenize('add_header X a#b; # note', '/x.conf');
    assert.deepEqual(
      t.map((x) => [x.kind, x.value]),
      [['word', 'add_header'], ['word', 'X'], ['word', 'a#b'], [';', ';'], ['comment', 'note']],
    );
  });

  it('keeps an empty quoted word', () => {
    const t = tokenize("proxy_set_header Connection '';", '/x.conf');
    assert.deepEqual(t[2], { kind: 'word', value: '', quoted: true, line: 1, column: 29 });
  });
});

describe('nginx parser', () => {
  it('builds blocks with file:line:column for every directive', () => {
    const p = parseNginx('/etc/nginx/nginx.conf', src({ '/etc/nginx/nginx.conf': 'http {\n  server {\n    listen 80;\n    location = / { return 204; }\n  }\n}\n' }));
    const http = p.directives[0] as Directive;
    const server = http.block?.[0] as Directive;
    const loc = server.block?.[1] as Directive;
    assert.equal(loc.name, 'location');
    assert.deepEqual([loc.line, loc.column], [4, 5]);
    assert.deepEqual(loc.args.map((a) => a.value), ['=', '/']);
    assert.equal(loc.block?.[0]?.name, 'return');
  });

  it('names file:line:column and the token of a syntax error, like nginx -t', () => {
    const e = errorOf(() => parseNginx('/x.conf', src({ '/x.conf': 'server {\n  location / {\n    alias /srv\n  }\n}\n' })));
    assert.equal(e.code, 'BERTH_ERR_NGINX_SYNTAX');
    assert.equal(e.message, 'unexpected "}" in /x.conf:4:3');
    assert.match(errorOf(() => parseNginx('/x.conf', src({ '/x.conf': 'http {\n' }))).message, /unexpected end of file, expecting "}" in \/x\.conf:2:1/);
    assert.match(errorOf(() => parseNginx('/x.conf', src({ '/x.conf': '}\n' }))).message, /unexpected "}" in \/x\.conf:1:1/);
    assert.match(errorOf(() => parseNginx('/x.conf', src({ '/x.conf': 'a "b"c;' }))).message, /unexpected "c" in \/x\.conf:1:6/);
    assert.match(errorOf(() => parseNginx('/x.conf', src({ '/x.conf': 'listen 80' }))).message, /expecting ";" or "}"/);
    // An unquoted quantifier in a rewrite regex: nginx names the directive and its line, not the end of the file.
    const quantifier = 'server {\n  server_name a;\n  rewrite ^/archive/(\\d{4})/(\\d{2})$ /y/$1/$2 last;\n  location / { }\n}\n';
    assert.match(errorOf(() => parseNginx('/x.conf', src({ '/x.conf': quantifier }))).message, /^directive "rewrite" is not terminated by ";" in \/x\.conf:3:3/);
  });

  it('resolves includes with globs relative to the including file, in sorted order', () => {
    const p = parseNginx(
      '/etc/nginx/nginx.conf',
      src({
        '/etc/nginx/nginx.conf': 'http { include conf.d/*.conf; }',
        '/etc/nginx/conf.d/b.conf': 'server { server_name b; }',
        '/etc/nginx/conf.d/a.conf': 'server { server_name a; include snippets/x; }',
        '/etc/nginx/conf.d/snippets/x': 'root /srv;',
      }),
    );
    const servers = p.directives[0]?.block ?? [];
    assert.deepEqual(servers.map((s) => s.block?.[0]?.args[0]?.value), ['a', 'b']);
    const root = servers[0]?.block?.[1];
    assert.equal(root?.name, 'root');
    assert.equal(root?.file, '/etc/nginx/conf.d/snippets/x');
    assert.deepEqual(p.files, ['/etc/nginx/nginx.conf', '/etc/nginx/conf.d/a.conf', '/etc/nginx/conf.d/snippets/x', '/etc/nginx/conf.d/b.conf']);
  });

  it('reports include loops and missing includes clearly', () => {
    const loop = errorOf(() => parseNginx('/a.conf', src({ '/a.conf': 'include b.conf;', '/b.conf': '\ninclude a.conf;' })));
    assert.equal(loop.code, 'BERTH_ERR_NGINX_INCLUDE');
    assert.equal(loop.message, 'include loop: /a.conf → /b.conf → /a.conf in /b.conf:2:1');
    const missing = errorOf(() => parseNginx('/a.conf', src({ '/a.conf': 'http {\n include /nope/site.conf;\n}' })));
    assert.equal(missing.message, 'open() "/nope/site.conf" failed (2: No such file or directory) in /a.conf:2:2');
  });

  it('falls back to the stock uwsgi_params and notes a glob that matches nothing', () => {
    const p = parseNginx('/a.conf', src({ '/a.conf': 'location / { include /usr/local/nginx/conf/uwsgi_params; include /none/*.conf; }' }));
    const params = p.directives[0]?.block?.filter((d) => d.name === 'uwsgi_param') ?? [];
    assert.equal(params.length, 14);
    assert.deepEqual(p.notes.map((n) => n.message), [
      '"/usr/local/nginx/conf/uwsgi_params" is not on this machine; used nginx\'s stock uwsgi_params instead',
      '"/none/*.conf" matched no files',
    ]);
  });

  it('names the folders it looked in when a relative stock include is missing', () => {
    const p = parseNginx('/etc/nginx/nginx.conf', src({ '/etc/nginx/nginx.conf': 'include /srv/app/site.conf;', '/srv/app/site.conf': 'location / { include uwsgi_params; }' }));
    assert.equal(p.directives[0]?.block?.filter((d) => d.name === 'uwsgi_param').length, 14);
    assert.deepEqual(p.notes.map((n) => n.message), ['"uwsgi_params" is not in /srv/app or /etc/nginx; used nginx\'s stock uwsgi_params instead']);
  });

  it('parses if, map and types blocks generically', () => {
    const p = parseNginx(
      '/a.conf',
      src({ '/a.conf': "map $http_upgrade $c { default upgrade; '' close; }\ntypes { text/html html htm; }\nif ($request_method = POST) { return 405; }" }),
    );
    assert.deepEqual(p.directives.map((d) => d.name), ['map', 'types', 'if']);
    assert.equal(p.directives[0]?.block?.[1]?.name, '');
    assert.deepEqual(p.directives[2]?.args.map((a) => a.value), ['($request_method', '=', 'POST)']);
  });
});

describe('nginx units', () => {
  it('parses sizes and times as nginx does', () => {
    assert.equal(parseSize('75M'), 75 * 1024 * 1024);
    assert.equal(parseSize('10k'), 10240);
    assert.equal(parseSize('1g'), 1024 ** 3);
    assert.equal(parseSize('12'), 12);
    assert.equal(parseSize('1.5m'), null);
    assert.equal(parseTimeS('60s'), 60);
    assert.equal(parseTimeS('1h30m'), 5400);
    assert.equal(parseTimeS('90'), 90);
    assert.equal(parseTimeMs('500ms'), 500);
    assert.equal(parseTimeS('1d'), 86400);
    assert.equal(parseTimeS('1y'), 31_536_000);
    assert.equal(parseTimeS('5x'), null);
    assert.equal(formatSize(75 * 1024 * 1024), '75m');
    assert.equal(formatSize(1000), '1000');
  });
});
