// The hardening matrix: malformed and hostile requests sent on raw sockets to the real `berth serve`
// (its proxy worker on the raw HTTP/1.1 engine), each with the status it must get. The matrix is
// printed for the closing note. Site limits: 1 KiB bodies, 1 s header and body timeouts.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BerthConfig } from '../../server-core/config/schema.js';
import { makeTempDir, startBerth, waitFor, type BerthProcess } from '../helpers/berth-process.js';
import { waitForProxyConfig } from '../helpers/proxy-config.js';

interface Case {
  name: string;
  /** Pieces of the request; a number is a pause in ms. */
  send: Array<string | number>;
  want: number | 'closed';
}

/** Sends the pieces and returns the first status line's code (0 when the server closed without answering). */
async function statusOf(port: number, send: Array<string | number>, timeoutMs = 5000): Promise<number> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  await new Promise<void>((r) => socket.once('connect', () => r()));
  let text = '';
  socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  for (const p of send) {
    if (typeof p === 'number') await new Promise((r) => setTimeout(r, p));
    else if (!socket.destroyed) socket.write(p);
    if (/^HTTP\/1\.1 \d{3} /.test(text)) break;
  }
  const deadline = Date.now() + timeoutMs;
  while (!/^HTTP\/1\.1 \d{3} /.test(text) && Date.now() < deadline && !socket.destroyed) {
    await Promise.race([closed, new Promise((r) => setTimeout(r, 20))]);
  }
  socket.destroy();
  const m = /^HTTP\/1\.1 (\d{3}) /.exec(text);
  return m ? Number(m[1]) : 0;
}

describe('proxy hardening matrix (raw sockets against berth serve)', () => {
  let berth: BerthProcess;
  let upstream: Server;
  let port = 0;
  const www = makeTempDir('berth-hardening-www-');

  before(async () => {
    mkdirSync(join(www, 'sub'), { recursive: true });
    writeFileSync(join(www, 'index.html'), 'index');
    writeFileSync(join(www, 'sub', 'file.txt'), 'file');
    upstream = createServer((req, res) => {
      let n = 0;
      req.on('data', (c: Buffer) => (n += c.length));
      req.on('end', () => res.end(`got ${n}`));
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
    const upstreamPort = (upstream.address() as { port: number }).port;

    berth = await startBerth();
    const current = (await berth.api<{ version: number; config: BerthConfig }>('/api/v1/config')).body;
    const next = structuredClone(current.config) as unknown as Record<string, unknown>;
    next.apps = [];
    next.upstreams = [];
    // Info lines too: the engine logs refused heads at info, as nginx does.
    const settings = next.settings as { logs?: Record<string, unknown> };
    settings.logs = { ...settings.logs, errorLevel: 'info' };
    next.sites = [
      {
        id: 'hard',
        names: ['h.test'],
        root: www,
        limits: { maxBodyBytes: 1024, headerTimeoutS: 1, bodyTimeoutS: 1, keepaliveTimeoutS: 75 },
        locations: [
          { match: { kind: 'prefix', path: '/' }, handler: { type: 'static' } },
          { match: { kind: 'prefix', path: '/up/' }, handler: { type: 'proxy', url: `http://127.0.0.1:${upstreamPort}` } },
        ],
      },
    ];
    const applied = await berth.api<{ version: { version: number } }>('/api/v1/config', { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(next) });
    assert.equal(applied.status, 200, JSON.stringify(applied.body));
    port = (await berth.status()).proxy.httpPort;
    // Every worker (one per core by default): a worker still on the old config has other limits.
    await waitForProxyConfig(berth, applied.body.version.version);
    await waitFor('the hardened site', async () => ((await statusOf(port, ['GET /up/x HTTP/1.1\r\nHost: h.test\r\nConnection: close\r\n\r\n'])) === 200 ? true : undefined));
  });

  after(async () => {
    await berth?.stop();
    berth?.cleanup();
    await new Promise<void>((r) => upstream.close(() => r()));
  });

  const H = 'Host: h.test\r\n';
  const big = 'x'.repeat(600);
  const cases: Case[] = [
    { name: 'baseline GET', send: [`GET / HTTP/1.1\r\n${H}\r\n`], want: 200 },
    { name: 'baseline POST through the proxy', send: [`POST /up/ HTTP/1.1\r\n${H}Content-Length: 5\r\n\r\nhello`], want: 200 },
    { name: 'smuggling: Content-Length + Transfer-Encoding', send: [`POST /up/ HTTP/1.1\r\n${H}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`], want: 400 },
    { name: 'smuggling: Transfer-Encoding + Content-Length (reversed)', send: [`POST /up/ HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n`], want: 400 },
    { name: 'smuggling: Transfer-Encoding on HTTP/1.0', send: [`POST /up/ HTTP/1.0\r\n${H}Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n`], want: 400 },
    { name: 'smuggling: two different Content-Length', send: [`POST /up/ HTTP/1.1\r\n${H}Content-Length: 1\r\nContent-Length: 2\r\n\r\nab`], want: 400 },
    // nginx: 400 for a second Content-Length field and for a list, even of equal values (RFC 9110 §8.6 allows either).
    { name: 'smuggling: two identical Content-Length fields', send: [`POST /up/ HTTP/1.1\r\n${H}Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc`], want: 400 },
    { name: 'smuggling: Content-Length list "3, 3"', send: [`POST /up/ HTTP/1.1\r\n${H}Content-Length: 3, 3\r\n\r\nabc`], want: 400 },
    { name: 'Content-Length list "2000, 2000" over the body limit', send: [`POST /up/ HTTP/1.1\r\n${H}Content-Length: 2000, 2000\r\n\r\n`], want: 400 },
    { name: 'smuggling: Transfer-Encoding "chunked, identity"', send: [`POST /up/ HTTP/1.1\r\n${H}Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n`], want: 400 },
    { name: 'smuggling: obfuscated "Transfer-Encoding : chunked"', send: [`POST /up/ HTTP/1.1\r\n${H}Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n`], want: 400 },
    { name: 'smuggling: bad chunk size', send: [`POST /up/ HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nzz\r\n\r\n`], want: 400 },
    { name: 'duplicate Host', send: [`GET / HTTP/1.1\r\n${H}Host: other.test\r\n\r\n`], want: 400 },
    // nginx takes these once (ngx_http_process_unique_header_line): a second one is 400.
    { name: 'a second If-Match', send: [`GET / HTTP/1.1\r\n${H}If-Match: *\r\nIf-Match: *\r\n\r\n`], want: 400 },
    { name: 'a second Authorization', send: [`GET /up/ HTTP/1.1\r\n${H}Authorization: Basic eDp5\r\nauthorization: Basic eDp5\r\n\r\n`], want: 400 },
    { name: 'a second Range is fine (the first counts)', send: [`GET / HTTP/1.1\r\n${H}Range: bytes=0-1\r\nRange: bytes=2-3\r\n\r\n`], want: 206 },
    { name: 'missing Host on HTTP/1.1', send: ['GET / HTTP/1.1\r\n\r\n'], want: 400 },
    { name: 'obs-fold header continuation', send: [`GET / HTTP/1.1\r\n${H}X-A: 1\r\n 2\r\n\r\n`], want: 400 },
    { name: 'bare LF line endings', send: ['GET / HTTP/1.1\nHost: h.test\n\n'], want: 400 },
    { name: 'NUL in a header value', send: [`GET / HTTP/1.1\r\n${H}X-A: a\x00b\r\n\r\n`], want: 400 },
    { name: 'request line over 8 KiB', send: [`GET /${'a'.repeat(9000)} HTTP/1.1\r\n${H}\r\n`], want: 414 },
    { name: 'one header over 8 KiB', send: [`GET / HTTP/1.1\r\n${H}X-Big: ${'a'.repeat(9000)}\r\n\r\n`], want: 431 },
    { name: 'header block over 32 KiB', send: [`GET / HTTP/1.1\r\n${H}${`X-A: ${'b'.repeat(1000)}\r\n`.repeat(40)}\r\n`], want: 431 },
    // nginx has no field-count limit, only 8 KiB a line and 32 KiB in all.
    { name: '300 short header fields (under 32 KiB)', send: [`GET / HTTP/1.1\r\n${H}${Array.from({ length: 300 }, (_, i) => `X-Trace-${i}: abcdefghij\r\n`).join('')}\r\n`], want: 200 },
    { name: 'slow headers (slowloris, 1 s limit)', send: ['GET / HTTP/1.1\r\n', 400, H, 400, 'X-A: 1\r\n', 400, 'X-B: 2\r\n'], want: 408 },
    { name: 'stalled body (1 s limit)', send: [`POST /up/ HTTP/1.1\r\n${H}Content-Length: 100\r\n\r\nabc`], want: 408 },
    { name: 'body over the limit, Content-Length', send: [`POST /up/ HTTP/1.1\r\n${H}Content-Length: 2000\r\n\r\n`], want: 413 },
    { name: 'body over the limit, chunked', send: [`POST /up/ HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n258\r\n${big}\r\n`, 50, `258\r\n${big}\r\n`, 50, `258\r\n${big}\r\n`], want: 413 },
    { name: 'unknown transfer coding', send: [`POST /up/ HTTP/1.1\r\n${H}Transfer-Encoding: gzip, chunked\r\n\r\n`], want: 501 },
    { name: 'HTTP/2.0 on a plain HTTP/1 port', send: [`GET / HTTP/2.0\r\n${H}\r\n`], want: 505 },
    { name: 'traversal ../', send: [`GET /../../etc/passwd HTTP/1.1\r\n${H}\r\n`], want: 400 },
    { name: 'traversal %2e%2e', send: [`GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\n${H}\r\n`], want: 400 },
    { name: 'encoded slash %2F', send: [`GET /sub%2Ffile.txt HTTP/1.1\r\n${H}\r\n`], want: 400 },
    { name: 'encoded backslash %5C', send: [`GET /sub%5Cfile.txt HTTP/1.1\r\n${H}\r\n`], want: 400 },
    { name: 'NUL %00 in the path', send: [`GET /sub/file.txt%00.html HTTP/1.1\r\n${H}\r\n`], want: 400 },
    { name: 'unsupported Expect', send: [`POST /up/ HTTP/1.1\r\n${H}Expect: 200-ok\r\nContent-Length: 1\r\n\r\nx`], want: 417 },
    { name: 'CONNECT authority-form', send: [`CONNECT h.test:443 HTTP/1.1\r\n${H}\r\n`], want: 400 },
  ];

  test('every malformed request gets its status', async () => {
    const rows: string[] = [];
    const failures: string[] = [];
    for (const c of cases) {
      const got = await statusOf(port, c.send);
      rows.push(`${String(got).padEnd(4)} ${c.want === got ? 'ok  ' : 'FAIL'} ${c.name}`);
      if (got !== c.want) failures.push(`${c.name}: got ${got}, want ${c.want}`);
    }
    console.log(`hardening matrix (status, case):\n${rows.join('\n')}`);
    assert.deepEqual(failures, []);
  });

  test("a repeated If-None-Match is logged as the engine's other refused heads: an access-log 400 and an info line without the values", async () => {
    assert.equal(await statusOf(port, [`GET /dup-inm HTTP/1.1\r\n${H}If-None-Match: "secret-a"\r\nIf-None-Match: "secret-b"\r\n\r\n`]), 400);
    const logs = join(berth.dataDir, 'logs');
    const access = await waitFor('the access-log line', () => readIfExists(join(logs, 'hard.access.log')).split('\n').find((l) => l.includes('"GET /dup-inm HTTP/1.1" 400')));
    assert.ok(access);
    const error = await waitFor('the error-log line', () => readIfExists(join(logs, 'error.log')).split('\n').find((l) => l.includes('client sent a duplicate If-None-Match header line (400) while reading the client request')));
    assert.match(error, /\[info\]/);
    assert.doesNotMatch(error, /secret/);
  });
});

function readIfExists(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
