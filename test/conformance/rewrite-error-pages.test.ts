// Differential conformance where `rewrite` and `error_page` meet (and the access phase with them):
// a `last` rewrite to a missing file gets the 404 page; a rewrite into an internal page location;
// an error page's target rewritten by the server's rules (they run again after the page's internal
// redirect) and by its own location's (`break`, `redirect`); `redirect`/`permanent` rewrites under
// `error_page 301 302`, at location and at server level (there the server's list applies: nginx
// runs the server rewrites with the server's own location config); `return 404` after rewrites;
// the 10-change budget shared by `last` cycles and the page's redirect; rewrites in proxied
// locations with proxy_intercept_errors; 413 before a location's rewrites; deny and limit_req
// with a `last` into another location. Real nginx and Berth run the same config.
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { differentialSuite, httpConfig, namedServer, NGINX_MISSING, type CorpusCase } from './harness.js';
import { pattern } from './upstream.js';

function configFor(port: number, upstream: number, root: string): string {
  const up = `http://127.0.0.1:${upstream}`;
  const server = (name: string, body: string) => namedServer(port, name, `${root}/site`, body);
  return httpConfig(
    port,
    [
      server('mix.test', `        client_max_body_size 10;
        error_page 404 /404.html;
        error_page 413 /413.html;
        error_page 500 502 503 504 /50x.html;
        rewrite ^/srvlast/(.*)$ /new/$1 last;
        rewrite ^/errs/(.*)$ /pages/$1 last;
        rewrite ^/errgo/(.*)$ /landing redirect;
        rewrite ^/ix/index\\.html$ /landing permanent;
        rewrite ^/srvto404$ /404.html;
        rewrite ^/toapp$ /upapp last;
        location = /404.html { internal; }
        location = /413.html { internal; }
        location = /50x.html { internal; }
        location = /landing { return 200 "landing\\n"; }
        location /old/ { rewrite ^/old/(.*)$ /new/$1 last; }
        location /show404/ { rewrite ^ /404.html last; }
        location /srvpage/ { error_page 404 /errs/nf.html; }
        location /srvpagemiss/ { error_page 404 /errs/none.html; }
        location /srvpagego/ { error_page 404 /errgo/x; }
        location /redir/ { error_page 301 302 /404.html; rewrite ^/redir/(.*)$ /new/$1 redirect; }
        location /perm/ { error_page 301 302 /404.html; rewrite ^/perm/(.*)$ /new/$1 permanent; }
        location /ext/ { error_page 302 /404.html; rewrite ^/ext/(.*)$ http://other.test/$1; }
        location /ret/ { rewrite ^/ret/go$ /new/a.html last; return 404; }
        location /retchg/ { rewrite ^/retchg/(.*)$ /new/$1; return 404; }
        location /retbrk/ { rewrite ^/retbrk/(.*)$ /new/$1 break; return 404; }
        location ~ ^/L(x*)$ { rewrite ^/L(x*)$ /Lx$1 last; }
        location = /Lxxxxxxxxx { return 404; }
        location ~ ^/M(x*)$ { rewrite ^/M(x*)$ /Mx$1 last; }
        location = /Mxxxxxxxxxx { return 404; }
        location /pcyc/ { error_page 404 /P; }
        location ~ ^/P(x*)$ { rewrite ^/P(x*)$ /Px$1 last; }
        location = /Pxxxxxxxx { return 200 "page after eight cycles\\n"; }
        location /qcyc/ { error_page 404 /Q; }
        location ~ ^/Q(x*)$ { rewrite ^/Q(x*)$ /Qx$1 last; }
        location = /Qxxxxxxxxx { return 200 "page after nine cycles\\n"; }
        location /brk/ { error_page 404 /ebrk/page.html; }
        location /brkmiss/ { error_page 404 /ebrk/none.html; }
        location /ebrk/ { rewrite ^/ebrk/(.*)$ /pages/$1 break; }
        location /pgredir/ { error_page 404 /goaway; }
        location = /goaway { rewrite ^ /landing redirect; }
        location /upr/ { rewrite ^/upr/(.*)$ /status/$1 break; proxy_pass ${up}; proxy_intercept_errors on; }
        location /uprl/ { rewrite ^/uprl/(.*)$ /upi/status/$1 last; }
        location /upi/ { proxy_pass ${up}; proxy_intercept_errors on; }
        location /big/ { rewrite ^/big/(.*)$ /new/$1 last; }
        location /ix/ { error_page 301 /404.html; }
        location ~ ^/capfail/(\\w+)$ { rewrite ^/nomatch$ /x; error_page 404 /pages/$1.html; }
        location ~ ^/capok/(\\w+)$ { error_page 404 /pages/$1.html; }
        location /rwv/ { rewrite ^/rwv/(.*)$ /rwv2/$1 last; }
        location /rwv2/ { error_page 404 /eret?u=$uri&a=$args; }
        location = /eret { return 200 "uri=$uri args=$args request_uri=$request_uri\\n"; }
        location /ov200perm/ { error_page 404 =200 /permpage; }
        location = /permpage { rewrite ^ /landing permanent; }
        location /ovpagelast/ { error_page 404 = /pagelast; }
        location = /pagelast { rewrite ^ /made last; }
        location = /made { return 201 "made\\n"; }
        location /upapp/ { proxy_pass ${up}; }
        location /pgslash/ { error_page 404 /upapp; }`),
      server('srvep.test', `        client_max_body_size 10;
        error_page 301 302 /404.html;
        error_page 500 /50x.html;
        rewrite ^/go$ /landing redirect;
        rewrite ^/empty$ ? last;
        rewrite ^/own/index\\.html$ /landing redirect;
        location = /404.html { internal; }
        location = /50x.html { internal; }
        location = /landing { return 200 "landing\\n"; }
        location /own/ { error_page 404 /404.html; }
        location /loc/ { error_page 404 /404.html; rewrite ^ /landing redirect; }
        location /int/ { internal; }`),
      server('deny.test', `        deny all;
        error_page 403 /403page;
        location = /403page { return 200 "the 403 page\\n"; }
        location /toret/ { rewrite ^ /r last; }
        location = /r { return 200 "r\\n"; }
        location /tofile/ { rewrite ^/tofile/(.*)$ /$1 last; }
        location /brkret/ { rewrite ^ /index.html break; return 200 "not answered\\n"; }
        rewrite ^/srvgo$ /r redirect;`),
      server('rate.test', `        limit_req zone=slow;
        error_page 503 /50x.html;
        location = /50x.html { internal; }
        location /tofile/ { rewrite ^/tofile/(.*)$ /$1 last; }
        location /toret/ { rewrite ^ /r last; }
        location = /r { return 200 "r\\n"; }`),
    ],
    '    limit_req_zone $binary_remote_addr zone=slow:1m rate=1r/m;\n',
  );
}

const mix = { Host: 'mix.test' };
const srvep = { Host: 'srvep.test' };

const corpus: CorpusCase[] = [
  { name: 'interplay: a last rewrite to a missing file gets the 404 page', path: '/old/none.html', headers: mix },
  { name: 'interplay: a last rewrite to a file serves it', path: '/old/a.html', headers: mix },
  { name: 'interplay: a server-level last rewrite to a missing file gets the 404 page', path: '/srvlast/none.html', headers: mix },
  { name: 'interplay: a rewrite into the internal 404 page location serves it with 200', path: '/show404/x', headers: mix },
  { name: 'interplay: the page location asked for by the client is a 404 (with its own page)', path: '/404.html', headers: mix },
  { name: 'interplay: a flagless server rewrite into the internal 404 page location serves it with 200', path: '/srvto404', headers: mix },
  { name: 'interplay: an error page target rewritten by the server rules', path: '/srvpage/x', headers: mix },
  { name: 'interplay: an error page target rewritten by the server rules to a missing file', path: '/srvpagemiss/x', headers: mix },
  { name: 'interplay: an error page target redirected by the server rules', path: '/srvpagego/x', headers: mix },
  { name: 'interplay: a redirect rewrite under error_page 302', path: '/redir/a.html?k=v', headers: mix },
  { name: 'interplay: a permanent rewrite under error_page 301', path: '/perm/a.html', headers: mix },
  { name: 'interplay: an http:// rewrite under error_page 302', path: '/ext/a?k=v', headers: mix },
  { name: 'interplay: return 404 after a rewrite that does not match gets the page', path: '/ret/zzz', headers: mix },
  { name: 'interplay: a last rewrite before return 404', path: '/ret/go', headers: mix },
  { name: 'interplay: a flagless rewrite before return 404 gets the page', path: '/retchg/a.html', headers: mix },
  { name: 'interplay: break before return 404 serves the file', path: '/retbrk/a.html', headers: mix },
  { name: 'interplay: break before return 404 to a missing file gets the page', path: '/retbrk/none.html', headers: mix },
  { name: 'interplay: nine last cycles then return 404: the page is the tenth change', path: '/L', headers: mix },
  { name: 'interplay: ten last cycles then return 404: no change left for the page', path: '/M', headers: mix },
  { name: 'interplay: an error page that cycles eight times with last', path: '/pcyc/x', headers: mix },
  { name: 'interplay: an error page that cycles nine times with last', path: '/qcyc/x', headers: mix },
  { name: 'interplay: break in the error page\'s location', path: '/brk/x', headers: mix },
  { name: 'interplay: break in the error page\'s location to a missing file', path: '/brkmiss/x', headers: mix },
  { name: 'interplay: a redirect rewrite in the error page\'s location', path: '/pgredir/x', headers: mix },
  { name: 'interplay: break into a proxied location, upstream 404 intercepted', path: '/upr/404', headers: mix },
  { name: 'interplay: break into a proxied location, upstream 500 intercepted', path: '/upr/500', headers: mix },
  { name: 'interplay: break into a proxied location, upstream 200', path: '/upr/200', headers: mix },
  { name: 'interplay: last into a proxied location, upstream 404 intercepted', path: '/uprl/404', headers: mix },
  { name: 'interplay: 413 comes before the location\'s rewrite', method: 'POST', path: '/big/a.html', headers: mix, body: pattern(40) },
  { name: 'interplay: 413 after a server-level rewrite', method: 'POST', path: '/srvlast/a.html', headers: mix, body: pattern(40) },
  { name: 'interplay: a small POST through a last rewrite to a missing file gets the 404 page', method: 'POST', path: '/big/none.html', headers: mix, body: pattern(4) },
  { name: 'interplay: 413 in a return location (find-config comes before the rewrite phase)', method: 'POST', path: '/landing', headers: mix, body: pattern(40) },
  { name: 'interplay: a chunked body over the limit in a proxied location', method: 'POST', path: '/upi/echo', headers: mix, body: pattern(40), chunked: true },
  { name: 'interplay: too large for an internal location: its 404, then the page\'s location refuses the body (built-in 413)', method: 'POST', path: '/404.html', headers: mix, body: pattern(40) },
  { name: 'interplay: index then a server-level permanent rewrite: the server\'s error pages, not the location\'s', path: '/ix/', headers: mix },
  { name: 'interplay: a failed rewrite match clears the captures an error page target uses', path: '/capfail/nf', headers: mix },
  { name: 'interplay: a location capture in an error page target', path: '/capok/nf', headers: mix },
  { name: 'interplay: an error page target\'s variables see the URI a last rewrite made', path: '/rwv/x?q=1', headers: mix },
  { name: 'interplay: =200 page location with a permanent rewrite: the redirect\'s 301', path: '/ov200perm/x', headers: mix },
  { name: 'interplay: = page location with a last rewrite into return 201', path: '/ovpagelast/x', headers: mix },
  { name: 'interplay: a last rewrite onto a proxied location\'s path without its slash: the auto-redirect, args kept', path: '/toapp?k=v', headers: mix },
  { name: 'interplay: an error page target that is a proxied location\'s path without its slash: the built-in 301', path: '/pgslash/x', headers: mix },
  // Server-level error pages and the server rewrite phase.
  { name: 'interplay: a server-level redirect rewrite under the server\'s error_page 302', path: '/go?k=v', headers: srvep },
  { name: 'interplay: a server-level empty rewrite: 500 with the server\'s page', path: '/empty', headers: srvep },
  { name: 'interplay: index then a server-level redirect: the server\'s error_page 302', path: '/own/', headers: srvep },
  { name: 'interplay: a location redirect rewrite: the location\'s own list (no 302) replaces the server\'s', path: '/loc/x', headers: srvep },
  { name: 'interplay: too large for an internal location without a 404 page: the 404, not a 413', method: 'POST', path: '/int/x', headers: srvep, body: pattern(40) },
  // The access phase and `last`.
  { name: 'interplay: deny all, a last rewrite into a return location answers', path: '/toret/x', headers: { Host: 'deny.test' } },
  { name: 'interplay: deny all, a last rewrite into a static location: 403 page', path: '/tofile/index.html', headers: { Host: 'deny.test' } },
  { name: 'interplay: deny all, a server-level redirect answers before access', path: '/srvgo?k=v', headers: { Host: 'deny.test' } },
  { name: 'interplay: deny all, break skips the return and access refuses: the 403 page', path: '/brkret/x', headers: { Host: 'deny.test' } },
  { name: 'interplay: limit_req, a last rewrite into a return location is not counted', path: '/toret/x', headers: { Host: 'rate.test' }, repeat: 2 },
  { name: 'interplay: limit_req, first request through a last rewrite', path: '/tofile/index.html', headers: { Host: 'rate.test' } },
  { name: 'interplay: limit_req, second request through a last rewrite: 503 page', path: '/tofile/index.html', headers: { Host: 'rate.test' } },
  { name: 'interplay: limit_req, a return after the limit still answers', path: '/toret/x', headers: { Host: 'rate.test' } },
];

function writeSite(root: string): void {
  const file = (rel: string, text: string) => {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), text);
  };
  const files: Array<[string, string]> = [
    ['site/index.html', 'index\n'],
    ['site/404.html', '<!doctype html><title>Not here</title><p>custom 404 page</p>\n'],
    ['site/413.html', '<!doctype html><title>Too big</title><p>custom 413 page</p>\n'],
    ['site/50x.html', '<!doctype html><title>Oops</title><p>custom 50x page</p>\n'],
    ['site/new/a.html', 'new a\n'],
    ['site/pages/nf.html', 'pages nf\n'],
    ['site/pages/page.html', 'pages page\n'],
    ['site/ix/index.html', 'ix index\n'],
    ['site/own/index.html', 'own index\n'],
  ];
  // Both servers see the same mtimes (ETag and Last-Modified come from them).
  const fixed = new Date('2024-05-01T12:00:00Z');
  for (const [rel, text] of files) {
    file(rel, text);
    utimesSync(join(root, rel), fixed, fixed);
  }
}

differentialSuite('differential conformance: Berth vs nginx (rewrite with error_page and access)', {
  skip: NGINX_MISSING,
  tmpPrefix: 'berth-conformance-interplay-',
  upstreams: ['a'],
  prepare: writeSite,
  configFor: (port, { root, upstreams: [upstream] }) => configFor(port, upstream as number, root),
  label: 'rewrite with error_page',
  corpus,
});
