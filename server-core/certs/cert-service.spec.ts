import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { configSchema, type BerthConfig } from '../config/schema.js';
import type { CertsUpdated } from '../contract/certs.js';
import { isBerthError } from '../errors.js';
import { autoNamesForSite } from './auto-names.js';
import { caPaths, openLocalCa } from './ca.js';
import { CertService } from './cert-service.js';
import { CertStore } from './cert-store.js';
import { issueLeaf } from './leaf.js';
import { parseNameConstraint } from './names.js';
import { RenewalTimer, RENEW_BEFORE_MS, type Timers } from './renewal.js';
import { openssl, opensslVerify } from './test-openssl.js';

const DAY = 24 * 60 * 60 * 1000;
let root: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'berth-cert-service-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

function config(sites: unknown[]): BerthConfig {
  return configSchema.parse({ schemaVersion: 1, sites });
}

function site(id: string, names: string[], tls: unknown = { certificate: 'auto' }) {
  return { id, names, root: '/srv/x', tls };
}

/** A service on its own certs dir with a movable clock; records what it published and logged. */
async function makeService(name: string, start = new Date()) {
  let now = start;
  const updates: CertsUpdated[] = [];
  const logs: string[] = [];
  const service = new CertService({
    certsDir: join(root, name),
    now: () => now,
    timers: { setTimeout: () => null, clearTimeout: () => undefined },
    onUpdated: (u) => updates.push(u),
    log: (level, m) => logs.push(`${level}: ${m}`),
  });
  return { service, updates, logs, setNow: (d: Date) => (now = d), certsDir: join(root, name) };
}

describe('auto names', () => {
  const constraints = ['localhost', 'test', '127.0.0.0/8'].map(parseNameConstraint);

  it('keeps exact and *. names the CA may sign, expands .name, and says why others are left out', () => {
    const r = autoNamesForSite('s', ['app.localhost', '*.app.localhost', '.shop.test', 'www.*', '~^api\\d+\\.test$', 'example.com', '*.localhost', '_'], constraints);
    assert.deepEqual(r.names, ['app.localhost', '*.app.localhost', 'shop.test', '*.shop.test']);
    const why = Object.fromEntries(r.skipped.map((s) => [s.name, s.reason]));
    assert.match(why['www.*']!, /trailing wildcard/);
    assert.match(why['~^api\\d+\\.test$']!, /regular expression/);
    assert.match(why['example.com']!, /outside the names the Berth CA may sign/);
    assert.match(why['*.localhost']!, /whole top-level domain/);
    assert.equal(r.skipped.every((s) => s.siteId === 's'), true);
  });
});

describe('cert service: auto leaves', () => {
  it('issues a leaf per auto site that openssl verifies, with a 0600 key, and publishes the change', async () => {
    const { service, updates, certsDir } = await makeService('auto-1');
    await service.start(config([site('welcome', ['welcome.localhost']), site('shop', ['shop.test', '*.shop.test', 'www.*']), { id: 'plain', names: ['plain.localhost'] }]));
    const list = await service.list();
    assert.deepEqual(list.certificates.map((c) => [c.id, c.names, c.usedBy, c.source]), [
      ['auto-shop', ['shop.test', '*.shop.test'], ['shop'], { kind: 'auto', siteId: 'shop' }],
      ['auto-welcome', ['welcome.localhost'], ['welcome'], { kind: 'auto', siteId: 'welcome' }],
    ]);
    assert.deepEqual(list.skipped.map((s) => `${s.siteId}:${s.name}`), ['shop:www.*']);
    assert.deepEqual(updates, [{ changed: ['auto-welcome', 'auto-shop'], reason: 'auto' }]);
    const caPem = await readFile(caPaths(certsDir).cert, 'utf8');
    for (const c of list.certificates) {
      const r = await opensslVerify(caPem, await readFile(c.files.cert, 'utf8'));
      assert.equal(r.code, 0, r.stderr);
      if (process.platform !== 'win32') assert.equal((await stat(c.files.key)).mode & 0o777, 0o600);
      assert.equal(c.issuer, 'local-ca');
      assert.equal(c.keyType, 'ecdsa-p256');
    }
    service.stop();
  });

  it('re-issues when names change, keeps an unchanged leaf, removes it when the site goes', async () => {
    const { service, updates } = await makeService('auto-2');
    await service.start(config([site('a', ['a.localhost']), site('b', ['b.localhost'])]));
    const first = await service.get('auto-a');
    const firstB = await service.get('auto-b');
    updates.length = 0;
    await service.applyConfig(config([site('a', ['a.localhost', 'www.a.localhost']), site('b', ['b.localhost'])]));
    const second = await service.get('auto-a');
    assert.deepEqual(second.names, ['a.localhost', 'www.a.localhost']);
    assert.notEqual(second.fingerprintSha256, first.fingerprintSha256);
    assert.equal((await service.get('auto-b')).fingerprintSha256, firstB.fingerprintSha256);
    assert.deepEqual(updates, [{ changed: ['auto-a'], reason: 'auto' }]);
    await service.applyConfig(config([site('a', ['a.localhost', 'www.a.localhost'])]));
    assert.deepEqual((await service.list()).certificates.map((c) => c.id), ['auto-a']);
    assert.deepEqual(updates.at(-1), { changed: ['auto-b'], reason: 'auto' });
    // A site switched to an explicit certificate no longer has an auto leaf.
    await service.applyConfig(config([site('a', ['a.localhost'], { certificate: 'mine' })]));
    assert.deepEqual((await service.list()).certificates, []);
    service.stop();
  });

  it('gives a site with no signable name no certificate, and says so', async () => {
    const { service, logs } = await makeService('auto-3');
    await service.start(config([site('pub', ['example.com'])]));
    assert.deepEqual((await service.list()).certificates, []);
    assert.ok(logs.some((l) => /site "pub": none of its names can be certified/.test(l)));
    service.stop();
  });
});

describe('cert service: renewal with an injected clock', () => {
  it('renews local-CA leaves within 30 days of expiry, not before; the renewed leaf verifies', async () => {
    const t0 = new Date();
    const { service, updates, setNow, certsDir } = await makeService('renew-1', t0);
    await service.start(config([site('w', ['w.localhost'])]));
    const manual = await service.issue({ names: ['tool.localhost'], validityDays: 90 });
    const auto = await service.get('auto-w');
    updates.length = 0;

    // 31 days before the 90-day leaf expires: nothing is due.
    setNow(new Date(Date.parse(manual.notAfter) - RENEW_BEFORE_MS - DAY));
    assert.deepEqual(await service.renewDue(), []);
    assert.deepEqual(updates, []);

    // 29 days before: the 90-day leaf is renewed (same id, names and source), the 365-day one is not.
    const renewAt = new Date(Date.parse(manual.notAfter) - RENEW_BEFORE_MS + DAY);
    setNow(renewAt);
    assert.deepEqual(await service.renewDue(), [manual.id]);
    assert.deepEqual(updates, [{ changed: [manual.id], reason: 'renewal' }]);
    const renewed = await service.get(manual.id);
    assert.deepEqual(renewed.names, manual.names);
    assert.deepEqual(renewed.source, { kind: 'issued' });
    assert.notEqual(renewed.fingerprintSha256, manual.fingerprintSha256);
    assert.ok(Date.parse(renewed.notAfter) > Date.parse(manual.notAfter));
    assert.equal((await service.get('auto-w')).fingerprintSha256, auto.fingerprintSha256);
    const caPem = await readFile(caPaths(certsDir).cert, 'utf8');
    // openssl checks validity against the real time; at `renewAt` the leaf is valid by construction.
    const atTime = ['-attime', String(Math.floor(renewAt.getTime() / 1000) + 60)];
    const dir = await mkdtemp(join(tmpdir(), 'berth-renew-'));
    await writeFile(join(dir, 'ca.pem'), caPem);
    const v = await openssl(['verify', ...atTime, '-purpose', 'sslserver', '-CAfile', join(dir, 'ca.pem'), renewed.files.cert]);
    await rm(dir, { recursive: true, force: true });
    assert.equal(v.code, 0, v.stderr);

    // The auto leaf comes due later: renewed by the same check, and by a config apply.
    setNow(new Date(Date.parse(auto.notAfter) - RENEW_BEFORE_MS + DAY));
    assert.deepEqual(await service.renewDue(), ['auto-w']);
    service.stop();
  });

  it('the renewal timer waits for the earliest due time, runs the check, and reschedules', async () => {
    let now = 1_000_000;
    const scheduled: { fn: () => void; ms: number }[] = [];
    const timers: Timers = { setTimeout: (fn, ms) => scheduled.push({ fn, ms }), clearTimeout: () => undefined };
    let checks = 0;
    let due: number | null = now + 5000;
    const timer = new RenewalTimer({ now: () => new Date(now), timers, nextDue: async () => due, check: async () => void checks++, intervalMs: 60_000 });
    await timer.schedule();
    assert.equal(scheduled.at(-1)?.ms, 5000);
    now += 5000;
    due = null;
    scheduled.at(-1)!.fn();
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    assert.equal(checks, 1);
    assert.equal(scheduled.at(-1)?.ms, 60_000, 'nothing due: look again after the interval');
    due = now - 10;
    await timer.schedule();
    assert.equal(scheduled.at(-1)?.ms, 0, 'overdue: check at once');
    timer.stop();
  });
});

describe('cert service: issue, import, export, delete', () => {
  it('issues with a derived id, refuses bad names and taken or reserved ids', async () => {
    const { service } = await makeService('ops-1');
    await service.open();
    const c = await service.issue({ names: ['*.dev.localhost', '::1'] });
    assert.equal(c.id, 'wildcard.dev.localhost');
    assert.deepEqual(c.names, ['*.dev.localhost', '::1']);
    const again = await service.issue({ names: ['*.dev.localhost'] });
    assert.equal(again.id, 'wildcard.dev.localhost-2');
    await assert.rejects(service.issue({ names: ['a b.localhost'] }), (e) => isBerthError(e, 'BERTH_ERR_CERT_NAME') && /whitespace/.test(e.message));
    await assert.rejects(service.issue({ names: ['*.*.localhost'] }), (e) => isBerthError(e, 'BERTH_ERR_CERT_NAME') && /misplaced "\*"/.test(e.message));
    await assert.rejects(service.issue({ names: ['google.com'] }), (e) => isBerthError(e, 'BERTH_ERR_CERT_NAME') && /outside the names/.test(e.message));
    await assert.rejects(service.issue({ names: ['x.localhost'], id: c.id }), (e) => isBerthError(e, 'BERTH_ERR_CERT_EXISTS'));
    await assert.rejects(service.issue({ names: ['x.localhost'], id: 'auto-x' }), (e) => isBerthError(e, 'BERTH_ERR_CERT_ID'));
    await assert.rejects(service.issue({ names: ['x.localhost'], id: 'trust' }), (e) => isBerthError(e, 'BERTH_ERR_CERT_ID'));
    assert.equal((await service.list()).certificates.length, 2);
  });

  it('imports a cert + key, and a failed import replaces nothing', async () => {
    const { service, certsDir } = await makeService('ops-2');
    await service.open();
    const ca = await openLocalCa(certsDir);
    const leaf = await issueLeaf(ca, { names: ['imp.localhost'] });
    const imported = await service.import({ certPem: leaf.certPem, keyPem: leaf.keyPem, chainPem: leaf.chainPem, id: 'imp' });
    assert.equal(imported.issuer, 'imported');
    assert.equal(imported.caFingerprintSha256, ca.info.fingerprintSha256);
    assert.deepEqual(imported.warnings, []);
    const other = await issueLeaf(ca, { names: ['other.localhost'] });
    await assert.rejects(service.import({ certPem: other.certPem, keyPem: leaf.keyPem, id: 'imp' }), (e) => isBerthError(e, 'BERTH_ERR_CERT_IMPORT') && /does not belong/.test(e.message));
    await assert.rejects(service.import({ certPem: other.certPem, keyPem: other.keyPem, id: 'imp' }), (e) => isBerthError(e, 'BERTH_ERR_CERT_EXISTS'));
    const still = await service.get('imp');
    assert.equal(still.fingerprintSha256, imported.fingerprintSha256);
    assert.equal(await readFile(still.files.key, 'utf8'), leaf.keyPem);
  });

  it('exports PEM (cert + chain, no key) and a PKCS#12 openssl opens with the password', async () => {
    const { service, certsDir } = await makeService('ops-3');
    await service.open();
    const c = await service.issue({ names: ['exp.localhost'] });
    const pem = await service.export(c.id, { format: 'pem' });
    const text = Buffer.from(pem.base64, 'base64').toString();
    assert.equal(pem.fileName, 'exp.localhost.pem');
    assert.equal((text.match(/BEGIN CERTIFICATE/g) ?? []).length, 2);
    assert.equal(text.includes('PRIVATE KEY'), false);
    const p12 = await service.export(c.id, { format: 'p12', password: 'correct horse' });
    const file = join(certsDir, 'out.p12');
    await writeFile(file, Buffer.from(p12.base64, 'base64'));
    const r = await openssl(['pkcs12', '-in', file, '-passin', 'pass:correct horse', '-nodes', '-info']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr + r.stdout, /PBES2, PBKDF2, AES-256-CBC/);
    await assert.rejects(service.export(c.id, { format: 'p12', password: 'abc' }), (e) => isBerthError(e, 'BERTH_ERR_CERT_EXPORT'));
    // The CA key is in no export.
    const caKey = (await readFile(caPaths(certsDir).key, 'utf8')).split('\n')[1]!;
    assert.equal(r.stdout.includes(caKey), false);
    assert.equal(text.includes(caKey), false);
  });

  it('refuses to delete a certificate a site uses, deletes one no site uses', async () => {
    const { service, updates } = await makeService('ops-4');
    await service.start(config([site('s', ['s.localhost'])]));
    const mine = await service.issue({ names: ['mine.localhost'], id: 'mine' });
    await service.applyConfig(config([site('s', ['s.localhost']), site('t', ['t.localhost'], { certificate: 'mine' })]));
    assert.deepEqual((await service.get('mine')).usedBy, ['t']);
    await assert.rejects(service.delete('mine'), (e) => isBerthError(e, 'BERTH_ERR_CERT_IN_USE') && /used by site\(s\) t/.test(e.message));
    await assert.rejects(service.delete('auto-s'), (e) => isBerthError(e, 'BERTH_ERR_CERT_IN_USE'));
    await service.applyConfig(config([site('s', ['s.localhost'])]));
    await service.delete(mine.id);
    assert.deepEqual(updates.at(-1), { changed: ['mine'], reason: 'delete' });
    await assert.rejects(service.delete('mine'), (e) => isBerthError(e, 'BERTH_ERR_CERT_NOT_FOUND'));
    service.stop();
  });

  it('the store lists its ids from the folders, counting one mid-replacement', async () => {
    const { service, certsDir } = await makeService('ops-5');
    await service.start(config([site('s', ['s.localhost'])]));
    await service.issue({ names: ['one.localhost'], id: 'one' });
    const store = new CertStore(certsDir);
    assert.deepEqual([...(await store.ids())].sort(), ['auto-s', 'one']);
    // save() renames the old folder aside for an instant before the new one takes its name.
    await rename(join(certsDir, 'store', 'one'), join(certsDir, 'store', `.old-one-${process.pid}-0a1b2c3d`));
    await mkdir(join(certsDir, 'store', `.new-two-${process.pid}-0a1b2c3d`));
    assert.deepEqual([...(await store.ids())].sort(), ['auto-s', 'one']);
    assert.deepEqual([...(await new CertStore(join(certsDir, 'none')).ids())], []);
    service.stop();
  });
});
