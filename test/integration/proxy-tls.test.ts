// HTTPS through the real `berth serve` with 2 proxy workers: certificates from the cert service's
// auto issuance, SNI for two names on one port (curl --resolve, verified against Berth's CA),
// HTTP/2 by ALPN (curl --http2, nghttp -nv) with HTTP/1.1 fallback, HTTP→HTTPS redirect and HSTS,
// certificate swaps under a bounded handshake loop, and both workers accepting on the shared port.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect as h2Connect } from 'node:http2';
import { createServer as createHttpServer } from 'node:http';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { promisify } from 'node:util';
import type { BerthConfig } from '../../server-core/config/schema.js';
import { findFreePort } from '../../server-core/supervisor/ports.js';
import { startBerth, waitFor, type BerthProcess } from '../helpers/berth-process.js';
import { h2Request } from '../helpers/http.js';
import { waitForProxyConfig } from '../helpers/proxy-config.js';

const run = promisify(execFile);

async function curl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('curl', ['-sS', '--max-time', '10', ...args], { encoding: 'utf8' });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** The leaf certificate a handshake gets (openssl s_client; stdin closed so it leaves at once). */
async function servedCertPem(port: number, servername: string | null): Promise<string> {
  const sni = servername ? ['-servername', servername] : ['-noservername'];
  const { stdout } = await run('sh', ['-c', 'openssl s_client -connect "$0" "$@" </dev/null 2>/dev/null', `127.0.0.1:${port}`, ...sni], { encoding: 'utf8' });
  return stdout.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/)?.[0] ?? '';
}

async function servedCertText(port: number, servername: string | null): Promise<string> {
  const pem = await servedCertPem(port, servername);
  return new Promise((resolve, reject) => {
    const child = execFile('openssl', ['x509', '-noout', '-ext', 'subjectAltName'], { encoding: 'utf8' }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
    child.stdin?.end(pem);
  });
}

/** One HTTPS GET on a fresh connection (new handshake), verified against `ca` for `name`. */
function httpsGet(port: number, name: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, servername: name, path: '/', headers: { host: name }, ca, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/**
 * One verified handshake and GET on a fresh connection, and which worker served it: the pid owning
 * the server side of the connection (`ss -tnp`), read while the connection is still open.
 */
async function tlsProbe(port: number, name: string, ca: string): Promise<{ pid: number; status: number; certDer: Buffer }> {
  const sock = tlsConnect({ host: '127.0.0.1', port, servername: name, ca });
  sock.setTimeout(5000, () => sock.destroy(new Error('timeout')));
  try {
    await once(sock, 'secureConnect');
    const certDer = sock.getPeerCertificate().raw;
    const { stdout } = await run('ss', ['-Htnp', 'state', 'established', `( sport = :${port} and dport = :${sock.localPort ?? 0} )`], { encoding: 'utf8' });
    const pid = Number(/pid=(\d+)/.exec(stdout)?.[1] ?? 0);
    let text = '';
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => (text += d));
    sock.end(`GET / HTTP/1.1\r\nHost: ${name}\r\nConnection: close\r\n\r\n`);
    await once(sock, 'end');
    return { pid, status: Number(/^HTTP\/1\.1 (\d{3}) /.exec(text)?.[1] ?? 0), certDer };
  } finally {
    sock.destroy();
  }
}

/** Probes `name` on fresh connections until every pid in `pids` passed `ok` once (bounded). */
async function everyWorker(port: number, name: string, ca: string, pids: readonly number[], ok: (p: { status: number; certDer: Buffer }) => boolean): Promise<boolean> {
  const passed = new Set<number>();
  for (let i = 0; i < 200 && !pids.every((p) => passed.has(p)); i++) {
    const probe = await tlsProbe(port, name, ca).catch(() => null);
    if (probe && ok(probe)) passed.add(probe.pid);
  }
  return pids.every((p) => passed.has(p));
}

describe('HTTPS, SNI, HTTP/2 and shared listeners (berth serve, 2 workers)', () => {
  let berth: BerthProcess;
  let tlsPort = 0;
  let httpPort = 0;
  let ca = '';
  let caFile = '';
  let config: BerthConfig;

  const putConfig = async (c: BerthConfig): Promise<void> => {
    const r = await berth.api<{ version?: { version: number }; error?: unknown }>('/api/v1/config', { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(c) });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    // The API answers before the workers switched: wait for both.
    await waitForProxyConfig(berth, r.body.version?.version);
  };
  const proxyPids = async (): Promise<number[]> =>
    (await berth.status()).children.filter((c) => c.role === 'proxy' && c.state === 'running' && c.pid !== null).map((c) => c.pid as number);

  before(async () => {
    berth = await startBerth({ args: ['--proxy-workers', '2'] });
    tlsPort = await findFreePort();
    httpPort = await findFreePort();
    for (const s of ['a', 'b']) {
      mkdirSync(join(berth.dataDir, 'www-' + s), { recursive: true });
      writeFileSync(join(berth.dataDir, 'www-' + s, 'index.html'), `site ${s}\n`);
    }
    const current = await berth.api<{ config: BerthConfig }>('/api/v1/config');
    config = {
      ...current.body.config,
      sites: [
        {
          id: 'a',
          names: ['a.localhost'],
          root: join(berth.dataDir, 'www-a'),
          listen: [{ port: tlsPort, tls: true, http2: true, defaultServer: true }, { port: httpPort, tls: false, http2: true, defaultServer: false }],
          tls: { certificate: 'auto', redirectHttp: true, hstsMaxAgeS: 3600 },
        },
        { id: 'b', names: ['b.localhost'], root: join(berth.dataDir, 'www-b'), listen: [{ port: tlsPort, tls: true, http2: true, defaultServer: false }], tls: { certificate: 'auto', redirectHttp: false, hstsMaxAgeS: 0 } },
      ] as BerthConfig['sites'],
    };
    await putConfig(config);
    caFile = join(berth.dataDir, 'certs', 'ca', 'ca.crt.pem');
    // Auto leaves are issued after the config; the workers reload on certs-updated.
    await waitFor(
      'both auto certificates served',
      async () => {
        ca = readFileSync(caFile, 'utf8');
        try {
          const [a, b] = await Promise.all([httpsGet(tlsPort, 'a.localhost', ca), httpsGet(tlsPort, 'b.localhost', ca)]);
          return a.status === 200 && b.status === 200 ? true : undefined;
        } catch {
          return undefined;
        }
      },
      20_000,
      100,
    );
    // One worker serving them says little about the other, which reloads its certificates on its
    // own: probe until each worker has served both names (connections pinned by `ss`, bounded).
    const pids = await proxyPids();
    assert.equal(pids.length, 2);
    await waitFor('both workers serving both names', async () => {
      for (const name of ['a.localhost', 'b.localhost']) if (!(await everyWorker(tlsPort, name, ca, pids, (p) => p.status === 200))) return undefined;
      return true;
    }, 20_000, 100);
  });

  after(async () => {
    await berth.stop();
    berth.cleanup();
  });

  test('status shows two proxy workers, both running', async () => {
    const proxies = (await berth.status()).children.filter((c) => c.role === 'proxy');
    assert.deepEqual(
      proxies.map((c) => [c.id, c.state]),
      [
        ['proxy-1', 'running'],
        ['proxy-2', 'running'],
      ],
    );
    assert.notEqual(proxies[0]?.pid, proxies[1]?.pid);
  });

  test('SNI: two names on one port, each with its own verified certificate', async () => {
    for (const name of ['a.localhost', 'b.localhost']) {
      const r = await curl(['--cacert', caFile, '--resolve', `${name}:${tlsPort}:127.0.0.1`, `https://${name}:${tlsPort}/`]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `site ${name[0]}\n`);
    }
    // Each name gets the certificate whose SAN names it; no SNI gets the port's default site's (a).
    assert.match(await servedCertText(tlsPort, 'b.localhost'), /DNS:b\.localhost/);
    assert.match(await servedCertText(tlsPort, 'a.localhost'), /DNS:a\.localhost/);
    assert.match(await servedCertText(tlsPort, null), /DNS:a\.localhost/);
  });

  test('HTTP/2 by ALPN (curl --http2, nghttp -nv), HTTP/1.1 fallback', async () => {
    const h2 = await curl(['--http2', '--cacert', caFile, '--resolve', `a.localhost:${tlsPort}:127.0.0.1`, '-o', '/dev/null', '-w', '%{http_version} %{http_code}', `https://a.localhost:${tlsPort}/`]);
    assert.equal(h2.stdout, '2 200', h2.stderr);
    const h1 = await curl(['--http1.1', '--cacert', caFile, '--resolve', `a.localhost:${tlsPort}:127.0.0.1`, '-o', '/dev/null', '-w', '%{http_version} %{http_code}', `https://a.localhost:${tlsPort}/`]);
    assert.equal(h1.stdout, '1.1 200', h1.stderr);
    // nghttp without SNI (an IP address): the port's default site's certificate, :authority routes.
    const { stdout } = await run('nghttp', ['-nv', '-H', ':authority: b.localhost', `https://127.0.0.1:${tlsPort}/`], { encoding: 'utf8' });
    assert.match(stdout, /The negotiated protocol: h2/);
    assert.match(stdout, /recv \(stream_id=\d+\) :status: 200/);
    const body = await run('nghttp', ['-H', ':authority: b.localhost', `https://127.0.0.1:${tlsPort}/`], { encoding: 'utf8' });
    assert.equal(body.stdout, 'site b\n');
  });

  test('an HTTP/2 POST without Content-Length past client_max_body_size is answered and no worker dies', async () => {
    const before = await proxyPids();
    // 2 MiB in DATA frames, no length (the site allows 1 MiB), to a handler that does not read it.
    const answer = await new Promise<{ status: number; rst: number | undefined }>((resolve, reject) => {
      const session = h2Connect(`https://127.0.0.1:${tlsPort}`, { ca, servername: 'a.localhost' });
      session.on('error', reject);
      const req = session.request({ ':method': 'POST', ':path': '/', ':authority': 'a.localhost' }, { endStream: false });
      let status = 0;
      req.on('response', (h) => (status = Number(h[':status'])));
      req.on('error', () => undefined); // the server may reset the stream once it has answered
      req.resume();
      req.on('close', () => {
        session.close();
        resolve({ status, rst: req.rstCode });
      });
      req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s')));
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      for (let i = 0; i < 32; i++) req.write(chunk);
      req.end();
    });
    // The static handler's 405 or the limit's 413, then the stream ends with NO_ERROR (RFC 9113 §8.1).
    assert.ok(answer.status === 405 || answer.status === 413, `status ${answer.status}`);
    assert.equal(answer.rst, 0);
    assert.deepEqual(await proxyPids(), before, 'the same workers are running');
    const after = await httpsGet(tlsPort, 'a.localhost', ca);
    assert.equal(after.status, 200);
  });

  test('an HTTP/2 POST whose Content-Length is past the limit gets its 413 without a Connection field (HTTP/2 has none)', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const session = h2Connect(`https://127.0.0.1:${tlsPort}`, { ca, servername: 'a.localhost' });
      session.on('error', reject);
      const req = session.request({ ':method': 'POST', ':path': '/', ':authority': 'a.localhost', 'content-length': String(2 * 1024 * 1024) }, { endStream: false });
      req.on('error', () => undefined); // the body is never sent: the stream is reset once answered
      req.on('response', (h) => {
        resolve(Number(h[':status']));
        req.close();
        session.close();
      });
      req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s')));
    });
    assert.equal(status, 413);
    // node:http2 drops a Connection field with a warning on the worker's stderr (RFC 9113 §8.2.2).
    await new Promise((r) => setTimeout(r, 200));
    assert.doesNotMatch(berth.output(), /connection header is not valid/);
  });

  test('an imported RSA certificate with its intermediate is served for its name next to auto (ECDSA) ones', async () => {
    // A company-CA-style chain made with openssl: root → intermediate → RSA leaf for c.localhost.
    const pki = join(berth.dataDir, 'pki');
    mkdirSync(pki);
    const ossl = (...args: string[]) => run('openssl', args, { cwd: pki });
    await ossl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'root.key', '-out', 'root.pem', '-days', '30', '-subj', '/CN=Test Root');
    writeFileSync(join(pki, 'ca.ext'), 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n');
    writeFileSync(join(pki, 'leaf.ext'), 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:c.localhost\n');
    await ossl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'int.key', '-out', 'int.csr', '-subj', '/CN=Test Intermediate');
    await ossl('x509', '-req', '-in', 'int.csr', '-CA', 'root.pem', '-CAkey', 'root.key', '-CAcreateserial', '-out', 'int.pem', '-days', '30', '-extfile', 'ca.ext');
    await ossl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=c.localhost');
    await ossl('x509', '-req', '-in', 'leaf.csr', '-CA', 'int.pem', '-CAkey', 'int.key', '-CAcreateserial', '-out', 'leaf.pem', '-days', '30', '-extfile', 'leaf.ext');
    const read = (f: string) => readFileSync(join(pki, f), 'utf8');
    const imported = await berth.api<{ id?: string }>('/api/v1/certs/import', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ certPem: read('leaf.pem'), keyPem: read('leaf.key'), chainPem: read('int.pem'), id: 'company-c' }) });
    assert.equal(imported.status, 201, JSON.stringify(imported.body));
    mkdirSync(join(berth.dataDir, 'www-c'), { recursive: true });
    writeFileSync(join(berth.dataDir, 'www-c', 'index.html'), 'site c\n');
    const site = { id: 'c', names: ['c.localhost'], root: join(berth.dataDir, 'www-c'), listen: [{ port: tlsPort, tls: true, http2: true, defaultServer: false }], tls: { certificate: 'company-c', redirectHttp: false, hstsMaxAgeS: 0 } };
    await putConfig({ ...config, sites: [...config.sites, site] as BerthConfig['sites'] });
    // curl and node:tls offer ECDSA first, as browsers do: the old listener gave them the default site's ECDSA certificate.
    const pids = await proxyPids();
    const leaf = new X509Certificate(read('leaf.pem')).raw;
    await waitFor('every worker serving c.localhost its RSA certificate', async () => ((await everyWorker(tlsPort, 'c.localhost', read('root.pem'), pids, (p) => p.status === 200 && p.certDer.equals(leaf))) ? true : undefined), 20_000, 100);
    const r = await curl(['--cacert', join(pki, 'root.pem'), '--resolve', `c.localhost:${tlsPort}:127.0.0.1`, `https://c.localhost:${tlsPort}/`]);
    assert.equal(`${r.code} ${r.stdout}`, '0 site c\n', r.stderr);
    const chain = await new Promise<string>((resolve) => {
      const child = execFile('openssl', ['s_client', '-connect', `127.0.0.1:${tlsPort}`, '-servername', 'c.localhost', '-showcerts'], { encoding: 'utf8', timeout: 10_000 }, (_err, stdout) => resolve(stdout));
      child.stdin?.end();
    });
    assert.equal((chain.match(/-----BEGIN CERTIFICATE-----/g) ?? []).length, 2, 'leaf and intermediate');
    // The others keep theirs.
    assert.match(await servedCertText(tlsPort, 'a.localhost'), /DNS:a\.localhost/);
    assert.match(await servedCertText(tlsPort, null), /DNS:a\.localhost/);
    await putConfig(config);
  });

  test('plain HTTP sent to the HTTPS port gets nginx\'s 400 "The plain HTTP request was sent to HTTPS port"', async () => {
    const r = await curl(['-s', '-D', '-', `http://127.0.0.1:${tlsPort}/`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.match(r.stdout, /<title>400 The plain HTTP request was sent to HTTPS port<\/title>/);
    // The workers still serve TLS on the port.
    assert.equal((await httpsGet(tlsPort, 'a.localhost', ca)).status, 200);
  });

  test('an HTTP/2 stream waiting on a slow upstream outlives the session idle timeout (nginx times out idle sessions only)', async () => {
    const slow = createHttpServer((req, res) => {
      if (req.url === '/ready') res.end('ready\n');
      else setTimeout(() => res.end('late but whole\n'), 2_500);
    });
    slow.listen(0, '127.0.0.1');
    await once(slow, 'listening');
    try {
      // keepalive_timeout and send_timeout of 1 s (a port's connection limits are its default site's):
      // the old front destroyed the session after 1 s without frames.
      const slowPort = await findFreePort();
      const site = {
        id: 'slowh2',
        names: ['slow.localhost'],
        listen: [{ port: slowPort, tls: true, http2: true, defaultServer: true }],
        tls: { certificate: 'auto', redirectHttp: false, hstsMaxAgeS: 0 },
        limits: { keepaliveTimeoutS: 1, sendTimeoutS: 1 },
        locations: [{ match: { kind: 'prefix', path: '/' }, handler: { type: 'proxy', url: `http://127.0.0.1:${(slow.address() as AddressInfo).port}` } }],
      };
      await putConfig({ ...config, sites: [...config.sites, site] as BerthConfig['sites'] });
      // Its auto certificate is issued after the apply: wait until the port answers.
      await waitFor('slow.localhost served over h2', async () => ((await h2Request(slowPort, { ':path': '/ready', ':authority': 'slow.localhost' }).catch(() => null))?.status === 200 ? true : undefined), 20_000, 100);
      const started = Date.now();
      const r = await h2Request(slowPort, { ':path': '/', ':authority': 'slow.localhost' });
      assert.equal(`${r.status} ${r.body}`, '200 late but whole\n');
      assert.ok(Date.now() - started >= 2_400);
    } finally {
      slow.close();
      await putConfig(config);
    }
  });

  test('TLS 1.1 and below are refused', async () => {
    const r = await curl(['--tlsv1.0', '--tls-max', '1.1', '--ciphers', 'DEFAULT@SECLEVEL=0', '-k', `https://127.0.0.1:${tlsPort}/`]);
    assert.notEqual(r.code, 0);
  });

  test('HTTP→HTTPS redirect keeps the path and query; HSTS only over HTTPS', async () => {
    const r = await curl(['-D', '-', '-o', '/dev/null', '-H', `Host: a.localhost:${httpPort}`, `http://127.0.0.1:${httpPort}/x/y?q=1`]);
    assert.match(r.stdout, /^HTTP\/1\.1 301 /);
    assert.match(r.stdout, new RegExp(`\\r\\nLocation: https://a\\.localhost:${tlsPort}/x/y\\?q=1\\r\\n`, 'i'));
    assert.doesNotMatch(r.stdout, /strict-transport-security/i);
    const s = await curl(['-D', '-', '-o', '/dev/null', '--cacert', caFile, '--resolve', `a.localhost:${tlsPort}:127.0.0.1`, `https://a.localhost:${tlsPort}/`]);
    assert.match(s.stdout, /\r\nstrict-transport-security: max-age=3600\r\n/i);
    const b = await curl(['-D', '-', '-o', '/dev/null', '--cacert', caFile, '--resolve', `b.localhost:${tlsPort}:127.0.0.1`, `https://b.localhost:${tlsPort}/`]);
    assert.doesNotMatch(b.stdout, /strict-transport-security/i);
  });

  test('certificate swaps under a bounded handshake loop: zero failed handshakes', async () => {
    const certPath = join(berth.dataDir, 'certs', 'store', 'auto-b', 'cert.pem');
    const before = await waitFor('b stored', () => readIfStored(certPath), 5_000, 20);
    let stop = false;
    let ok = 0;
    const failures: string[] = [];
    const loop = async (): Promise<void> => {
      for (let i = 0; i < 2000 && !stop; i++) {
        try {
          const r = await httpsGet(tlsPort, 'b.localhost', ca);
          if (r.status === 200) ok++;
          else failures.push(`status ${r.status}`);
        } catch (e) {
          failures.push((e as Error).message);
        }
      }
    };
    const loops = [loop(), loop(), loop()];
    // Each name change re-issues b's leaf (cert service) and the workers reload it mid-loop.
    for (let i = 1; i <= 4; i++) {
      const names = i % 2 === 1 ? ['b.localhost', `v${i}.b.localhost`] : ['b.localhost'];
      const sites = config.sites.map((s) => (s.id === 'b' ? { ...s, names } : s));
      const previous = await waitFor('b stored', () => readIfStored(certPath), 5_000, 20);
      await putConfig({ ...config, sites });
      await waitFor('b re-issued', () => { const now = readIfStored(certPath); return now !== undefined && now !== previous ? true : undefined; }, 15_000, 50);
      await new Promise((r) => setTimeout(r, 300));
    }
    stop = true;
    await Promise.all(loops);
    assert.notEqual(readFileSync(certPath, 'utf8'), before);
    assert.deepEqual(failures, []);
    assert.ok(ok > 20, `only ${ok} handshakes ran`);
    // The swapped certificate is the one served now, by every worker (each reloads on its own
    // after the cert service's notice: poll rather than trust a fixed pause).
    const leaf = new X509Certificate(readFileSync(certPath, 'utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/)?.[0] ?? '').raw;
    const pids = await proxyPids();
    assert.ok(await everyWorker(tlsPort, 'b.localhost', ca, pids, (p) => p.certDer.equals(leaf)), 'every worker serves the swapped certificate');
    const served = await servedCertPem(tlsPort, 'b.localhost');
    assert.equal(new X509Certificate(served).raw.equals(leaf), true);
  });
});

/**
 * A stored certificate file, or undefined while it is being replaced: the cert store renames the
 * old folder away and the new one into place (cert-store.ts), so for a moment the path is absent.
 */
function readIfStored(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}
