// Differential conformance for nginx's `rewrite` (ngx_http_rewrite_module): each flag and none,
// the args rules (kept, dropped by a trailing `?`, appended after the replacement's own),
// server level against location level, the 10-cycle `last` limit (500), a rewrite feeding a
// proxied location whose proxy_pass has a URI part (and `break` in one, which sends the whole new
// URI), a static `break`, `break` before a `return`, `internal` locations reached by a rewrite,
// captures escaped into the args, and the server rewrites running again after try_files.
// Real nginx and Berth (the same config imported) proxy to the same echo upstream.
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { differentialSuite, NGINX_MISSING, type CorpusCase } from './harness.js';

function configFor(port: number, upstream: number, root: string): string {
  const echo = 'return 200 "uri=$uri args=$args request_uri=$request_uri\\n"';
  return `http {
    include mime.types;
    default_type application/octet-stream;
    access_log off;
    server {
        listen ${port} default_server;
        server_name rw.test;
        root ${root}/site;
        rewrite ^/srv/(\\w+)$ /echo/$1 last;
        rewrite ^/srvbreak/(.*)$ /files/$1 break;
        rewrite ^/srvperm$ /landing permanent;
        rewrite ^/tf-target$ /echo/from-server-rewrite;
        rewrite ^/srvchain$ /a/chain1;
        rewrite ^/u/(\\w+)$ /profile;
        location = / { return 200 "ready"; }
        location /echo/ { ${echo}; }
        location = /landing { return 200 "landing\\n"; }
        location /a/ {
            rewrite ^/a/(\\d+)$ /echo/id?id=$1 last;
            rewrite ^/a/keep/(.*)$ /echo/$1 last;
            rewrite ^/a/drop/(.*)$ /echo/$1? last;
            rewrite ^/a/redir/(.*)$ /echo/$1 redirect;
            rewrite ^/a/perm/(.*)$ /echo/$1?x=1 permanent;
            rewrite ^/a/permdrop/(.*)$ /echo/$1? permanent;
            rewrite ^/a/ext/(.*)$ http://other.test/$1;
            rewrite ^/a/scheme/(.*)$ $scheme://$host/s/$1;
            rewrite ^/a/chain1$ /a/chain2;
            rewrite ^/a/chain2$ /echo/chained;
            rewrite ^/a/loop$ /b/loop last;
            rewrite ^/a/int$ /hidden last;
            rewrite ^/a/enc/(.*)$ /echo/q?v=$1 last;
            rewrite ^/a/encr/(.*)$ /echo/$1 redirect;
            rewrite "^/a/(?<word>[a-z]{2,})-named$" /echo/$word last;
            rewrite ^/a/nolead$ echo/x last;
            rewrite ^/a/empty$ ? last;
            return 200 "fallthrough uri=$uri\\n";
        }
        location /b/ { rewrite ^/b/loop$ /a/loop last; }
        location ~ ^/cap/(\\w+)$ { rewrite ^/nomatch$ /x; return 200 "capture after a failed rewrite=[$1]\\n"; }
        location ~ ^/capkeep/(\\w+)$ { return 200 "location capture=[$1]\\n"; }
        location /hidden { internal; return 200 "hidden reached\\n"; }
        location /st/ { rewrite ^/st/(.*)$ /v2/$1 break; }
        location /ret/ { rewrite ^/ret/(.*)$ /files/$1 break; return 403; }
        location /noflag/ { rewrite ^/noflag/(.*)$ /echo/nf-$1; }
        location /tf/ { try_files $uri /tf-target; }
        location ~ ^/L(x*)$ { rewrite ^/L(x*)$ /Lx$1 last; }
        location = /Lxxxxxxxxxx { return 200 "ten\\n"; }
        location ~ ^/M(x*)$ { rewrite ^/M(x*)$ /Mx$1 last; }
        location = /Mxxxxxxxxxxx { return 200 "eleven\\n"; }
        location /legacy/ { rewrite ^/legacy/(.*)$ /api/$1 last; }
        location /api/ { proxy_pass http://127.0.0.1:${upstream}/base/; }
        location /pxbreak/ { rewrite ^/pxbreak/(.*)$ /v2/$1 break; proxy_pass http://127.0.0.1:${upstream}/base/; }
        location /pxplain/ { rewrite ^/pxplain/(.*)$ /new/$1 break; proxy_pass http://127.0.0.1:${upstream}; }
        location /pxuntouched/ { proxy_pass http://127.0.0.1:${upstream}; }
        location /profile { return 200 "user=[$1]\\n"; }
        location ~ ^/tfr/(\\w+)$ { try_files /nope /after1; }
        location /after1 { return 200 "after=[$1]\\n"; }
        location ~ ^/tfn/(?<who>\\w+)$ { try_files /nope /after2; }
        location /after2 { return 200 "after=[$1] who=[$who]\\n"; }
    }
}
`;
}

const corpus: CorpusCase[] = [
  { name: 'server rewrite last: searched with the new URI, $request_uri kept', path: '/srv/abc?q=1' },
  { name: 'server rewrite break: static file at the new URI', path: '/srvbreak/b.txt' },
  { name: 'server rewrite permanent keeps the args', path: '/srvperm?z=2' },
  { name: 'server rewrite without flag, then the location rewrites run', path: '/srvchain' },
  { name: 'location last with own args: the request args after &', path: '/a/42?x=y' },
  { name: 'location last, own args, no request args', path: '/a/42' },
  { name: 'location last keeps the args', path: '/a/keep/k?x=y' },
  { name: 'trailing ? drops the args', path: '/a/drop/d?x=y' },
  { name: 'redirect flag: 302 with the args', path: '/a/redir/r?x=y' },
  { name: 'permanent flag with own args: 301 and & args', path: '/a/perm/p?x=y' },
  { name: 'permanent flag with trailing ?: no args', path: '/a/permdrop/p?x=y' },
  { name: 'http:// replacement redirects without a flag', path: '/a/ext/e?x=y' },
  { name: '$scheme replacement redirects', path: '/a/scheme/s' },
  { name: 'no flag: next rule runs, then the return', path: '/a/chain1' },
  { name: 'no rule matches: the return answers', path: '/a/zzz' },
  { name: 'no flag without return: locations searched again', path: '/noflag/q?a=1' },
  { name: 'named capture', path: '/a/abc-named' },
  { name: 'a rewrite reaches an internal location', path: '/a/int' },
  { name: 'the client cannot reach the internal location', path: '/hidden' },
  { name: 'last ten times is served', path: '/L' },
  { name: 'last eleven times is 500', path: '/M' },
  { name: 'last ten times (other chain) is served', path: '/Mx' },
  { name: 'a last loop between two locations is 500', path: '/a/loop' },
  { name: 'a URI without a leading slash matches no location', path: '/a/nolead' },
  { name: 'an empty rewritten URI is 500', path: '/a/empty?x=1' },
  { name: 'a failed rewrite match clears the numbered captures', path: '/cap/abc' },
  { name: 'a server rewrite\'s $1 reaches the prefix location it leads to', path: '/u/ann' },
  { name: 'an internal redirect clears $1', path: '/tfr/bob' },
  { name: 'an internal redirect keeps a named capture (a variable)', path: '/tfn/zed' },
  { name: 'a regex location\'s captures without rewrites', path: '/capkeep/abc' },
  { name: 'static break maps the new URI under the root', path: '/st/x.txt' },
  { name: 'static break to a missing file', path: '/st/none.txt' },
  { name: 'break before return serves static files', path: '/ret/b.txt' },
  { name: 'try_files fallback runs the server rewrites again', path: '/tf/none' },
  { name: 'capture escaped into args when the path had %', path: '/a/enc/a%20b?z' },
  { name: 'capture escaped into args when the path had +', path: '/a/enc/a+b' },
  { name: 'capture escaped then unescaped in a redirect', path: '/a/encr/x%3By%26z%23w%2Fu%3Dt%22s' },
  { name: 'last into a proxied location with a URI part', path: '/legacy/users/7?page=2' },
  { name: 'break in a proxied location with a URI part sends the whole new URI', path: '/pxbreak/x?q=1' },
  { name: 'break in a proxied location without a URI part', path: '/pxplain/a%20b?q=1' },
  { name: 'unrewritten proxied request keeps the client URI as sent', path: '/pxuntouched/a%20b?q=1' },
];

function writeSite(root: string): void {
  const file = (rel: string, text: string) => {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), text);
  };
  file('site/files/b.txt', 'static b\n');
  file('site/v2/x.txt', 'v2 x\n');
  const fixed = new Date('2024-05-01T12:00:00Z');
  for (const rel of ['site/files/b.txt', 'site/v2/x.txt']) utimesSync(join(root, rel), fixed, fixed);
}

differentialSuite('differential conformance: Berth vs nginx (rewrite)', {
  skip: NGINX_MISSING,
  tmpPrefix: 'berth-conformance-rewrite-',
  upstreams: ['a'],
  prepare: writeSite,
  configFor: (port, { root, upstreams: [upstream] }) => configFor(port, upstream as number, root),
  label: 'rewrite',
  corpus,
});
