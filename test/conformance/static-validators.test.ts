// Differential conformance for what nginx decides from a static request's own fields: gzip_static
// with and without the file itself, malformed Range headers (ngx_http_range_parse: some are 416,
// some ignored), If-Modified-Since under nginx's default `if_modified_since exact` and its mix with
// If-None-Match, and the fields nginx takes only once (a second one is 400). Real nginx against
// Berth running the same config imported; every difference must be in allowlist.json.
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
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
        location /gz/ { gzip on; gzip_static on; }
    }
}
`;
}

const FIXED = new Date('2024-05-01T12:00:00Z');
const AT_MTIME = 'Wed, 01 May 2024 12:00:00 GMT';
const SECOND_LATER = 'Wed, 01 May 2024 12:00:01 GMT';
const CSS = Buffer.from('body { color: #333 }\n'.repeat(100));
const etagOf = (r: { headers: Record<string, string> }) => r.headers.etag ?? '';

const corpus: CorpusCase[] = [
  // gzip_static, only `only.css.gz` on disk: the .gz for a client that takes gzip, 404 otherwise.
  { name: 'gzip_static: only the .gz, client takes gzip', path: '/gz/only.css', headers: { 'Accept-Encoding': 'gzip' }, compareHeaders: ['content-encoding'] },
  { name: 'gzip_static: only the .gz, client sends no Accept-Encoding', path: '/gz/only.css' },
  { name: 'gzip_static: only the .gz, client refuses gzip (q=0)', path: '/gz/only.css', headers: { 'Accept-Encoding': 'gzip;q=0, identity' } },
  { name: 'gzip_static: only the .gz, client takes br only', path: '/gz/only.css', headers: { 'Accept-Encoding': 'br' } },
  { name: 'gzip_static: only the .gz, HEAD', method: 'HEAD', path: '/gz/only.css', headers: { 'Accept-Encoding': 'gzip' }, compareHeaders: ['content-encoding'] },
  { name: 'gzip_static: only the .gz, a POST is the 404', method: 'POST', path: '/gz/only.css', headers: { 'Accept-Encoding': 'gzip' } },
  { name: 'gzip_static: only the .gz, a Range gets it whole', path: '/gz/only.css', headers: { 'Accept-Encoding': 'gzip', Range: 'bytes=0-4' }, compareHeaders: ['content-encoding'] },
  { name: "gzip_static: only the .gz, If-None-Match with the .gz's ETag", path: '/gz/only.css', previous: 'gzip_static: only the .gz, client takes gzip', fromPrevious: (r) => ({ 'Accept-Encoding': 'gzip', 'If-None-Match': etagOf(r) }), compareHeaders: ['content-encoding'] },
  { name: 'gzip_static: only the .gz, If-Modified-Since its mtime', path: '/gz/only.css', headers: { 'Accept-Encoding': 'gzip', 'If-Modified-Since': AT_MTIME }, compareHeaders: ['content-encoding'] },
  { name: 'gzip_static: file and .gz, client takes gzip', path: '/gz/both.css', headers: { 'Accept-Encoding': 'gzip' }, compareHeaders: ['content-encoding'] },
  { name: 'gzip_static: file and .gz, a Range with gzip gets the .gz whole', path: '/gz/both.css', headers: { 'Accept-Encoding': 'gzip', Range: 'bytes=0-4' }, compareHeaders: ['content-encoding'] },
  { name: 'gzip_static: file and .gz, a Range without gzip gets the range', path: '/gz/both.css', headers: { Range: 'bytes=0-4' }, compareHeaders: ['content-encoding'] },

  // Range: nginx parses `bytes=` strictly (416) and ignores other units and `bytes =`.
  { name: 'range: bytes=abc is 416', path: '/index.html', headers: { Range: 'bytes=abc' } },
  { name: 'range: bytes=- is 416', path: '/index.html', headers: { Range: 'bytes=-' } },
  { name: 'range: bytes=5-2 is 416', path: '/index.html', headers: { Range: 'bytes=5-2' } },
  { name: 'range: a trailing comma is 416', path: '/index.html', headers: { Range: 'bytes=0-4,' } },
  { name: 'range: an empty item is 416', path: '/index.html', headers: { Range: 'bytes=0-1,,3-4' } },
  { name: 'range: garbage after a range is 416', path: '/index.html', headers: { Range: 'bytes=0-4x' } },
  { name: 'range: a number past 2^63 is 416', path: '/index.html', headers: { Range: 'bytes=0-99999999999999999999' } },
  { name: 'range: a malformed one on an empty file is 416', path: '/empty.bin', headers: { Range: 'bytes=abc' } },
  { name: 'range: another unit is ignored', path: '/index.html', headers: { Range: 'items=0-4' } },
  { name: 'range: a space before = is ignored', path: '/index.html', headers: { Range: 'bytes = 0-4' } },
  { name: 'range: spaces around the numbers are fine', path: '/index.html', headers: { Range: 'bytes= 0 - 4' } },
  { name: 'range: the unit in capitals', path: '/index.html', headers: { Range: 'Bytes=0-4' } },
  { name: 'range: a reversed range next to a good one', path: '/index.html', headers: { Range: 'bytes=5-2,0-1' } },
  { name: 'range: two Range fields, the first counts', path: '/index.html', headers: { Range: ['bytes=0-1', 'bytes=2-3'] } },
  { name: 'range: a stale If-Range with a malformed range is the whole file', path: '/index.html', headers: { Range: 'bytes=abc', 'If-Range': '"stale"' } },

  // If-Modified-Since: nginx's `exact` — only the mtime's own second is "not modified".
  { name: 'If-Modified-Since the mtime', path: '/index.html', headers: { 'If-Modified-Since': AT_MTIME } },
  { name: 'If-Modified-Since a second later', path: '/index.html', headers: { 'If-Modified-Since': SECOND_LATER } },
  { name: 'If-Modified-Since far in the future', path: '/index.html', headers: { 'If-Modified-Since': 'Fri, 01 Jan 2100 00:00:00 GMT' } },
  { name: 'If-Modified-Since the mtime without a zone', path: '/index.html', headers: { 'If-Modified-Since': 'Wed, 01 May 2024 12:00:00' } },
  { name: 'If-Modified-Since the mtime with a length parameter', path: '/index.html', headers: { 'If-Modified-Since': `${AT_MTIME}; length=74` } },
  { name: 'If-Modified-Since in RFC 850 form', path: '/index.html', headers: { 'If-Modified-Since': 'Wednesday, 01-May-24 12:00:00 GMT' } },
  { name: 'file', path: '/index.html' },
  { name: 'If-None-Match matching, If-Modified-Since a second later: 200', path: '/index.html', previous: 'file', fromPrevious: (r) => ({ 'If-None-Match': r.headers.etag ?? '', 'If-Modified-Since': SECOND_LATER }) },
  { name: 'If-None-Match matching, If-Modified-Since the mtime: 304', path: '/index.html', previous: 'file', fromPrevious: (r) => ({ 'If-None-Match': r.headers.etag ?? '', 'If-Modified-Since': AT_MTIME }) },
  { name: 'If-None-Match stale, If-Modified-Since the mtime: 200', path: '/index.html', headers: { 'If-None-Match': '"stale"', 'If-Modified-Since': AT_MTIME } },
  { name: 'If-Unmodified-Since unreadable: 412', path: '/index.html', headers: { 'If-Unmodified-Since': 'garbage' } },
  { name: 'If-Unmodified-Since earlier with a matching If-Match: 412', path: '/index.html', previous: 'file', fromPrevious: (r) => ({ 'If-Match': r.headers.etag ?? '', 'If-Unmodified-Since': 'Wed, 01 May 2024 11:59:59 GMT' }) },

  // Fields nginx takes once: a second one is 400 ("client sent duplicate header line").
  { name: 'duplicate If-Match', path: '/index.html', headers: { 'If-Match': ['*', '*'] } },
  { name: 'duplicate If-None-Match', path: '/index.html', headers: { 'If-None-Match': ['"a"', '"b"'] } },
  { name: 'duplicate If-Modified-Since', path: '/index.html', headers: { 'If-Modified-Since': [AT_MTIME, AT_MTIME] } },
  { name: 'duplicate If-Unmodified-Since', path: '/index.html', headers: { 'If-Unmodified-Since': [AT_MTIME, AT_MTIME] } },
  { name: 'duplicate If-Range', path: '/index.html', headers: { Range: 'bytes=0-1', 'If-Range': ['"a"', '"a"'] } },
  { name: 'duplicate Content-Range', path: '/index.html', headers: { 'Content-Range': ['bytes 0-1/2', 'bytes 0-1/2'] } },
  { name: 'duplicate Authorization', path: '/index.html', headers: { Authorization: ['Basic eDp5', 'Basic eDp5'] } },
  { name: 'duplicate Accept-Encoding is fine', path: '/index.html', headers: { 'Accept-Encoding': ['gzip', 'br'] } },
  { name: 'duplicate User-Agent is fine', path: '/index.html', headers: { 'User-Agent': ['a', 'b'] } },
];

function writeSite(root: string): void {
  const file = (rel: string, bytes: string | Buffer) => {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), bytes);
    utimesSync(join(root, rel), FIXED, FIXED);
  };
  file('site/index.html', '<!doctype html><title>home</title><p>Hello from the conformance site.</p>\n');
  file('site/empty.bin', '');
  file('site/gz/only.css.gz', gzipSync(CSS));
  file('site/gz/both.css', CSS);
  file('site/gz/both.css.gz', gzipSync(CSS));
}

differentialSuite('differential conformance: Berth vs nginx (gzip_static, malformed ranges, conditional requests, duplicate fields)', {
  skip: NGINX_MISSING,
  tmpPrefix: 'berth-conformance-validators-',
  prepare: writeSite,
  configFor: (port, { root }) => configFor(port, root),
  label: 'gzip_static, ranges, validators, duplicate fields',
  corpus,
});
