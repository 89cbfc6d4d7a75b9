// Differential conformance for the reverse proxy and the access phase: request headers the
// upstream sees (Host, X-Forwarded-*, hop-by-hop), large bodies both ways, upstream statuses,
// 502/504, balancing order (weights, least_conn, ip_hash, backup, down), allow/deny, basic auth
// with an `htpasswd -B` file, client_max_body_size (Content-Length and chunked), limit_req, and
// nginx's phase order (`return` answers before limit_req, allow/deny and auth_basic), `internal`
// locations and X-Accel-Redirect (the "sendfile through nginx" pattern). A second corpus runs
// limit_req with two workers on each side: both share one zone.
// Real nginx and Berth (the same config imported) proxy to the same upstreams (upstream.ts).
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { differentialSuite, freePort, NGINX_MISSING, noDifferences, type CorpusCase } from './harness.js';
import { pattern } from './upstream.js';

const HTPASSWD_BIN = ['/usr/bin/htpasswd', '/usr/sbin/htpasswd'].find((p) => existsSync(p)) ?? null;

interface Ports {
  a: number;
  b: number;
  c: number;
  dead: number;
}

function configFor(port: number, u: Ports, root: string): string {
  const pass = `proxy_pass http://127.0.0.1:${u.a};`;
  return `http {
    include mime.types;
    default_type application/octet-stream;
    access_log off;

    upstream weighted { server 127.0.0.1:${u.a} weight=3; server 127.0.0.1:${u.b}; server 127.0.0.1:${u.c} down; }
    upstream fewest { least_conn; server 127.0.0.1:${u.a}; server 127.0.0.1:${u.b}; }
    upstream sticky { ip_hash; server 127.0.0.1:${u.a}; server 127.0.0.1:${u.b}; server 127.0.0.1:${u.c}; }
    upstream spare { server 127.0.0.1:${u.dead} max_fails=1 fail_timeout=30s; server 127.0.0.1:${u.c} backup; }
    upstream pooled { server 127.0.0.1:${u.b}; keepalive 4; }

    limit_req_zone $binary_remote_addr zone=slow:1m rate=1r/m;

    server {
        listen ${port} default_server;
        server_name conf.test;
        location = / { return 200 "ready"; }
    }
    server {
        listen ${port};
        server_name proxy.test;
        client_max_body_size 20m;
        location /plain/ { ${pass} }
        location /recipe/ {
            proxy_pass http://127.0.0.1:${u.a}/;
            proxy_http_version 1.1;
            proxy_set_header Host $host;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Set-By-Proxy "yes";
        }
        location /vars/ {
            ${pass}
            proxy_set_header Host $http_host;
            proxy_set_header X-Custom "$arg_q|$cookie_b|$http_user_agent|$server_protocol|$request_method";
        }
        location /pool/ {
            proxy_pass http://pooled;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
        location /grp/ { proxy_pass http://pooled/base/; proxy_http_version 1.1; proxy_set_header Connection ""; }
        location /dead/ { proxy_pass http://127.0.0.1:${u.dead}; }
        location /inner/ { proxy_pass http://127.0.0.1:${u.a}/deep/; }
        location /timeout/ { ${pass} proxy_read_timeout 1s; }
    }
    server {
        listen ${port};
        server_name lb.test;
        location /lb/ { proxy_pass http://weighted; }
        location /fewest/ { proxy_pass http://fewest; }
        location /sticky/ { proxy_pass http://sticky; }
        location /backup/ { proxy_pass http://spare; }
    }
    server {
        listen ${port};
        server_name deny.test;
        deny 127.0.0.1;
        allow all;
        location / { ${pass} }
        location = /ret { return 200 "return runs before the access phase"; }
    }
    server {
        listen ${port};
        server_name allow.test;
        allow 10.0.0.0/8;
        allow 127.0.0.0/8;
        deny all;
        location / { ${pass} }
    }
    server {
        listen ${port};
        server_name auth.test;
        auth_basic "Staff only";
        auth_basic_user_file ${root}/htpasswd;
        location / { ${pass} }
        location = /ret { return 200 "return runs before auth_basic"; }
    }
    server {
        listen ${port};
        server_name small.test;
        client_max_body_size 1k;
        root ${root}/site;
        location / { ${pass} }
        location /files/ { }
    }
    server {
        listen ${port};
        server_name xaccel.test;
        root ${root}/site;
        location /xa/ { ${pass} }
        location /protected/ { internal; alias ${root}/protected/; }
        location /int-echo/ { internal; ${pass} }
        location /int-loop/ { internal; ${pass} }
        location = /int-ret { internal; return 200 "args=$args method=$request_method"; }
        location /spa/ { try_files $uri /int-ret; }
    }
    server {
        listen ${port};
        server_name rate.test;
        limit_req zone=slow;
        location / { proxy_pass http://127.0.0.1:${u.a}; }
        location = /ret { return 200 "return runs before limit_req"; }
    }
}
`;
}

const host = (h: string, more: Record<string, string> = {}) => ({ Host: h, ...more });
const basic = (user: string, password: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
const MiB = 1024 * 1024;
/** What nginx keeps of an X-Accel-Redirect answer (Set-Cookie, Content-Disposition) and drops. */
const XACCEL_HEADERS = ['set-cookie', 'content-disposition', 'x-dropped', 'x-accel-redirect'];

const corpus: CorpusCase[] = [
  // Request side: what the upstream sees.
  { name: 'proxy: default headers', path: '/plain/echo?q=1', headers: host('proxy.test') },
  { name: 'proxy: client X-Forwarded-For and a custom header', path: '/plain/echo', headers: host('proxy.test', { 'X-Forwarded-For': '10.1.2.3', 'X-Custom': 'passed', 'User-Agent': 'corpus/1' }) },
  { name: 'proxy: the usual proxy_set_header recipe', path: '/recipe/echo/a%20b?x=y', headers: host('proxy.test', { 'X-Forwarded-For': '10.1.2.3' }) },
  {
    name: 'proxy: hop-by-hop request headers',
    path: '/plain/echo',
    headers: host('proxy.test', { Connection: 'close, X-Named-By-Connection', 'X-Named-By-Connection': 'secret', 'Keep-Alive': 'timeout=5', TE: 'trailers', 'Proxy-Connection': 'keep-alive', Cookie: 'k=v' }),
  },
  { name: 'proxy: keepalive pool (Connection "")', path: '/pool/echo', headers: host('proxy.test') },
  { name: 'proxy: an upstream group with a URI part replaces the location prefix', path: '/grp/echo?q=1', headers: host('proxy.test') },
  { name: 'proxy: 4 MiB upload with Content-Length', method: 'POST', path: '/plain/echo', headers: host('proxy.test', { 'Content-Type': 'application/octet-stream' }), body: pattern(4 * MiB) },
  { name: 'proxy: small chunked upload', method: 'POST', path: '/plain/echo', headers: host('proxy.test'), body: pattern(2000), chunked: true },
  { name: 'proxy: 4 MiB chunked upload', method: 'PUT', path: '/plain/echo', headers: host('proxy.test'), body: pattern(4 * MiB), chunked: true },
  { name: 'proxy: small form POST', method: 'POST', path: '/recipe/echo', headers: host('proxy.test', { 'Content-Type': 'application/x-www-form-urlencoded' }), body: Buffer.from('a=1&b=2') },
  // Response side.
  { name: 'proxy: 8 MiB download', path: '/plain/big?n=8388608', headers: host('proxy.test') },
  { name: 'proxy: HEAD of a download', method: 'HEAD', path: '/plain/big?n=1000', headers: host('proxy.test') },
  { name: 'proxy: chunked response', path: '/plain/chunked', headers: host('proxy.test') },
  { name: 'proxy: hop-by-hop and hidden response headers', path: '/plain/hop', headers: host('proxy.test'), compareHeaders: ['x-named-by-connection', 'keep-alive', 'x-accel-buffering', 'x-pad', 'x-end-to-end', 'set-cookie'] },
  { name: 'proxy: proxy_set_header with $http_host, $arg_, $cookie_, $http_ variables', path: '/vars/echo?a=0&q=seven', headers: { Host: 'proxy.test:81', Cookie: 'a=1; b=two', 'User-Agent': 'corpus/1' } },
  { name: 'proxy: proxy_set_header variables that are absent', path: '/vars/echo', headers: host('proxy.test') },
  { name: 'proxy: upstream 404 passes through', path: '/plain/status/404', headers: host('proxy.test') },
  { name: 'proxy: upstream 302 with a relative Location', path: '/plain/status/302', headers: host('proxy.test') },
  { name: 'proxy: upstream 204', path: '/plain/status/204', headers: host('proxy.test') },
  { name: 'proxy: an encoded slash in the path is passed on as sent (GitLab group%2Fproject, npm @scope%2Fname)', path: '/plain/echo/group%2Fproject/@scope%2fname', headers: host('proxy.test') },
  { name: 'proxy: an encoded slash with proxy_pass URI is decoded, as nginx does', path: '/recipe/echo/a%2Fb', headers: host('proxy.test') },
  { name: 'proxy: proxy_redirect default, proxy_pass without a URI', path: '/plain/to-self', headers: host('proxy.test'), compareHeaders: ['refresh'] },
  { name: 'proxy: proxy_redirect default, proxy_pass with a URI', path: '/inner/to-self', headers: host('proxy.test'), compareHeaders: ['refresh'] },
  { name: 'proxy: an upstream redirect naming another host passes untouched', path: '/recipe/to-self', headers: host('proxy.test'), compareHeaders: ['refresh'] },
  { name: 'proxy: a proxied prefix location without its slash redirects to it (auto_redirect)', path: '/plain?x=1', headers: host('proxy.test') },
  { name: 'proxy: auto_redirect before regex locations, not over an exact one', path: '/inner', headers: host('proxy.test') },
  { name: 'proxy: upstream 500 passes through', path: '/plain/status/500', headers: host('proxy.test') },
  { name: 'proxy: refused connection is 502', path: '/dead/x', headers: host('proxy.test') },
  { name: 'proxy: read timeout is 504', path: '/timeout/slow', headers: host('proxy.test') },
  // Balancing: the order of servers over consecutive requests.
  { name: 'balance: weights 3:1, a down server never chosen', path: '/lb/id', headers: host('lb.test'), repeat: 8 },
  { name: 'balance: least_conn, sequential requests', path: '/fewest/id', headers: host('lb.test'), repeat: 6 },
  { name: 'balance: ip_hash keeps one server', path: '/sticky/id', headers: host('lb.test'), repeat: 4 },
  { name: 'balance: backup after a refused primary', path: '/backup/id', headers: host('lb.test'), repeat: 3 },
  // internal locations and X-Accel-Redirect.
  { name: 'x-accel: a client request for an internal location is 404', path: '/protected/a.txt', headers: host('xaccel.test') },
  { name: 'x-accel: an internal proxied location without its slash is 404, not the auto-redirect', path: '/int-echo', headers: host('xaccel.test') },
  { name: 'x-accel: the upstream names an internal alias location: the file with its own type and validators', path: '/xa/xaccel', headers: host('xaccel.test'), compareHeaders: XACCEL_HEADERS },
  { name: 'x-accel: conditional GET on the redirected file', path: '/xa/xaccel', headers: host('xaccel.test'), previous: 'x-accel: the upstream names an internal alias location: the file with its own type and validators', fromPrevious: (p) => ({ 'If-None-Match': p.headers.etag ?? '' }), compareHeaders: XACCEL_HEADERS },
  { name: 'x-accel: the upstream Content-Type is kept over the file type', path: '/xa/xaccel?ct=application/pdf', headers: host('xaccel.test'), compareHeaders: XACCEL_HEADERS },
  { name: 'x-accel: any upstream status; its body is dropped', path: '/xa/xaccel?status=404&body=70000', headers: host('xaccel.test'), compareHeaders: XACCEL_HEADERS },
  { name: 'x-accel: HEAD stays HEAD', method: 'HEAD', path: '/xa/xaccel', headers: host('xaccel.test'), compareHeaders: XACCEL_HEADERS },
  { name: 'x-accel: a POST becomes a GET (the static file, not 405)', method: 'POST', path: '/xa/xaccel', headers: host('xaccel.test', { 'Content-Type': 'application/x-www-form-urlencoded' }), body: Buffer.from('a=1&b=2'), compareHeaders: XACCEL_HEADERS },
  { name: 'x-accel: the original args are dropped', path: '/xa/xaccel?to=/int-echo/y&q=1', headers: host('xaccel.test') },
  { name: 'x-accel: args come from the header value', path: `/xa/xaccel?to=${encodeURIComponent('/int-echo/x?z=2')}&q=1`, headers: host('xaccel.test') },
  { name: 'x-accel: a POST redirected to another upstream arrives as a GET', method: 'POST', path: '/xa/xaccel?to=/int-echo/p', headers: host('xaccel.test', { 'Content-Type': 'application/x-www-form-urlencoded' }), body: Buffer.from('a=1&b=2') },
  { name: 'x-accel: a return in an internal location sees GET and the new args', method: 'POST', path: `/xa/xaccel?to=${encodeURIComponent('/int-ret?k=v')}`, headers: host('xaccel.test'), body: Buffer.from('a=1') },
  { name: 'x-accel: try_files falls back to an internal location', path: '/spa/missing', headers: host('xaccel.test') },
  { name: 'x-accel: an unsafe value (..) is 404', path: `/xa/xaccel?to=${encodeURIComponent('/protected/../a.txt')}`, headers: host('xaccel.test'), compareHeaders: ['set-cookie'] },
  { name: 'x-accel: a named location Berth does not have is 500', path: '/xa/xaccel?to=@files', headers: host('xaccel.test'), compareHeaders: ['set-cookie'] },
  { name: 'x-accel: a redirection cycle stops with 500', path: '/xa/xaccel?to=/int-loop/x', headers: host('xaccel.test') },
  // Access rules.
  { name: 'access: deny 127.0.0.1 is 403', path: '/x', headers: host('deny.test') },
  { name: 'access: deny does not stop return (rewrite phase first)', path: '/ret', headers: host('deny.test') },
  { name: 'access: allow 127.0.0.0/8', path: '/echo', headers: host('allow.test') },
  { name: 'auth: no credentials is 401', path: '/echo', headers: host('auth.test') },
  { name: 'auth: wrong password is 401', path: '/echo', headers: host('auth.test', basic('alice', 'wrong')) },
  { name: 'auth: unknown user is 401', path: '/echo', headers: host('auth.test', basic('mallory', 'open sesame')) },
  { name: 'auth: right password (bcrypt) is 200', path: '/echo', headers: host('auth.test', basic('alice', 'open sesame')) },
  { name: 'auth: malformed Authorization is 401', path: '/echo', headers: host('auth.test', { Authorization: 'Basic !!!' }) },
  { name: 'auth: return is answered without credentials (rewrite phase first)', path: '/ret', headers: host('auth.test') },
  // Body limits.
  { name: 'limits: body under client_max_body_size', method: 'POST', path: '/echo', headers: host('small.test'), body: pattern(500) },
  { name: 'limits: body of exactly 1k', method: 'POST', path: '/echo', headers: host('small.test'), body: pattern(1024) },
  { name: 'limits: Content-Length over the limit is 413', method: 'POST', path: '/echo', headers: host('small.test'), body: pattern(2000) },
  { name: 'limits: chunked body over the limit is 413', method: 'POST', path: '/echo', headers: host('small.test'), body: pattern(2000), chunked: true },
  { name: 'limits: Content-Length over the limit on a static location', method: 'POST', path: '/files/a.txt', headers: host('small.test'), body: pattern(2000) },
  { name: 'limits: limit_req first request', path: '/id', headers: host('rate.test') },
  { name: 'limits: limit_req second request within the minute is 503', path: '/id', headers: host('rate.test') },
  { name: 'limits: return is not rate-limited (rewrite phase first)', path: '/ret', headers: host('rate.test'), repeat: 3 },
  { name: 'limits: limit_req still 503 after the returns', path: '/id', headers: host('rate.test') },
];

/** limit_req with two worker processes on both sides: nginx's zone and Berth's are shared by the workers. */
function sharedZoneConfig(port: number, upstream: number): string {
  return `http {
    access_log off;
    limit_req_zone $binary_remote_addr zone=shared:1m rate=1r/m;
    server {
        listen ${port} default_server;
        server_name conf.test;
        location = / { return 200 "ready"; }
    }
    server {
        listen ${port};
        server_name rate.test;
        limit_req zone=shared burst=3 nodelay;
        location / { proxy_pass http://127.0.0.1:${upstream}; }
    }
}
`;
}

// Each request on a new connection (Connection: close), so they spread over the workers.
const sharedZoneCorpus: CorpusCase[] = Array.from({ length: 7 }, (_, i) => ({
  name: `limits, 2 workers: burst=3 nodelay, request ${i + 1} on a new connection`,
  path: '/id',
  headers: host('rate.test'),
}));

/** The site's files and an `htpasswd -B` user file; the dead upstream's port. */
async function prepare(root: string): Promise<{ dead: number }> {
  mkdirSync(join(root, 'site', 'files'), { recursive: true });
  writeFileSync(join(root, 'site', 'files', 'a.txt'), 'a\n');
  mkdirSync(join(root, 'protected'));
  writeFileSync(join(root, 'protected', 'a.txt'), 'protected file\n');
  const made = spawnSync(HTPASSWD_BIN as string, ['-B', '-b', '-c', join(root, 'htpasswd'), 'alice', 'open sesame'], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`htpasswd -B failed: ${made.stderr}`);
  chmodSync(join(root, 'htpasswd'), 0o644); // nginx's worker may run as another user
  return { dead: await freePort() };
}

differentialSuite('differential conformance: Berth vs nginx (proxy, balancing, access, limits)', {
  skip: NGINX_MISSING || (HTPASSWD_BIN ? false : 'htpasswd is not installed (apt-get install apache2-utils)'),
  tmpPrefix: 'berth-conformance-proxy-',
  upstreams: ['a', 'b', 'c'],
  prepare,
  configFor: (port, { root, upstreams: [a, b, c], prepared }) => configFor(port, { a: a as number, b: b as number, c: c as number, dead: prepared.dead }, root),
  label: 'proxy, balancing, access, limits',
  corpus,
});

differentialSuite('differential conformance: limit_req with 2 workers on each side (shared zone)', {
  skip: NGINX_MISSING,
  tmpPrefix: 'berth-conformance-zone-',
  upstreams: ['a'],
  configFor: (port, { upstreams: [upstream] }) => sharedZoneConfig(port, upstream as number),
  workers: 2,
  label: 'limit_req, 2 workers',
  corpus: sharedZoneCorpus,
  title: 'burst + 1 pass, then 503, exactly as nginx',
  check: noDifferences,
});
