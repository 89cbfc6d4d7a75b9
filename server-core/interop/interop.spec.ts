// Import of the seeds (warnings asserted and printed), golden export files, and the round trip
// import(export(config)) == config over generated configs, each export checked by real `nginx -t`.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { configSchema, type BerthConfig } from '../config/schema.js';
import { exportBundle, importExported, writeBundle } from './export-bundle.js';
import { generateConfig } from './gen-config.js';
import { diskSource, memorySource } from './nginx/file-source.js';
import { STOCK_FILES } from './nginx/stock-files.js';
import { emptyConfig, runImport } from './run-import.js';
import { formatWarning } from './warnings.js';

const testdata = new URL('../../../server-core/interop/testdata/', import.meta.url).pathname;
const seeds = join(testdata, 'seeds');
const NGINX = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p)) ?? null;
const OPENSSL = ['/usr/bin/openssl', '/usr/local/bin/openssl'].find((p) => existsSync(p)) ?? null;

function warningsOf(files: { nginx?: string[]; uwsgi?: string[] }): string[] {
  const out = runImport(emptyConfig(), { nginx: files.nginx ?? [], uwsgi: files.uwsgi ?? [], source: diskSource });
  return out.warnings.map((w) => formatWarning(w).replace(`${seeds}/`, ''));
}

describe('seed configs import', () => {
  it('imports br_api.conf + uwsgi.ini of seed 004: the uwsgi_pass becomes the app, warnings for the rest', () => {
    const out = runImport(emptyConfig(), { nginx: [join(seeds, '004-br_api.conf')], uwsgi: [join(seeds, '004-uwsgi.ini')], source: diskSource, portMap: new Map([[80, 8080]]) });
    const warnings = out.warnings.map((w) => formatWarning(w).replace(`${seeds}/`, ''));
    console.log(`seed 004 (br_api.conf + uwsgi.ini), ${warnings.length} warnings:\n  ${warnings.join('\n  ')}`);
    assert.deepEqual(out.issues, []);
    const config = out.valid as BerthConfig;
    const site = config.sites[0];
    assert.equal(site?.id, '127-0-0-1');
    assert.deepEqual(site?.names, ['127.0.0.1']);
    assert.deepEqual(site?.listen.map((l) => l.port), [8080]);
    assert.equal(site?.limits.maxBodyBytes, 75 * 1024 * 1024);
    assert.equal(site?.limits.keepaliveTimeoutS, 65);
    assert.deepEqual(
      site?.locations.map((l) => [l.match.path, l.handler.type === 'static' ? l.handler.alias : l.handler.type === 'app' ? `app:${l.handler.app}` : l.handler.type]),
      [['/static', '/home/project/br_api/static'], ['/media', '/home/project/br_api/media'], ['/', 'app:br_api']],
    );
    assert.deepEqual(config.apps.map((a) => [a.id, a.runtime, a.workingDir, a.entry, a.processes, a.threads, a.maxRequests, a.socket]), [
      ['br_api', 'wsgi', '/home/project/br_api', 'br_api.wsgi:application', 2, 2, 2000, ''],
    ]);
    const directives = out.warnings.map((w) => `${w.file.replace(`${seeds}/`, '')}:${w.line} ${w.directive}`);
    assert.deepEqual(directives, [
      '004-uwsgi.ini:2 socket',
      '004-uwsgi.ini:9 chmod-socket',
      '004-uwsgi.ini:10 vacuum',
      '004-uwsgi.ini:11 daemonize',
      '004-br_api.conf:3 worker_processes',
      '004-br_api.conf:12 events',
      '004-br_api.conf:18 include',
      '004-br_api.conf:27 sendfile',
      '004-br_api.conf:38 charset',
      '004-br_api.conf:39 access_log',
      '004-br_api.conf:40 error_log',
      '004-br_api.conf:51 root',
      '004-br_api.conf:52 include',
    ]);
  });

  it('keeps the uwsgi.ini TCP socket with --runtime uwsgi', () => {
    const out = runImport(emptyConfig(), { nginx: [join(seeds, '004-br_api.conf')], uwsgi: [join(seeds, '004-uwsgi.ini')], source: diskSource, runtime: 'uwsgi', portMap: new Map([[80, 8080]]) });
    assert.deepEqual(out.issues, []);
    assert.deepEqual(out.valid?.apps.map((a) => [a.runtime, a.socket]), [['uwsgi', '127.0.0.1:8001']]);
    assert.deepEqual(out.valid?.sites[0]?.locations[2]?.handler, { type: 'app', app: 'br_api' });
  });

  it('turns an earlier import\'s uwsgi_pass to the ini\'s address into the app when the ini comes later', () => {
    const first = runImport(emptyConfig(), { nginx: [join(seeds, '004-br_api.conf')], uwsgi: [], source: diskSource, portMap: new Map([[80, 8080]]) });
    assert.ok(first.valid);
    const before = first.valid.sites[0]?.locations[2]?.handler;
    assert.equal(before?.type, 'uwsgi', 'without the ini, uwsgi_pass is an upstream');
    const later = runImport(first.valid, { nginx: [], uwsgi: [join(seeds, '004-uwsgi.ini')], source: diskSource });
    assert.deepEqual(later.issues, []);
    assert.deepEqual(later.valid?.sites[0]?.locations[2]?.handler, { type: 'app', app: 'br_api' });
    assert.ok(later.warnings.some((w) => /^site "127-0-0-1" location \/: uwsgi_pass to 127\.0\.0\.1:8001 \(upstream "[^"]+"\) now uses app "br_api"/.test(w.message)), later.warnings.map(formatWarning).join('\n'));
    const unrelated = runImport(first.valid, { nginx: [], uwsgi: ['/x/other.ini'], source: memorySource(new Map([['/x/other.ini', '[uwsgi]\nsocket = 127.0.0.1:9999\nmodule = other:app\nchdir = /x\n']])) });
    assert.deepEqual(unrelated.valid?.sites[0]?.locations[2]?.handler, before, 'a uwsgi_pass to another address is left alone');
  });

  it('imports seed 003 nginx.conf (typos fixed): upstream django over uwsgi, every unmapped directive warned', () => {
    const out = runImport(emptyConfig(), { nginx: [join(seeds, '003-nginx.conf')], uwsgi: [join(seeds, '003-uwsgi_socket.ini')], source: diskSource, portMap: new Map([[80, 8080]]) });
    const warnings = out.warnings.map((w) => formatWarning(w).replace(`${seeds}/`, ''));
    console.log(`seed 003 (nginx.conf + uwsgi_socket.ini), ${warnings.length} warnings:\n  ${warnings.join('\n  ')}`);
    const config = out.config as { sites: BerthConfig['sites']; upstreams: BerthConfig['upstreams'] };
    assert.deepEqual(config.upstreams.map((u) => [u.id, u.protocol, u.servers.map((s) => s.address)]), [['django', 'uwsgi', ['127.0.0.1:9001']]]);
    assert.deepEqual(config.sites[0]?.locations?.map((l) => [l.match.path, l.handler.type]), [['/static', 'static'], ['/', 'uwsgi']]);
    for (const d of ['user', 'worker_processes', 'error_log', 'pid', 'events', 'log_format', 'access_log', 'sendfile', 'tcp_nopush', 'tcp_nodelay', 'charset', 'include', 'types', 'socket', 'wsgi-file']) {
      assert.ok(out.warnings.some((w) => w.directive === d), `a warning for ${d}`);
    }
    // The tutorial's wsgi-file is outside its chdir: validation says what to fix, the import does not guess.
    assert.ok(out.issues.some((i) => i.path === 'apps.0.entry'), JSON.stringify(out.issues));
  });

  it('reports the seed 003 typo (a missing semicolon) like nginx -t, with the column', () => {
    assert.throws(() => warningsOf({ nginx: [join(seeds, '003-nginx.conf.orig')] }), { code: 'BERTH_ERR_NGINX_SYNTAX', message: `unexpected "}" in ${seeds}/003-nginx.conf.orig:30:1` });
  });
});

describe('mapping details', () => {
  const importText = (text: string) => runImport(emptyConfig(), { nginx: ['/etc/nginx/nginx.conf'], uwsgi: [], source: memorySource(new Map([['/etc/nginx/nginx.conf', text]])) });

  it('maps upstream options, proxy headers, websocket and timeouts', () => {
    const out = importText(`http {
  upstream api { least_conn; server 127.0.0.1:3000 weight=3 max_fails=2 fail_timeout=30s; server 127.0.0.1:3001 backup; server localhost:3002 down; keepalive 16; }
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
  server {
    listen 8080 default_server; server_name api.test;
    location /api/ {
      proxy_pass http://api; proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection $connection_upgrade;
      proxy_set_header X-Real-IP $remote_addr; proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; proxy_set_header X-Client $remote_addr; proxy_read_timeout 5m;
    }
    location = /old { return 301 /new; }
    location ~* \\.(png|jpg)$ { root /srv/img; expires 30d; add_header X-Img yes; }
  }
}`);
    assert.deepEqual(out.issues, []);
    const c = out.valid as BerthConfig;
    assert.deepEqual(c.upstreams[0], {
      id: 'api', protocol: 'http', method: 'least_conn', keepalive: 16,
      servers: [
        { address: '127.0.0.1:3000', weight: 3, maxFails: 2, failTimeoutS: 30, backup: false, down: false },
        { address: '127.0.0.1:3001', weight: 1, maxFails: 1, failTimeoutS: 10, backup: true, down: false },
        { address: '127.0.0.1:3002', weight: 1, maxFails: 1, failTimeoutS: 10, backup: false, down: true },
      ],
    });
    const [proxy, ret, img] = c.sites[0]?.locations ?? [];
    // The recipe lines equal to Berth's own forwarding headers are implied (nginx/forwarding.ts).
    assert.deepEqual(proxy?.handler, { type: 'proxy', upstream: 'api', setHeaders: { 'X-Client': '$remote_addr' }, hideHeaders: [], connectTimeoutS: 60, readTimeoutS: 300, sendTimeoutS: 60, websocket: true });
    assert.deepEqual(ret, { match: { kind: 'exact', path: '/old' }, handler: { type: 'return', status: 301, body: '/new' }, internal: false, interceptErrors: false });
    assert.deepEqual(img?.match, { kind: 'regex-i', path: '\\.(png|jpg)$' });
    assert.equal(img?.handler.type === 'static' && img.handler.expiresS, 30 * 86400);
    assert.deepEqual(out.warnings, []);
  });

  it('proxy_pass http://UPSTREAM/uri keeps its URI part: the group, with the location prefix replaced (Berth\'s url naming the group)', () => {
    const out = importText(`http {
  upstream backend { server 127.0.0.1:3000; server 127.0.0.1:3001; }
  server { listen 8080; server_name api.test;
    location /api/ { proxy_pass http://backend/v1/; }
    location /raw/ { proxy_pass http://backend; }
  }
}`);
    assert.deepEqual(out.issues, []);
    const [api, raw] = (out.valid as BerthConfig).sites[0]?.locations ?? [];
    assert.equal(api?.handler.type === 'proxy' && api.handler.url, 'http://backend/v1/');
    assert.equal(api?.handler.type === 'proxy' && api.handler.upstream, undefined);
    assert.equal(raw?.handler.type === 'proxy' && raw.handler.upstream, 'backend');
    assert.deepEqual(out.warnings, []);
  });

  it("a Debian/Ubuntu PHP site: snippets/fastcgi-php.conf found under the conf prefix of sites-available, or nginx's copy; its script check and PATH_INFO need no warning", () => {
    const site = `server {
  server_name wp.test;
  root /var/www/wp;
  index index.php;
  location / { try_files $uri $uri/ /index.php?$args; }
  location ~ \\.php$ {
    include snippets/fastcgi-php.conf;
    fastcgi_pass 127.0.0.1:9000;
  }
}
`;
    // Debian's files (the stock copies are theirs, without the comments).
    const files = new Map([
      ['/etc/nginx/sites-available/wp', site],
      ['/etc/nginx/snippets/fastcgi-php.conf', STOCK_FILES['fastcgi-php.conf'] as string],
      ['/etc/nginx/fastcgi.conf', STOCK_FILES['fastcgi.conf'] as string],
    ]);
    // Imported on its own (not through nginx.conf): nginx looks in its conf prefix, /etc/nginx.
    const own = runImport(emptyConfig(), { nginx: ['/etc/nginx/sites-available/wp'], uwsgi: [], source: memorySource(files) });
    const php = (own.config.sites?.[0]?.locations ?? [])[1]?.handler;
    assert.equal(php?.type, 'fastcgi');
    assert.equal(php?.type === 'fastcgi' && php.splitPathInfo, '^(.+?\\.php)(/.*)$');
    assert.deepEqual(php?.type === 'fastcgi' && php.params, {});
    assert.deepEqual(own.warnings.map((w) => w.directive), []);
    // Pasted into the dashboard (no file beside it): nginx's own copy, said in a note.
    const pasted = runImport(emptyConfig(), { nginx: ['/import/site.conf'], uwsgi: [], source: memorySource(new Map([['/import/site.conf', site]])) });
    assert.deepEqual(pasted.config.sites?.[0]?.locations?.[1]?.handler, php);
    assert.ok(pasted.warnings.length > 0);
    for (const w of pasted.warnings) assert.match(`${w.directive}: ${w.message}`, /^include: .*used nginx's stock (fastcgi-php|fastcgi)\.conf instead$/);
  });

  it('carries rewrite rules at server and location level, in order, with their flags', () => {
    const out = importText(`server { server_name a.test; rewrite ^(.*)$ https://b.test$1 permanent; }
server { server_name c.test; root /srv/c; location / { rewrite ^/x/(\\d+)$ /y?id=$1 last; rewrite "^/z{2}$" /zz; } error_page 404 /404.html; }`);
    const [a, c] = (out.config.sites ?? []) as BerthConfig['sites'];
    assert.deepEqual(a?.rewrites, [{ pattern: '^(.*)$', replacement: 'https://b.test$1', flag: 'permanent' }]);
    assert.equal(a?.locations, undefined);
    assert.equal(c?.locations?.[0]?.handler.type, 'static');
    assert.deepEqual(c?.locations?.[0]?.rewrites, [
      { pattern: '^/x/(\\d+)$', replacement: '/y?id=$1', flag: 'last' },
      { pattern: '^/z{2}$', replacement: '/zz' },
    ]);
    // error_page is carried over too (the site's error pages).
    assert.deepEqual(c?.errorPages, [{ codes: [404], target: '/404.html' }]);
    assert.deepEqual(out.warnings, []);
  });

  it('warns about rewrites nginx never runs or Berth cannot run, and keeps the rest', () => {
    const out = importText(`server { server_name a.test;
  rewrite ^/go$ /there last;
  rewrite ^/old$ /new permanent;
  return 404;
  rewrite ^/after$ /x;
}
server { server_name b.test;
  location / {
    rewrite ^/(?>a+)$ /b;
    rewrite ^/a$ /b sometimes;
    rewrite ^/keep$ /kept;
    return 403;
    rewrite ^/late$ /x;
  }
}`);
    const [a, b] = (out.config.sites ?? []) as BerthConfig['sites'];
    assert.deepEqual(a?.rewrites, [{ pattern: '^/old$', replacement: '/new', flag: 'permanent' }]);
    assert.deepEqual(a?.locations?.[0]?.handler, { type: 'return', status: 404, body: '' });
    assert.deepEqual(b?.locations?.[0]?.rewrites, [{ pattern: '^/keep$', replacement: '/kept' }]);
    assert.deepEqual(b?.locations?.[0]?.handler, { type: 'return', status: 403, body: '' });
    const byLine = out.warnings.map((w) => [w.line, w.message.replace(/:.*$/, '')]);
    assert.deepEqual(byLine.map(([l]) => l), [2, 5, 9, 10, 13]);
    assert.match(out.warnings[0]?.message ?? '', /answers every request of this server with its return/);
    assert.match(out.warnings[1]?.message ?? '', /never runs: the return before it answers first/);
    assert.match(out.warnings[2]?.message ?? '', /atomic group `\(\?>…\)` is PCRE-only/);
    assert.match(out.warnings[3]?.message ?? '', /cannot read "rewrite \^\/a\$ \/b sometimes"/);
    assert.match(out.warnings[4]?.message ?? '', /never runs/);
  });

  it('reads error_page as nginx does: codes, `=`/`=CODE`, URI or URL targets; a location\'s own list replaces the site\'s; *_intercept_errors per module', () => {
    // The stock server block of CentOS/Fedora and nginx.org packages.
    const out = importText(`http {
  error_page 404 /http-404.html;
  upstream api { server 127.0.0.1:3000; }
  server {
    listen 8080; server_name e.test; root /srv/e;
    error_page 404 /404.html;
    error_page 500 502 503 504 /50x.html;
    location = /50x.html { internal; }
    location /ok/ { error_page 404 =200 /empty.gif; error_page 403 = /fallback?from=$uri; error_page 410 =301 https://example.test/gone; }
    location /api/ { proxy_pass http://api; proxy_intercept_errors on; }
    location /py/ { uwsgi_pass 127.0.0.1:8001; uwsgi_intercept_errors on; proxy_intercept_errors on; }
    location /php/ { fastcgi_pass 127.0.0.1:9000; }
    location /hidden/ { deny all; error_page 403 /403.html; }
  }
  server { listen 8080; server_name inherit.test; root /srv/i; fastcgi_intercept_errors on; location ~ \\.php$ { fastcgi_pass 127.0.0.1:9000; } }
}`);
    assert.deepEqual(out.issues, []);
    const [e, inherit] = (out.valid as BerthConfig).sites;
    assert.deepEqual(e?.errorPages, [{ codes: [404], target: '/404.html' }, { codes: [500, 502, 503, 504], target: '/50x.html' }]);
    const byPath = new Map(e?.locations.map((l) => [l.match.path, l]));
    assert.equal(byPath.get('/50x.html')?.internal, true);
    assert.equal(byPath.get('/50x.html')?.errorPages, undefined, 'no list of its own: the site\'s apply');
    assert.deepEqual(byPath.get('/ok/')?.errorPages, [
      { codes: [404], target: '/empty.gif', response: 200 },
      { codes: [403], target: '/fallback?from=$uri', response: 'page' },
      { codes: [410], target: 'https://example.test/gone', response: 301 },
    ]);
    assert.deepEqual([...byPath.values()].map((l) => [l.match.path, l.interceptErrors]), [
      ['/50x.html', false], ['/ok/', false], ['/api/', true], ['/py/', true], ['/php/', false], ['/hidden/', false],
    ]);
    assert.deepEqual(byPath.get('/hidden/'), { match: { kind: 'prefix', path: '/hidden/' }, handler: { type: 'return', status: 403, body: '' }, internal: false, errorPages: [{ codes: [403], target: '/403.html' }], interceptErrors: false });
    // Inherited from the server, and http's error_page by the server without its own list, as nginx merges them.
    assert.equal(inherit?.locations[0]?.interceptErrors, true);
    assert.deepEqual(inherit?.errorPages, [{ codes: [404], target: '/http-404.html' }]);
    // A switch of another module does nothing.
    assert.deepEqual(out.warnings.map((w) => [w.line, w.directive, w.message]), [[11, 'proxy_intercept_errors', 'has no effect here in Berth; not carried over']]);
  });

  it('leaves out what nginx refuses in error_page, named locations and the statuses answered before a site is chosen, with a warning each', () => {
    const out = importText(`server { listen 8080; server_name w.test; root /srv/w;
  error_page 404 @fallback;
  error_page 499 /x.html;
  error_page 200 /x.html;
  error_page = /x.html;
  error_page 404 =abc /x.html;
  error_page 404 =204 /x.html;
  error_page /only-target;
  error_page 497 https://$host$request_uri;
  error_page 497 500 /50x.html;
  recursive_error_pages on;
}`);
    assert.deepEqual(out.issues, []);
    assert.deepEqual((out.valid as BerthConfig).sites[0]?.errorPages, [{ codes: [500], target: '/50x.html' }]);
    assert.deepEqual(out.warnings.map((w) => [w.line, w.directive]), [
      [2, 'error_page'], [3, 'error_page'], [4, 'error_page'], [5, 'error_page'], [6, 'error_page'], [7, 'error_page'], [8, 'error_page'], [9, 'error_page'], [10, 'error_page'], [11, 'recursive_error_pages'],
    ], out.warnings.map(formatWarning).join('\n'));
    assert.match(out.warnings[0]?.message ?? '', /named location/);
    assert.match(out.warnings[8]?.message ?? '', /497 is plain HTTP on an HTTPS port/);
  });


  it('reads access rules, basic auth, rate limits and TLS (certificate paths become a warning)', () => {
    const out = importText(`http {
  limit_req_zone $binary_remote_addr zone=one:10m rate=30r/m;
  server {
    listen 8443 ssl http2; server_name secure.test; root /srv/s;
    ssl_certificate /etc/ssl/s.crt; ssl_certificate_key /etc/ssl/s.key;
    add_header Strict-Transport-Security "max-age=600" always;
    allow 127.0.0.1; deny all;
    auth_basic "Team"; auth_basic_user_file /etc/htpasswd;
    limit_req zone=one burst=5 nodelay;
    client_max_body_size 10m;
  }
  server { server_name secure.test; return 301 https://$host$request_uri; }
}`);
    const site = (out.config.sites as BerthConfig['sites'])[0];
    assert.equal(out.config.sites?.length, 1, 'the HTTP→HTTPS server became redirectHttp');
    assert.deepEqual(site?.tls, { certificate: 'auto', hstsMaxAgeS: 600, redirectHttp: true });
    assert.deepEqual(site?.listen, [{ port: 8443, tls: true, http2: true }]);
    assert.deepEqual(site?.access, { rules: [{ action: 'allow', source: '127.0.0.1' }, { action: 'deny', source: 'all' }], basicAuth: { realm: 'Team', htpasswdFile: '/etc/htpasswd' } });
    assert.deepEqual(site?.limits, { maxBodyBytes: 10 * 1024 * 1024, rateLimit: { perSecond: 0.5, burst: 5, nodelay: true } });
    assert.deepEqual(out.warnings.map((w) => w.directive), ['ssl_certificate']);
    assert.match(out.warnings[0]?.message ?? '', /\/etc\/ssl\/s\.crt.*\/etc\/ssl\/s\.key.*tls: auto/);
  });

  it('a location\'s allow/deny rules are one ordered list, compared whole with the site\'s', () => {
    const out = importText(`server { server_name r.test; root /srv/r; allow 127.0.0.1; deny all;
  location /same/ { allow 127.0.0.1; deny all; }
  location /admin/ { deny all; }
  location /swapped/ { deny all; allow 127.0.0.1; }
}`);
    const byPath = new Map(((out.config.sites as BerthConfig['sites'])[0]?.locations ?? []).map((l) => [l.match.path, l.handler]));
    assert.equal(byPath.get('/same/')?.type, 'static');
    // Its own list replaces the site's in nginx: everyone is refused there, the site's allow notwithstanding.
    assert.deepEqual(byPath.get('/admin/'), { type: 'return', status: 403 });
    assert.deepEqual(out.warnings.map((w) => [w.line, w.directive]), [[4, 'deny'], [4, 'allow']], out.warnings.map(formatWarning).join('\n'));
  });

  it('listen on IPv4 and IPv6 for one port is one listen entry', () => {
    const out = importText(`server { listen 8080 default_server; listen [::]:8080 default_server; listen 8443 ssl; listen [::]:8443 ssl http2; server_name v.test; root /srv/v; }`);
    assert.deepEqual((out.config.sites as BerthConfig['sites'])[0]?.listen, [{ port: 8080, defaultServer: true }, { port: 8443, tls: true, http2: true }]);
    assert.deepEqual(out.warnings, []);
  });

  it('a location that denies everyone becomes a 403 location; one that lets some clients in stays a warning', () => {
    // Debian's default site and Laravel's recipe hide files this way; dropped, the rule would have served them.
    const out = importText(`server { server_name d.test; root /srv/d;
  location ~ /\\.ht { deny all; }
  location ~ /\\.(?!well-known).* { deny 10.0.0.0/8; deny all; root /elsewhere; }
  location /admin/ { allow 127.0.0.1; deny all; }
  location /team/ { satisfy any; deny all; auth_basic "Team"; auth_basic_user_file /etc/htpasswd; }
  location /moved { deny all; return 301 /new; }
}`);
    const locations = (out.config.sites as BerthConfig['sites'])[0]?.locations ?? [];
    const byPath = new Map(locations.map((l) => [l.match.path, l.handler]));
    assert.deepEqual(byPath.get('/\\.ht'), { type: 'return', status: 403 });
    assert.deepEqual(byPath.get('/\\.(?!well-known).*'), { type: 'return', status: 403 });
    assert.equal(byPath.get('/admin/')?.type, 'static');
    assert.equal(byPath.get('/team/')?.type, 'static');
    assert.deepEqual(byPath.get('/moved'), { type: 'return', status: 301, body: '/new' });
    assert.ok(out.warnings.every((w) => w.line !== 2 && w.line !== 3), 'the 403 locations carry over whole');
    assert.deepEqual(
      out.warnings.map((w) => [w.line, w.directive]),
      [[4, 'allow'], [4, 'deny'], [5, 'satisfy'], [5, 'deny'], [5, 'auth_basic'], [5, 'auth_basic_user_file'], [6, 'deny']],
      out.warnings.map(formatWarning).join('\n'),
    );
  });

  it('`internal;` marks the location internal (the X-Accel-Redirect recipe); outside a location it is a warning', () => {
    const out = importText(`server { server_name x.test; root /srv/x; internal;
  location /protected/ { internal; alias /srv/files/; }
  location /hidden/ { internal; deny all; }
  location / { proxy_pass http://127.0.0.1:8000; }
}`);
    const locations = (out.config.sites as BerthConfig['sites'])[0]?.locations ?? [];
    assert.deepEqual(
      locations.map((l) => [l.match.path, l.internal === true]),
      [['/protected/', true], ['/hidden/', true], ['/', false]],
    );
    assert.deepEqual(locations[0]?.handler, { type: 'static', alias: '/srv/files/', compress: false });
    assert.deepEqual(out.warnings.map((w) => [w.line, w.directive]), [[1, 'internal']], out.warnings.map(formatWarning).join('\n'));
    const exported = [...exportBundle(configSchema.parse(out.config), { logDir: '/var/log/berth', certDir: '/etc/berth/certs' }).files.values()].find((text) => text.includes('location /protected/'));
    assert.match(exported ?? '', /location \/protected\/ \{\n\s+internal;\n\s+alias \/srv\/files\/;/);
  });
});

describe('export', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-export-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a TLS site with no listen on the stack ports and imports it back as "no listen" (the first-run demo)', () => {
    const config = configSchema.parse({
      schemaVersion: 1,
      settings: { httpPort: 8080, httpsPort: 8443 },
      sites: [{ id: 'welcome', names: ['welcome.localhost'], root: '/srv/w', tls: { certificate: 'auto' } }],
    });
    const { files } = exportBundle(config);
    const conf = files.get('sites/welcome.conf') ?? '';
    assert.match(conf, /# berth: listen=default http=8080 https=8443\n {4}listen 8080;\n {4}listen 8443 ssl http2;\n/);
    const out = join(dir, 'implicit-tls');
    writeBundle(out, files);
    assert.deepEqual(configSchema.parse(importExported(out).config).sites, config.sites);
    // Edited ports no longer match the marker: the listens stay as written.
    writeFileSync(join(out, 'sites', 'welcome.conf'), conf.replace('listen 8443 ssl http2;', 'listen 9443 ssl http2;'));
    assert.deepEqual(configSchema.parse(importExported(out).config).sites[0]?.listen, [
      { port: 8080, tls: false, http2: true, defaultServer: false },
      { port: 9443, tls: true, http2: true, defaultServer: false },
    ]);
  });

  it('writes a plain site with no listen on the stack\'s HTTP port (not nginx\'s 80) and imports it back as "no listen"', () => {
    const config = configSchema.parse({ schemaVersion: 1, settings: { httpPort: 8081, httpsPort: 8443 }, sites: [{ id: 'plain', names: ['plain.localhost'], root: '/srv/p' }] });
    const { files } = exportBundle(config);
    assert.match(files.get('sites/plain.conf') ?? '', /server \{\n {4}# berth: listen=default http=8081 https=8443\n {4}listen 8081;\n {4}server_name plain\.localhost;/);
    const out = join(dir, 'implicit-plain');
    writeBundle(out, files);
    const back = importExported(out);
    assert.deepEqual(configSchema.parse(back.config).sites, config.sites);
    assert.deepEqual(back.warnings.filter((w) => w.directive === 'listen'), []);
  });

  it('app locations do what Berth\'s app handler does: HTTP apps keep the Host, get X-Forwarded-*/Forwarded and WebSockets; php-fpm apps run from the app\'s folder', () => {
    const config = configSchema.parse({
      schemaVersion: 1,
      apps: [
        { id: 'web', runtime: 'node', workingDir: '/srv/web', entry: 'server.mjs', socket: '127.0.0.1:3000' },
        { id: 'php', runtime: 'php-fpm', workingDir: '/srv/php', socket: '127.0.0.1:9000' },
        { id: 'py', runtime: 'uwsgi', workingDir: '/srv/py', entry: 'run:app', socket: '127.0.0.1:8001' },
      ],
      sites: [{ id: 'a', names: ['a.localhost'], root: '/srv/site', listen: [{ port: 8080 }], locations: [
        { match: { kind: 'prefix', path: '/' }, handler: { type: 'app', app: 'web' } },
        { match: { kind: 'regex', path: '\\.php(/|$)' }, handler: { type: 'app', app: 'php' } },
        { match: { kind: 'prefix', path: '/py/' }, handler: { type: 'app', app: 'py' } },
      ] }],
    });
    const { files } = exportBundle(config);
    const conf = files.get('sites/a.conf') ?? '';
    const main = files.get('nginx.conf') ?? '';
    const lines = conf.split('\n');
    const block = (head: string) => {
      const at = lines.indexOf(`    location ${head} {`);
      return at < 0 ? null : lines.slice(at + 1, lines.indexOf('    }', at)).map((l) => l.trim().replace(/;$/, ''));
    };
    assert.deepEqual(block('/'), [
      'proxy_pass http://berth_app_web',
      'proxy_http_version 1.1',
      'proxy_set_header Upgrade $http_upgrade',
      'proxy_set_header Connection $connection_upgrade',
      'proxy_set_header X-Real-IP $remote_addr',
      'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for',
      'proxy_set_header X-Forwarded-Proto $scheme',
      'proxy_set_header X-Forwarded-Host $http_host',
      'proxy_set_header Forwarded $berth_forwarded',
      'proxy_set_header Host $http_host',
    ]);
    assert.match(main, /map \$http_upgrade \$connection_upgrade \{/);
    assert.match(main, /map \$http_forwarded \$berth_forwarded \{/);
    assert.match(main, /upstream berth_app_web \{\n {8}server 127\.0\.0\.1:3000;\n {8}keepalive 32;\n {4}\}/);
    assert.match(main, /upstream berth_app_php \{\n {8}server 127\.0\.0\.1:9000;\n {4}\}/, 'Berth keeps no idle PHP-FPM connections');
    assert.deepEqual(block(String.raw`~ "\\.php(/|$)"`), [
      'include fastcgi_params',
      'root /srv/php',
      String.raw`fastcgi_split_path_info "^(.+?\\.php)(/.*)$"`,
      // Berth passes only scripts that exist: a missing one is nginx's 404 too, not PHP-FPM's answer.
      'try_files $fastcgi_script_name =404',
      'set $path_info $fastcgi_path_info',
      'fastcgi_param PATH_INFO $path_info',
      'fastcgi_index index.php',
      'fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name',
      'fastcgi_pass berth_app_php',
    ]);
    assert.deepEqual(block('/py/'), ['include uwsgi_params', 'uwsgi_pass berth_app_py']);
    const out = join(dir, 'apps');
    writeBundle(out, files);
    const back = importExported(out);
    assert.deepEqual(configSchema.parse(back.config).sites, config.sites);
    assert.deepEqual(back.warnings.filter((w) => /sites\//.test(w.file) && w.directive !== 'access_log').map(formatWarning), []);
  });

  it('redirectHttp: the site\'s HTTP ports go to the redirect server, which keeps a non-443 HTTPS port; the import puts them back in order', () => {
    const config = configSchema.parse({
      schemaVersion: 1,
      settings: { httpPort: 8080, httpsPort: 8443 },
      sites: [
        { id: 'r', names: ['r.localhost'], root: '/srv/r', listen: [{ port: 43080, defaultServer: true }, { port: 43443, tls: true }, { port: 43081 }], tls: { certificate: 'auto', redirectHttp: true } },
        { id: 'implicit', names: ['i.localhost'], root: '/srv/i', tls: { certificate: 'auto', redirectHttp: true } },
        { id: 'standard', names: ['s.test'], root: '/srv/s', listen: [{ port: 443, tls: true }, { port: 80 }], tls: { certificate: 'auto', redirectHttp: true } },
        { id: 'tls-only', names: ['t.localhost'], root: '/srv/t', listen: [{ port: 44443, tls: true }], tls: { certificate: 'auto', redirectHttp: true } },
      ],
    });
    const { files, notes } = exportBundle(config);
    const server = (conf: string, which: 0 | 1) => conf.split(/^# berth: redirect-for=\S+/m)[which] ?? '';
    const listensOf = (text: string) => [...text.matchAll(/^ {4}listen (.*);$/gm)].map((m) => m[1]);
    const returnOf = (text: string) => /^ {4}return (.*);$/m.exec(text)?.[1];
    const r = files.get('sites/r.conf') ?? '';
    assert.deepEqual(listensOf(server(r, 0)), ['43443 ssl http2']);
    assert.deepEqual(listensOf(server(r, 1)), ['43080 default_server', '43081']);
    assert.equal(returnOf(server(r, 1)), '301 https://$host:43443$request_uri');
    assert.match(r, /# berth: redirect-for=r listen-at=0,2\n/);
    const implicit = files.get('sites/implicit.conf') ?? '';
    assert.deepEqual([listensOf(server(implicit, 0)), listensOf(server(implicit, 1))], [['8443 ssl http2'], ['8080']]);
    assert.equal(returnOf(server(implicit, 1)), '301 https://$host:8443$request_uri');
    const standard = files.get('sites/standard.conf') ?? '';
    assert.deepEqual([listensOf(server(standard, 0)), listensOf(server(standard, 1))], [['443 ssl http2'], ['80']]);
    assert.equal(returnOf(server(standard, 1)), '301 https://$host$request_uri', 'https on 443 needs no port');
    // No HTTP port: Berth redirects nothing; nginx's port 80 (no listen) gets the redirect, said in a note.
    const tlsOnly = files.get('sites/tls-only.conf') ?? '';
    assert.deepEqual(listensOf(server(tlsOnly, 1)), []);
    assert.equal(returnOf(server(tlsOnly, 1)), '301 https://$host:44443$request_uri');
    assert.ok(notes.some((n) => /site tls-only: redirectHttp is on but the site has no HTTP port/.test(n)));
    const out = join(dir, 'redirects');
    writeBundle(out, files);
    assert.deepEqual(configSchema.parse(importExported(out).config).sites, config.sites);
  });

  it('a hand-written HTTP→HTTPS server becomes redirectHttp with its ports; one to another port stays a site', () => {
    const importText = (text: string) => runImport(emptyConfig(), { nginx: ['/etc/nginx/nginx.conf'], uwsgi: [], source: memorySource(new Map([['/etc/nginx/nginx.conf', text]])) });
    const tlsServer = 'server { listen 8443 ssl; server_name a.test; root /srv/a; ssl_certificate /c.pem; ssl_certificate_key /k.pem; }';
    const merged = configSchema.parse(importText(`${tlsServer}\nserver { listen 8080; server_name a.test; return 301 https://$host:8443$request_uri; }`).config);
    assert.equal(merged.sites.length, 1);
    assert.deepEqual(merged.sites[0]?.listen.map((l) => [l.port, l.tls]), [[8443, true], [8080, false]]);
    assert.equal(merged.sites[0]?.tls?.redirectHttp, true);
    const elsewhere = configSchema.parse(importText(`${tlsServer}\nserver { listen 8080; server_name a.test; return 301 https://$host:9443$request_uri; }`).config);
    assert.deepEqual(elsewhere.sites.map((s) => [s.id, s.tls?.redirectHttp ?? null]), [['a-test', false], ['a-test-2', null]]);
  });

  it('exports error pages and intercept switches back to nginx text that imports as the same config', () => {
    const config = configSchema.parse({
      schemaVersion: 1,
      upstreams: [{ id: 'api', servers: [{ address: '127.0.0.1:3000' }] }, { id: 'py', protocol: 'uwsgi', servers: [{ address: '127.0.0.1:8001' }] }],
      apps: [{ id: 'php', runtime: 'php-fpm', workingDir: '/srv/php', socket: '127.0.0.1:9000' }],
      sites: [{
        id: 'e', names: ['e.localhost'], root: '/srv/e', listen: [{ port: 8080 }],
        errorPages: [{ codes: [404], target: '/404.html' }, { codes: [500, 502, 503, 504], target: '/50x.html' }],
        locations: [
          { match: { kind: 'exact', path: '/50x.html' }, handler: { type: 'static' }, internal: true },
          { match: { kind: 'prefix', path: '/api/' }, handler: { type: 'proxy', upstream: 'api' }, interceptErrors: true, errorPages: [{ codes: [404], target: '/api-404 page.html', response: 'page' }, { codes: [401], target: 'https://login.example.test/?next=$request_uri', response: 303 }] },
          { match: { kind: 'prefix', path: '/py/' }, handler: { type: 'uwsgi', upstream: 'py' }, interceptErrors: true },
          { match: { kind: 'regex', path: '\\.php$' }, handler: { type: 'app', app: 'php' }, interceptErrors: true },
        ],
      }],
    });
    const { files } = exportBundle(config);
    const conf = files.get('sites/e.conf') ?? '';
    assert.match(conf, /\n {4}error_page 404 \/404\.html;\n {4}error_page 500 502 503 504 \/50x\.html;\n/);
    assert.match(conf, /error_page 404 = "\/api-404 page\.html";\n {8}error_page 401 =303 https:\/\/login\.example\.test\/\?next=\$request_uri;\n {8}proxy_intercept_errors on;\n {4}\}/);
    assert.match(conf, /uwsgi_pass py;\n(?: {8}.*\n)* {8}uwsgi_intercept_errors on;/);
    assert.match(conf, /fastcgi_pass berth_app_php;\n {8}fastcgi_intercept_errors on;/);
    const out = join(dir, 'error-pages');
    writeBundle(out, files);
    const back = importExported(out);
    assert.deepEqual(configSchema.parse(back.config).sites, config.sites);
    assert.deepEqual(back.warnings.filter((w) => /sites\//.test(w.file) && w.directive !== 'access_log').map(formatWarning), []);
  });

  it('a rate nginx cannot express is written as the nearest one it can, and the note says which', () => {
    const site = (id: string, perSecond: number) => ({ id, names: [`${id}.localhost`], root: '/srv/x', limits: { rateLimit: { perSecond } } });
    const config = configSchema.parse({ schemaVersion: 1, sites: [site('slow', 0.001), site('odd', 0.5083), site('half', 0.5)] });
    const { files, notes } = exportBundle(config);
    const rates = [...(files.get('nginx.conf') ?? '').matchAll(/zone=site_(\w+):10m rate=(\S+);/g)].map((m) => `${m[1]} ${m[2]}`);
    assert.deepEqual(rates, ['slow 1r/m', 'odd 30r/m', 'half 30r/m']);
    assert.deepEqual(notes.filter((n) => /rate/.test(n)), [
      'site slow: rate 0.001/s is 0.06 requests a minute, below 1r/m, the slowest rate nginx can express; written as 1r/m, which lets more requests through',
      'site odd: rate 0.5083/s rounded to 30r/m (nginx counts whole requests per minute)',
    ]);
  });

  it('matches the golden files for the seed 004 import', () => {
    const out = runImport(emptyConfig(), { nginx: [join(seeds, '004-br_api.conf')], uwsgi: [join(seeds, '004-uwsgi.ini')], source: diskSource, portMap: new Map([[80, 8080]]) });
    const { files } = exportBundle(out.valid as BerthConfig, { banner: '# Generated by Berth (golden).' });
    const golden = join(testdata, 'golden', 'seed-004');
    for (const name of ['nginx.conf', 'sites/127-0-0-1.conf', 'uwsgi/br_api.ini', 'systemd/berth-br_api.service']) {
      const path = join(golden, name);
      if (process.env.BERTH_UPDATE_GOLDEN === '1') {
        mkdirSync(join(path, '..'), { recursive: true });
        writeFileSync(path, files.get(name) ?? '');
      }
      assert.equal(files.get(name), readFileSync(path, 'utf8'), `${name} differs from ${path} (BERTH_UPDATE_GOLDEN=1 rewrites it)`);
    }
  });

  it('round-trips: import(export(config)) == config over 40 generated configs, and nginx -t accepts each export', (t) => {
    const certDir = join(dir, 'certs');
    const logDir = join(dir, 'logs');
    mkdirSync(logDir, { recursive: true });
    if (NGINX && OPENSSL) {
      mkdirSync(join(certDir, 'x'), { recursive: true });
      execFileSync(OPENSSL, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=berth-test', '-keyout', join(certDir, 'x', 'privkey.pem'), '-out', join(certDir, 'x', 'fullchain.pem')], { stdio: 'ignore' });
    } else {
      t.diagnostic(`nginx -t not run: ${NGINX ? 'openssl' : 'nginx'} is not installed (apt-get install nginx openssl)`);
    }
    let checked = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const config = generateConfig(seed);
      const out = join(dir, `seed-${seed}`);
      writeBundle(out, exportBundle(config, { logDir, certDir }).files);
      const back = importExported(out);
      const again = configSchema.parse(back.config);
      // Apps come back from their uwsgi.ini; other runtimes are systemd units and php-fpm pools (not read back).
      const reimported = config.apps.filter((a) => a.runtime === 'wsgi' || a.runtime === 'uwsgi');
      assert.deepEqual({ sites: again.sites, upstreams: again.upstreams, apps: again.apps }, { sites: config.sites, upstreams: config.upstreams, apps: reimported }, `seed ${seed}`);
      // Every line the export writes in a location is read back: warnings only for the nginx-only settings.
      const nginxOnly = new Set(['worker_processes', 'error_log', 'events', 'sendfile', 'server_tokens', 'types_hash_max_size', 'types', 'access_log', 'ssl_certificate', 'chmod-socket', 'vacuum', 'die-on-term', 'master', 'home', 'py-autoreload', 'enable-threads']);
      assert.deepEqual(back.warnings.filter((w) => !nginxOnly.has(w.directive)).map(formatWarning), [], `seed ${seed}`);
      if (NGINX && OPENSSL) {
        for (const s of config.sites) {
          if (s.tls) cpSync(join(certDir, 'x'), join(certDir, s.tls.certificate === 'auto' ? s.id : s.tls.certificate), { recursive: true });
        }
        const r = spawnSync(NGINX, ['-t', '-q', '-c', join(out, 'nginx.conf'), '-p', out, '-g', `pid ${join(out, 'nginx.pid')};`], { encoding: 'utf8' });
        assert.equal(r.status, 0, `nginx -t refused seed ${seed}:\n${r.stderr}`);
        checked++;
      }
    }
    if (NGINX) console.log(`nginx -t accepted ${checked}/40 generated exports`);
  });
});
