import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect, createServer, type Server } from 'node:tls';
import { caPaths } from '../../certs/ca.js';
import { CertService } from '../../certs/cert-service.js';
import { configSchema, type BerthConfig } from '../../config/schema.js';
import { createSniStore, type SniStore } from './sni-store.js';

const PORT = 8443;
let root: string;
let certsDir: string;
let caPem: string;
let service: CertService;
let config: BerthConfig;
let store: SniStore;
let server: Server;
let port: number;

function makeConfig(aNames: string[]): BerthConfig {
  const tlsListen = (defaultServer = false) => [{ port: PORT, tls: true, defaultServer }];
  return configSchema.parse({
    schemaVersion: 1,
    sites: [
      { id: 'a', names: aNames, listen: tlsListen(), tls: { certificate: 'auto' } },
      { id: 'b', names: ['*.b.localhost'], listen: tlsListen(), tls: { certificate: 'auto' } },
      { id: 'c', names: ['c.localhost'], listen: tlsListen(true), tls: { certificate: 'mine' } },
      { id: 'plain', names: ['plain.localhost'] },
    ],
  });
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'berth-sni-'));
  certsDir = join(root, 'certs');
  config = makeConfig(['a.localhost']);
  service = new CertService({ certsDir, timers: { setTimeout: () => null, clearTimeout: () => undefined } });
  await service.start(config);
  await service.issue({ names: ['c.localhost'], id: 'mine' });
  caPem = await readFile(caPaths(certsDir).cert, 'utf8');
  store = createSniStore(certsDir, () => config);
  await store.reload();
  // As the proxy's TLS listener does: the SNI callback asks the store for every handshake.
  server = createServer({ SNICallback: (name, cb) => cb(null, store.contextFor(name, PORT) ?? undefined) }, (socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  service.stop();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(root, { recursive: true, force: true });
});

/** One full handshake naming `servername`, verified against the Berth CA; the certificate the server sent. */
function handshake(servername: string): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername, ca: caPem, timeout: 10_000 }, () => {
      const raw = socket.getPeerCertificate().raw;
      socket.end();
      resolve(new X509Certificate(raw));
    });
    socket.on('error', reject);
    socket.on('timeout', () => socket.destroy(new Error('handshake timed out')));
  });
}

describe('SNI store', () => {
  it('serves each site its own certificate on one port: exact name, wildcard, certificate id', async () => {
    const a = await handshake('a.localhost');
    assert.match(a.subjectAltName ?? '', /DNS:a\.localhost/);
    assert.equal(a.fingerprint256, (await service.get('auto-a')).fingerprintSha256);
    const b = await handshake('x.b.localhost');
    assert.match(b.subjectAltName ?? '', /DNS:\*\.b\.localhost/);
    const c = await handshake('c.localhost');
    assert.equal(c.fingerprint256, (await service.get('mine')).fingerprintSha256);
  });

  it("falls back to the port's default site for an unknown name and for no SNI; null on a port without TLS", () => {
    const mine = store.contextFor('c.localhost', PORT);
    assert.ok(mine);
    assert.equal(store.contextFor('unknown.localhost', PORT), mine);
    assert.equal(store.contextFor(null, PORT), mine);
    assert.equal(store.contextFor('a.localhost', 9999), null);
    assert.notEqual(store.contextFor('A.LOCALHOST.', PORT), mine, 'names match case-insensitively, trailing dot ignored');
  });

  it('swaps certificates under load with zero failed handshakes', async () => {
    const failures: unknown[] = [];
    const seen = new Set<string>();
    let stop = false;
    let done = 0;
    // Bounded load: 4 clients in a loop, at most 2000 handshakes, until the swaps finish.
    const client = async (): Promise<void> => {
      while (!stop && done < 2000) {
        try {
          const cert = await handshake('a.localhost');
          seen.add(cert.fingerprint256);
          done++;
        } catch (e) {
          failures.push(e);
          done++;
        }
      }
    };
    const clients = [client(), client(), client(), client()];
    const fingerprints: string[] = [];
    for (let i = 1; i <= 5; i++) {
      config = makeConfig(['a.localhost', `v${i}.a.localhost`]);
      const changed = await service.applyConfig(config);
      assert.deepEqual(changed, ['auto-a']);
      fingerprints.push((await service.get('auto-a')).fingerprintSha256);
      await store.reload(); // what the proxy does on `certs-updated`
      await new Promise((r) => setTimeout(r, 30));
    }
    stop = true;
    await Promise.all(clients);
    assert.deepEqual(failures, []);
    assert.ok(done >= 20, `only ${done} handshakes ran`);
    const last = await handshake('v5.a.localhost');
    assert.equal(last.fingerprint256, fingerprints.at(-1));
    assert.ok(seen.size >= 2, 'clients saw the certificate change');
  });

  it('keeps the previous certificate when a file cannot be read during a reload', async () => {
    const before = store.contextFor('c.localhost', PORT);
    const fingerprint = (await service.get('mine')).fingerprintSha256;
    const f = join(certsDir, 'store', 'mine');
    const { rename } = await import('node:fs/promises');
    await rename(f, `${f}.away`);
    try {
      await store.reload();
      assert.equal(store.contextFor('c.localhost', PORT), before);
      const c = await handshake('c.localhost');
      assert.equal(c.fingerprint256, fingerprint);
    } finally {
      await rename(`${f}.away`, f);
    }
    await store.reload();
  });

  it('logs a certificate still missing after the retries with its id and sites; again when it goes missing again', async () => {
    const warnings: string[] = [];
    const withGone = configSchema.parse({
      schemaVersion: 1,
      sites: [
        { id: 'c', names: ['c.localhost'], listen: [{ port: PORT, tls: true, defaultServer: true }], tls: { certificate: 'mine' } },
        { id: 'd', names: ['d.localhost'], listen: [{ port: PORT, tls: true }], tls: { certificate: 'deleted-cert' } },
      ],
    });
    let current = withGone;
    const own = createSniStore(certsDir, () => current, { warn: (m) => warnings.push(m), retryMs: 1 });
    const settled = () => waitUntil(() => warnings.length > 0);
    await own.reload();
    await settled();
    assert.deepEqual(warnings, [
      `certificate "deleted-cert" of site "d" is not in the certificate store, so TLS there answers with the port's default certificate; import it on the Certificates page or set tls.certificate to "auto"`,
    ]);
    // What the site gets meanwhile: the port's default site's certificate.
    assert.equal(own.contextFor('d.localhost', PORT), own.contextFor('c.localhost', PORT));
    // The same problem on the next reload (an apply) is not repeated…
    await own.reload();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(warnings.length, 1);
    // …but once fixed and broken again, it is said again.
    current = configSchema.parse({ ...withGone, sites: [withGone.sites[0]] });
    await own.reload();
    current = withGone;
    warnings.length = 0;
    await own.reload();
    await settled();
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /"deleted-cert" of site "d"/);
  });
});

async function waitUntil(done: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
