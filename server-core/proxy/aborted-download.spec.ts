// A client that goes away in the middle of a large static file, over HTTP/1.1 and HTTP/2 (TLS,
// ALPN h2): nginx logs the request (200 and the bytes sent so far) when the client leaves, and
// writes nothing at error level, at most an info line "client prematurely closed connection".
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect as h2Connect, type ClientHttp2Session } from 'node:http2';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openLocalCa } from '../certs/ca.js';
import { certFiles, certIdForSite } from '../certs/layout.js';
import { issueLeaf } from '../certs/leaf.js';
import { configSchema } from '../config/schema.js';
import { findFreePort } from '../supervisor/ports.js';
import { ProxyServer } from './proxy-server.js';

/** Past the open-file cache and every socket buffer: the server is still writing when the client leaves. */
const SIZE = 24 * 1024 * 1024;

describe('aborted static downloads', () => {
  let dir = '';
  let proxy: ProxyServer;
  let httpPort = 0;
  let tlsPort = 0;
  const lines: string[] = [];

  /** The first log line matching `pattern` written from now on, or null after `ms`. */
  async function lineMatching(pattern: RegExp, ms: number): Promise<string | null> {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = lines.find((l) => pattern.test(l));
      if (hit !== undefined || Date.now() > deadline) return hit ?? null;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-abort-'));
    await mkdir(join(dir, 'www'));
    await writeFile(join(dir, 'www', 'huge.bin'), Buffer.alloc(SIZE, 0x61));
    tlsPort = await findFreePort();
    const config = configSchema.parse({
      schemaVersion: 1,
      settings: { httpPort: 0, httpsPort: 0, logs: { errorLevel: 'info' } },
      sites: [{ id: 'a', names: ['a.test'], root: join(dir, 'www'), listen: [{ port: 0 }, { port: tlsPort, tls: true }], tls: { certificate: 'auto' } }],
    });
    // The site's certificate where the cert service would put it; a client naming no server gets it.
    const certsDir = join(dir, 'certs');
    const leaf = await issueLeaf(await openLocalCa(certsDir), { names: ['a.test'] });
    const files = certFiles(certsDir, certIdForSite(config.sites[0]!) ?? '');
    await mkdir(dirname(files.key), { recursive: true });
    await writeFile(files.fullchain, leaf.certPem + leaf.chainPem);
    await writeFile(files.key, leaf.keyPem, { mode: 0o600 });
    proxy = new ProxyServer({ warn: () => undefined });
    proxy.onLogLine((_path, line) => lines.push(line));
    const detail = await proxy.start({ dataDir: dir, logDir: join(dir, 'logs'), httpPort: 0, httpsPort: 0, bindAddresses: ['127.0.0.1'] }, config, 1);
    httpPort = detail.listening.find((l) => l.protocol === 'http')?.port ?? 0;
    assert.ok(httpPort > 0);
    assert.ok(detail.listening.some((l) => l.protocol === 'https' && l.port === tlsPort));
  });

  after(async () => {
    await proxy.stop(1000);
    await rm(dir, { recursive: true, force: true });
  });

  it('HTTP/1.1: logged with the bytes sent; the client leaving is no [error] line', async () => {
    lines.length = 0;
    const socket = connect(httpPort, '127.0.0.1');
    await once(socket, 'connect');
    socket.write('GET /huge.bin?h1 HTTP/1.1\r\nHost: a.test\r\n\r\n');
    await once(socket, 'data');
    socket.pause(); // a slow reader: the server's writes back up, then the client leaves
    await new Promise((r) => setTimeout(r, 200));
    socket.destroy();
    const access = await lineMatching(/"GET \/huge\.bin\?h1 HTTP\/1\.1" 200 /, 5000);
    assert.ok(access, 'the aborted download is in the access log');
    const sent = Number(/" 200 (\d+) /.exec(access)?.[1]);
    assert.ok(sent > 0 && sent < SIZE, `partial bytes logged: ${sent}`);
    const info = await lineMatching(/\[info\] .*client prematurely closed connection.*request: "GET \/huge\.bin\?h1 HTTP\/1\.1"/, 2000);
    assert.deepEqual(
      lines.filter((l) => l.includes('[error]')),
      [],
    );
    assert.ok(info, 'an info line says the client left');
  });

  it('HTTP/2: a client that closes its connection mid-file is logged at once, later requests too', async () => {
    lines.length = 0;
    const session: ClientHttp2Session = h2Connect(`https://127.0.0.1:${tlsPort}`, { rejectUnauthorized: false });
    session.on('error', () => undefined);
    const stream = session.request({ ':path': '/huge.bin?h2', ':authority': 'a.test' });
    stream.on('error', () => undefined);
    stream.pause(); // nothing read: the stream's flow-control window fills and the server waits
    stream.end();
    const [headers] = (await once(stream, 'response')) as [Record<string, unknown>];
    assert.equal(headers[':status'], 200);
    await new Promise((r) => setTimeout(r, 200));
    // Like curl -m: the connection closes (FIN), no RST_STREAM first.
    session.destroy();
    const access = await lineMatching(/"GET \/huge\.bin\?h2 HTTP\/2\.0" 200 /, 3000);
    assert.ok(access, 'the aborted h2 download is in the access log within seconds, not at the idle timeout');
    const sent = Number(/" 200 (\d+) /.exec(access)?.[1]);
    assert.ok(sent > 0 && sent < SIZE, `partial bytes logged: ${sent}`);

    const next = h2Connect(`https://127.0.0.1:${tlsPort}`, { rejectUnauthorized: false });
    const ok = next.request({ ':path': '/huge.bin?h2-after', ':authority': 'a.test', range: 'bytes=0-9' });
    ok.resume();
    ok.end();
    await once(ok, 'close');
    next.close();
    assert.ok(await lineMatching(/"GET \/huge\.bin\?h2-after HTTP\/2\.0" 206 10 /, 3000));
    assert.deepEqual(
      lines.filter((l) => l.includes('[error]')),
      [],
    );
  });
});
