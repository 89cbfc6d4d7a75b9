// Differential conformance for nginx `error_page` (and `proxy_intercept_errors`): real nginx and
// Berth, the same config imported. The stock `error_page 404 /404.html; error_page 500 502 503
// 504 /50x.html;` of CentOS/Fedora/nginx.org packages with internal page locations; a missing
// file, a POST to it, HEAD, 413, an internal location, `return 404`, `return 301` under
// `error_page 301`, a dead upstream's 502, an upstream 404/401/500 with intercept on and off,
// `=200` (with Range and If-None-Match), `=` to a proxied page, `=201`, URL targets, a missing
// page and an intercepted error of the page (recursive_error_pages off), a location's own list,
// add_header/expires by the status sent, and the access phase run again for the page (server-level
// deny and auth_basic refuse their own error page; limit_req counts once).
import { chmodSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { differentialSuite, httpConfig, namedServer, freePort, NGINX_MISSING, type CorpusCase } from './harness.js';
import { pattern } from './upstream.js';

function configFor(port: number, upstream: number, dead: number, root: string): string {
  const site = (name: string, body: string) => namedServer(port, name, `${root}/site`, body);
  return httpConfig(
    port,
    [
      site('ep.test', `        client_max_body_size 10;
        error_page 404 /404.html;
        error_page 500 502 503 504 /50x.html;
        location = /404.html { internal; }
        location = /50x.html { internal; }
        location /dead/ { proxy_pass http://127.0.0.1:${dead}; }
        location /up/ { proxy_pass http://127.0.0.1:${upstream}; }
        location /upi/ { proxy_pass http://127.0.0.1:${upstream}; proxy_intercept_errors on; error_page 404 401 302 /404.html; }
        location = /ret404 { return 404; }
        location = /ret404-text { return 404 "its own text"; }
        location = /ret301 { return 301 /elsewhere; error_page 301 /404.html; }
        location /ov200/ { error_page 404 =200 /404.html; }
        location /ovpage/ { error_page 404 = /up/echo?from=$uri; }
        location /ov201/ { error_page 404 =201 /up/status/500; }
        location /url/ { error_page 404 https://example.test/nf; }
        location /url301/ { error_page 404 =301 https://example.test/nf; }
        location /url404/ { error_page 404 =404 https://example.test/nf; }
        location /missing/ { error_page 404 /nope.html; }
        location /only403/ { error_page 403 /404.html; }
        location /recu/ { error_page 404 /upi/status/404; }
        location /deco/ { error_page 404 /deco.html; }
        location /deco200/ { error_page 404 =200 /deco.html; }
        location = /deco.html { add_header X-Deco yes; expires 1h; }
        location /eret/ { error_page 404 /eret-target; }
        location = /eret-target { return 200 "ret page args=[$args] method=$request_method"; }
        location /int/ { internal; }
        location /st-err/ { error_page 404 /st-show?code=$status; }
        location /st-page/ { error_page 404 = /st-show?code=$status; }
        location /st-code/ { error_page 404 =410 /st-show?code=$status; }
        location = /st-show { return 200 "args=$args status=$status"; }
        location = /st-ret { return 201 "s=$status"; }`),
      site('deny.test', '        deny all;\n        error_page 403 /404.html;'),
      site('auth.test', `        auth_basic "Zone";\n        auth_basic_user_file ${root}/htpasswd;\n        error_page 401 /404.html;`),
      site('authret.test', `        auth_basic "Zone";\n        auth_basic_user_file ${root}/htpasswd;\n        error_page 401 /e401;\n        location = /e401 { return 200 "the 401 page"; }`),
      site('rate.test', '        limit_req zone=slow;\n        error_page 503 /50x.html;\n        location = /50x.html { internal; }'),
    ],
    '    limit_req_zone $binary_remote_addr zone=slow:1m rate=1r/m;\n',
  );
}

const ep = { Host: 'ep.test' };
/** The page's own headers that may differ or be missing. */
const PAGE_HEADERS = ['x-deco', 'x-from-upstream', 'set-cookie'];

const corpus: CorpusCase[] = [
  // The stock config: errors Berth makes itself.
  { name: 'error_page: a missing file gets the 404 page (404, the file\'s length and ETag, no Last-Modified)', path: '/nothing', headers: ep },
  { name: 'error_page: HEAD of a missing file', method: 'HEAD', path: '/nothing', headers: ep },
  { name: 'error_page: Range and If-None-Match leave the 404 page whole', path: '/nothing', headers: { ...ep, Range: 'bytes=0-3' }, previous: 'error_page: a missing file gets the 404 page (404, the file\'s length and ETag, no Last-Modified)', fromPrevious: (r) => ({ 'If-None-Match': r.headers.etag ?? '' }) },
  { name: 'error_page: a POST to a missing file gets the page (as a GET)', method: 'POST', path: '/nothing', headers: ep, body: Buffer.from('a=1') },
  { name: 'error_page: 413 (client_max_body_size) gets the page', method: 'POST', path: '/index.html', headers: ep, body: pattern(40) },
  { name: 'error_page: a client request for an internal location gets the page', path: '/int/x', headers: ep },
  { name: 'error_page: the page\'s own internal location, asked for by a client', path: '/404.html', headers: ep },
  { name: 'error_page: return 404 without text', path: '/ret404', headers: ep },
  { name: 'error_page: return 404 with text is not replaced', path: '/ret404-text', headers: ep },
  { name: 'error_page: return 301 under error_page 301 keeps its Location', path: '/ret301', headers: ep },
  { name: 'error_page: a dead upstream\'s 502 gets the 50x page', path: '/dead/x', headers: ep },
  { name: 'error_page: HEAD to a dead upstream', method: 'HEAD', path: '/dead/x', headers: ep },
  // Upstream answers: only with proxy_intercept_errors, and only the statuses listed.
  { name: 'error_page: an upstream 404 passes through without proxy_intercept_errors', path: '/up/status/404', headers: ep, compareHeaders: PAGE_HEADERS },
  { name: 'error_page: an upstream 404 is intercepted with proxy_intercept_errors on', path: '/upi/status/404', headers: ep, compareHeaders: PAGE_HEADERS },
  { name: 'error_page: an intercepted upstream 401 keeps its WWW-Authenticate', path: '/upi/status/401', headers: ep, compareHeaders: PAGE_HEADERS },
  { name: 'error_page: an intercepted upstream 302 loses its Location', path: '/upi/status/302', headers: ep, compareHeaders: PAGE_HEADERS },
  { name: 'error_page: an upstream 500 not listed in the location passes through', path: '/upi/status/500', headers: ep, compareHeaders: PAGE_HEADERS },
  // Response codes.
  { name: 'error_page: =200 answers the page as any file', path: '/ov200/x', headers: ep },
  { name: 'error_page: =200 with a Range is a 206', path: '/ov200/x', headers: { ...ep, Range: 'bytes=0-3' } },
  { name: 'error_page: =200 with the page\'s ETag is a 304', path: '/ov200/x', headers: ep, previous: 'error_page: =200 answers the page as any file', fromPrevious: (r) => ({ 'If-None-Match': r.headers.etag ?? '' }) },
  { name: 'error_page: = takes a proxied page\'s status; a POST arrives as a GET with the target\'s args and the body', method: 'POST', path: '/ovpage/x?mine=1', headers: ep, body: Buffer.from('a=1&b=2') },
  { name: 'error_page: = with HEAD stays HEAD', method: 'HEAD', path: '/ovpage/x', headers: ep },
  { name: 'error_page: =201 over a proxied page\'s 500', path: '/ov201/x', headers: ep, compareHeaders: PAGE_HEADERS },
  // URL targets.
  { name: 'error_page: a URL target is a 302', path: '/url/x', headers: ep },
  { name: 'error_page: a URL target with =301', path: '/url301/x', headers: ep },
  { name: 'error_page: a URL target with =404 is still a 302', path: '/url404/x', headers: ep },
  // recursive_error_pages off, and whose list applies.
  { name: 'error_page: a missing page gets the built-in page', path: '/missing/x', headers: ep },
  { name: 'error_page: the page\'s own intercepted error gets the built-in page', path: '/recu/x', headers: ep },
  { name: 'error_page: a location\'s own list replaces the server\'s', path: '/only403/x', headers: ep },
  { name: '$status in a page target is the error\'s, and in the page the status sent', path: '/st-err/x', headers: ep },
  { name: '$status with = is 000 in the target (nginx resets err_status first)', path: '/st-page/x', headers: ep },
  { name: '$status with =410 is 410 in the target and the page', path: '/st-code/x', headers: ep },
  { name: '$status in a return text is its code', path: '/st-ret', headers: ep },
  { name: 'error_page: add_header and expires do not apply to a 404 page', path: '/deco/x', headers: ep, compareHeaders: PAGE_HEADERS },
  { name: 'error_page: add_header and expires apply with =200', path: '/deco200/x', headers: ep, compareHeaders: PAGE_HEADERS },
  { name: 'error_page: a return page answers with the error\'s status, GET, no args', method: 'POST', path: '/eret/x?a=1', headers: ep, body: Buffer.from('z') },
  // The access phase runs again for the page.
  { name: 'error_page: server-level deny refuses its own 403 page too (built-in page)', path: '/index.html', headers: { Host: 'deny.test' } },
  { name: 'error_page: server-level auth_basic refuses its own 401 page too (built-in page)', path: '/index.html', headers: { Host: 'auth.test' } },
  { name: 'error_page: a return page answers before auth_basic', path: '/index.html', headers: { Host: 'authret.test' } },
  { name: 'error_page: limit_req first request', path: '/index.html', headers: { Host: 'rate.test' } },
  { name: 'error_page: limit_req 503 gets the 50x page (limit_req counts once)', path: '/index.html', headers: { Host: 'rate.test' } },
];

function writeSite(root: string): void {
  mkdirSync(join(root, 'site'), { recursive: true });
  writeFileSync(join(root, 'site', 'index.html'), 'index\n');
  writeFileSync(join(root, 'site', '404.html'), '<!doctype html><title>Not here</title><p>custom 404 page</p>\n');
  writeFileSync(join(root, 'site', '50x.html'), '<!doctype html><title>Oops</title><p>custom 50x page</p>\n');
  writeFileSync(join(root, 'site', 'deco.html'), 'decorated page\n');
  // Both servers see the same mtimes (ETag and Last-Modified come from them).
  const fixed = new Date('2024-05-01T12:00:00Z');
  for (const f of ['index.html', '404.html', '50x.html', 'deco.html']) utimesSync(join(root, 'site', f), fixed, fixed);
  // {SHA} of "s3cr3t": nginx and Berth both read it; no test sends credentials.
  writeFileSync(join(root, 'htpasswd'), 'carol:{SHA}JauGvtFJymypwcDV23yakTiN3qs=\n');
  chmodSync(join(root, 'htpasswd'), 0o644);
}

differentialSuite('differential conformance: Berth vs nginx (error_page, proxy_intercept_errors)', {
  skip: NGINX_MISSING,
  tmpPrefix: 'berth-conformance-errpage-',
  upstreams: ['a'],
  prepare: async (root) => {
    writeSite(root);
    return { dead: await freePort() };
  },
  configFor: (port, { root, upstreams: [upstream], prepared }) => configFor(port, upstream as number, prepared.dead, root),
  label: 'error_page',
  corpus,
});
