// Differential conformance for the reverse proxy behind HTTP/2 (TLS, ALPN h2): what the upstream
// sees of an HTTP/2 request (no pseudo-header fields, Host from :authority, Cookie crumbs joined,
// bodies with and without Content-Length; a repeated If-Match or Authorization is nginx's 400) and
// what the client gets back (hop-by-hop fields dropped, large bodies intact). Real nginx (`listen … ssl http2`, an openssl self-signed
// certificate) and Berth (the same config imported; its own certificate) proxy to one upstream.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { differentialSuite, NGINX_MISSING, type CorpusCase } from './harness.js';
import { pattern } from './upstream.js';
import { sendH2Curl } from './curl-h2.js';

const OPENSSL_BIN = spawnSync('openssl', ['version']).status === 0;

function configFor(port: number, tlsPort: number, upstreamPort: number, root: string): string {
  return `http {
    include mime.types;
    default_type application/octet-stream;
    access_log off;

    server {
        listen ${port} default_server;
        server_name conf.test;
        location = / { return 200 "ready"; }
    }
    server {
        listen ${tlsPort} ssl http2 default_server;
        server_name proxy.test;
        ssl_certificate ${root}/tls/cert.pem;
        ssl_certificate_key ${root}/tls/key.pem;
        client_max_body_size 20m;
        location /plain/ { proxy_pass http://127.0.0.1:${upstreamPort}; }
        location = /ret { return 200 "answered over h2"; }
    }
}
`;
}

const h = (more: Record<string, string | string[]> = {}) => ({ Host: 'proxy.test', ...more });

const corpus: CorpusCase[] = [
  { name: 'h2: GET through the proxy', path: '/plain/echo?q=1', headers: h({ 'x-custom': 'kept', 'user-agent': 'h2-corpus', te: 'trailers' }) },
  { name: 'h2: :authority with a port', path: '/plain/echo', headers: { Host: 'proxy.test:8443' } },
  { name: 'h2: a host field naming another server than :authority is 400', path: '/plain/echo', headers: { Host: 'proxy.test', host: 'conf.test' } },
  { name: 'h2: cookie crumbs', path: '/plain/echo', headers: h({ cookie: ['a=1', 'b=2', 'c=3'] }) },
  { name: 'h2: POST with Content-Length', method: 'POST', path: '/plain/echo', headers: h(), body: pattern(100_000) },
  { name: 'h2: small POST with Content-Length', method: 'POST', path: '/plain/echo', headers: h(), body: pattern(300) },
  { name: 'h2: POST without Content-Length', method: 'POST', path: '/plain/echo', headers: h(), body: pattern(300_000), chunked: true },
  { name: 'h2: small POST without Content-Length', method: 'POST', path: '/plain/echo', headers: h(), body: pattern(300), chunked: true },
  { name: 'h2: 1 MiB response', path: '/plain/big?n=1048576', headers: h() },
  { name: 'h2: 64 KiB response', path: '/plain/big?n=65536', headers: h() },
  { name: 'h2: hop-by-hop response fields', path: '/plain/hop', headers: h(), compareHeaders: ['connection', 'keep-alive', 'x-named-by-connection', 'x-end-to-end', 'set-cookie'] },
  { name: 'h2: upstream 404', path: '/plain/status/404', headers: h() },
  { name: 'h2: upstream 302 with a relative Location', path: '/plain/status/302', headers: h() },
  { name: 'h2: upstream 204', path: '/plain/status/204', headers: h() },
  { name: 'h2: upstream 304', path: '/plain/status/304', headers: h() },
  { name: 'h2: HEAD through the proxy', method: 'HEAD', path: '/plain/big?n=5000', headers: h() },
  { name: 'h2: upstream chunked response', path: '/plain/chunked', headers: h() },
  { name: 'h2: return', path: '/ret', headers: h() },
];

// nginx's HTTP/2 module runs the same header handlers as HTTP/1.1: a field it takes once, sent
// twice, is 400. Sent with curl (node:http2's client refuses to repeat these fields).
const duplicates: CorpusCase[] = [
  { name: 'h2: a second If-Match is 400', path: '/ret', headers: h({ 'If-Match': ['"a"', '"b"'] }) },
  { name: 'h2: a second Authorization is 400', path: '/plain/echo', headers: h({ Authorization: ['Basic eDp5', 'Basic eDp6'] }) },
  { name: 'h2: a second If-Modified-Since is 400', path: '/ret', headers: h({ 'If-Modified-Since': ['Wed, 01 May 2024 12:00:00 GMT', 'Wed, 01 May 2024 12:00:00 GMT'] }) },
  { name: 'h2: a second Range is fine', path: '/ret', headers: h({ Range: ['bytes=0-1', 'bytes=2-3'] }) },
];

/** An openssl self-signed certificate for nginx (Berth issues its own from its local CA). */
function makeCertificate(root: string): void {
  mkdirSync(join(root, 'tls'));
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=proxy.test', '-addext', 'subjectAltName=DNS:proxy.test', '-keyout', join(root, 'tls', 'key.pem'), '-out', join(root, 'tls', 'cert.pem')], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`openssl req failed: ${made.stderr}`);
}

differentialSuite('differential conformance: the reverse proxy behind HTTP/2', {
  skip: NGINX_MISSING || (OPENSSL_BIN ? false : 'openssl is not installed (apt-get install openssl)'),
  tmpPrefix: 'berth-conformance-h2-',
  upstreams: ['a'],
  prepare: makeCertificate,
  configFor: (port, { root, upstreams: [upstream], tlsPort }) => configFor(port, tlsPort, upstream as number, root),
  h2: { probe: { name: 'probe', path: '/ret', headers: h() } },
  label: 'reverse proxy behind HTTP/2',
  corpus,
  title: 'answers the corpus over HTTP/2 like nginx; every difference is allowlisted with a reason',
  extra: [{ title: 'refuses a repeated field nginx takes once with 400 over HTTP/2, as nginx', label: 'duplicate fields over HTTP/2', corpus: duplicates, send: sendH2Curl }],
});
