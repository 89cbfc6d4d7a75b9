// Differential conformance: location precedence, static files (index, try_files, alias,
// autoindex, 304, 206, 416, 404, 403, 405), returns and redirects — real nginx against Berth
// running the same config imported. Every difference must be in allowlist.json with its reason.
import { mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { differentialSuite, NGINX_MISSING, type CorpusCase } from './harness.js';

function configFor(port: number, root: string): string {
  return `http {
    include mime.types;
    default_type application/octet-stream;
    server {
        listen ${port} default_server;
        server_name conf.test;
        root ${root}/site;
        index index.html;
        location = /exact { return 200 "exact"; }
        location ^~ /static/ { alias ${root}/assets/; }
        location ~ \\.txt$ { return 200 "regex-txt"; }
        location /prefix { return 200 "prefix"; }
        location /docs/ { autoindex on; charset utf-8; }
        location /spa/ { try_files $uri $uri/ /spa/index.html; }
        location /strict/ { try_files $uri =404; }
        location /tf-plain/ { try_files $uri /echo-args; }
        location /tf-query/ { try_files $uri /echo-args?$query_string&via=tf; }
        location = /echo-args { return 200 "args=[$args]"; }
        location = /old { return 301 /new; }
        location = /elsewhere { return 302 https://example.test/x?y=1; }
        location = /teapot { return 418; }
        location = /gone { return 410 "gone for good"; }
        location = /nothing { return 200; }
        location = /forbidden { return 403; }
        location = /made.json { return 201 '{"made":true}'; }
        location /cached/ { expires 1h; }
        location /forever/ { expires max; }
        location /deco/ { add_header X-Deco yes; expires 1h; }
        location /absidx/ { index nothere.html /absidx-target; }
        location = /absidx-target { return 200 "absolute index entry"; }
    }
}
`;
}

const corpus: CorpusCase[] = [
  { name: 'index of /', path: '/' },
  { name: 'file', path: '/index.html' },
  { name: 'file with query', path: '/index.html?a=1&b=2' },
  { name: 'HEAD file', method: 'HEAD', path: '/index.html' },
  { name: 'POST to a static file', method: 'POST', path: '/index.html' },
  { name: 'POST to a missing file is a 404 (the static module refuses a POST once the file is found)', method: 'POST', path: '/nope.html' },
  { name: 'POST to a directory without its slash is its 301', method: 'POST', path: '/sub' },
  { name: 'POST to a directory goes to its index file, which refuses it', method: 'POST', path: '/sub/' },
  { name: 'POST to an autoindex folder is forbidden (autoindex answers GET and HEAD)', method: 'POST', path: '/docs/' },
  { name: 'DELETE on a missing file is refused at once', method: 'DELETE', path: '/nope.html' },
  { name: 'css type', path: '/style.css' },
  { name: 'exact beats prefix', path: '/exact' },
  { name: 'exact needs the exact uri', path: '/exact/' },
  { name: '^~ stops regex search', path: '/static/note.txt' },
  { name: 'alias file', path: '/static/app.js' },
  { name: 'regex over plain prefix', path: '/prefix/file.txt' },
  { name: 'plain prefix', path: '/prefix/x' },
  { name: 'longest prefix without slash', path: '/prefixes' },
  { name: 'missing file', path: '/nope.html' },
  { name: 'directory without slash', path: '/sub' },
  { name: 'directory without slash keeps the query', path: '/sub?q=1' },
  { name: 'directory with its index', path: '/sub/' },
  { name: 'directory without index', path: '/noindex/' },
  { name: 'autoindex', path: '/docs/' },
  { name: 'try_files falls back', path: '/spa/deep/link' },
  { name: 'try_files finds the file', path: '/spa/real.html' },
  { name: 'try_files =404', path: '/strict/none' },
  { name: 'try_files fallback without ? drops the args', path: '/tf-plain/none?a=1' },
  { name: 'try_files fallback with its own ?$query_string', path: '/tf-query/none?a=1' },
  { name: 'try_files $uri/ on a directory without its slash redirects', path: '/spa/sub' },
  { name: 'try_files $uri/ on a directory with its slash serves its index', path: '/spa/sub/' },
  { name: 'try_files $uri is a file test: a directory does not match', path: '/strict/' },
  { name: 'an absolute index entry is an internal redirect', path: '/absidx/' },
  { name: 'directory redirect carries add_header and expires', path: '/deco/sub', compareHeaders: ['x-deco'] },
  { name: 'expires max', path: '/forever/f.html' },
  { name: 'range of an empty file', path: '/empty.bin', headers: { Range: 'bytes=0-' } },
  { name: 'redirect to a path', path: '/old' },
  { name: 'redirect to a URL', path: '/elsewhere' },
  { name: 'return without text', path: '/teapot' },
  { name: 'return with text', path: '/gone' },
  { name: 'return 200 without text', path: '/nothing' },
  { name: 'return 403 without text', path: '/forbidden' },
  { name: 'return text typed by the URI extension', path: '/made.json' },
  { name: 'expires', path: '/cached/c.html' },
  { name: 'dot segments are resolved', path: '/sub/../index.html' },
  { name: 'escaping the root', path: '/../../etc/passwd' },
  { name: 'encoded dot segments', path: '/%2e%2e/%2e%2e/etc/passwd' },
  { name: 'percent-encoded name', path: '/with%20space.html' },
  { name: 'other Host goes to the default server', path: '/index.html', headers: { Host: 'other.test' } },
  { name: 'If-None-Match with the ETag', path: '/index.html', previous: 'file', fromPrevious: (r) => ({ 'If-None-Match': r.headers.etag ?? '' }) },
  { name: 'If-None-Match other', path: '/index.html', headers: { 'If-None-Match': '"nope"' } },
  { name: 'If-Modified-Since Last-Modified', path: '/index.html', previous: 'file', fromPrevious: (r) => ({ 'If-Modified-Since': r.headers['last-modified'] ?? '' }) },
  { name: 'If-Modified-Since long ago', path: '/index.html', headers: { 'If-Modified-Since': 'Mon, 01 Jan 2001 00:00:00 GMT' } },
  { name: 'range', path: '/index.html', headers: { Range: 'bytes=0-4' } },
  { name: 'suffix range', path: '/index.html', headers: { Range: 'bytes=-3' } },
  { name: 'open range', path: '/index.html', headers: { Range: 'bytes=10-' } },
  { name: 'unsatisfiable range', path: '/index.html', headers: { Range: 'bytes=5000-6000' } },
  { name: 'several ranges, one satisfiable: a single-part 206', path: '/index.html', headers: { Range: 'bytes=5000-6000,2-4' } },
  { name: 'overlapping ranges adding up past the file: the whole file', path: '/index.html', headers: { Range: 'bytes=0-60,10-70' } },
  { name: 'several ranges, none satisfiable', path: '/index.html', headers: { Range: 'bytes=5000-,6000-7000' } },
  { name: 'If-Range with the ETag', path: '/index.html', previous: 'file', fromPrevious: (r) => ({ Range: 'bytes=0-1', 'If-Range': r.headers.etag ?? '' }) },
  { name: 'If-Range stale', path: '/index.html', headers: { Range: 'bytes=0-1', 'If-Range': '"stale"' } },
];

function writeSite(root: string): void {
  const file = (rel: string, text: string) => {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), text);
  };
  file('site/index.html', '<!doctype html><title>home</title><p>Hello from the conformance site.</p>\n');
  file('site/style.css', 'body { color: #333 }\n');
  file('site/sub/index.html', 'sub index\n');
  file('site/noindex/readme.md', 'no index here\n');
  file('site/docs/a.txt', 'a\n');
  // The listing's edges: a name past the 50-character column, byte order (U+1F600 sorts after U+FB01 in UTF-8, before it in UTF-16), a dangling link.
  file('site/docs/a-very-long-file-name-that-goes-well-past-the-fifty-character-column.txt', 'long\n');
  file('site/docs/\u{1F600}.txt', 'emoji\n');
  file('site/docs/\uFB01.txt', 'ligature\n');
  symlinkSync(join(root, 'site/docs/nowhere'), join(root, 'site/docs/gone.txt'));
  file('site/spa/index.html', 'spa shell\n');
  file('site/spa/real.html', 'spa real\n');
  file('site/cached/c.html', 'cached\n');
  file('site/with space.html', 'space\n');
  file('site/spa/sub/index.html', 'spa sub index\n');
  file('site/strict/index.html', 'strict index\n');
  file('site/absidx/other.html', 'not an index\n');
  file('site/deco/sub/index.html', 'deco sub\n');
  file('site/forever/f.html', 'forever\n');
  file('site/empty.bin', '');
  file('site/prefixes', 'prefixes file\n');
  file('assets/app.js', 'console.log(1)\n');
  file('assets/note.txt', 'note\n');
  // Fixed times: both servers see the same mtimes (ETag and Last-Modified come from them).
  const fixed = new Date('2024-05-01T12:00:00Z');
  for (const rel of ['site/spa/sub/index.html', 'site/forever/f.html', 'site/empty.bin', 'site/index.html', 'site/style.css', 'site/sub/index.html', 'site/spa/index.html', 'site/spa/real.html', 'site/cached/c.html', 'site/with space.html', 'site/prefixes', 'site/docs/a.txt', 'assets/app.js', 'assets/note.txt']) {
    utimesSync(join(root, rel), fixed, fixed);
  }
}

differentialSuite('differential conformance: Berth vs nginx (static files, locations, returns)', {
  skip: NGINX_MISSING,
  tmpPrefix: 'berth-conformance-',
  prepare: writeSite,
  configFor: (port, { root }) => configFor(port, root),
  label: 'static files, locations, returns',
  corpus,
});
