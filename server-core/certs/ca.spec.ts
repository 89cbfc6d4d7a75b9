import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { caPaths, ensureLocalCa, loadLocalCa, openLocalCa } from './ca.js';
import { issueLeaf } from './leaf.js';
import { openssl, opensslText, opensslVerify } from './test-openssl.js';

let root: string;
let n = 0;
const freshDir = (): string => join(root, `certs-${++n}`);

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'berth-ca-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('ensureLocalCa', () => {
  it('creates the CA once and reuses it', async () => {
    const dir = freshDir();
    const first = await ensureLocalCa(dir);
    const second = await ensureLocalCa(dir);
    assert.equal(second.fingerprintSha256, first.fingerprintSha256);
    assert.deepEqual(second, first);
    assert.equal(first.certPath, caPaths(dir).cert);
    // The fingerprint is the one openssl computes from the file.
    const r = await openssl(['x509', '-noout', '-fingerprint', '-sha256', '-in', first.certPath]);
    assert.equal(r.stdout.trim().split('=')[1], first.fingerprintSha256);
  });

  it('keeps the key private: file 0600 in a 0700 folder, never in CaInfo', async () => {
    const dir = freshDir();
    const info = await ensureLocalCa(dir);
    const keyPem = await readFile(caPaths(dir).key, 'utf8');
    assert.match(keyPem, /^-----BEGIN PRIVATE KEY-----\n/);
    if (process.platform !== 'win32') {
      assert.equal((await stat(caPaths(dir).key)).mode & 0o777, 0o600);
      assert.equal((await stat(caPaths(dir).dir)).mode & 0o777, 0o700);
    }
    assert.deepEqual(Object.keys(info).sort(), [
      'certPath',
      'fingerprintSha256',
      'keyType',
      'nameConstraints',
      'notAfter',
      'notBefore',
      'serialNumber',
      'subject',
    ]);
    const keyBody = keyPem.split('\n')[1]!;
    const json = JSON.stringify(info);
    assert.equal(json.includes('PRIVATE KEY'), false);
    assert.equal(json.includes(keyBody.slice(0, 40)), false);
    // A loaded, signing-capable CA holds its key as a non-extractable CryptoKey only.
    const ca = await loadLocalCa(dir);
    assert.equal(ca.signingKey.extractable, false);
    assert.equal(JSON.stringify(ca.info), json);
  });

  it('writes the extensions a root CA needs, with critical name constraints', async () => {
    const now = new Date('2026-03-01T12:00:00Z');
    const info = await ensureLocalCa(freshDir(), { now });
    assert.match(info.subject, /^CN=Berth Local CA \S+@\S+, O=Berth local development CA$/);
    assert.equal(info.keyType, 'ecdsa-p256');
    assert.deepEqual(info.nameConstraints, ['localhost', 'test', 'internal', '127.0.0.0/8', '::1/128']);
    assert.equal(info.notAfter, '2036-03-01T12:00:00.000Z');
    assert.ok(Date.parse(info.notBefore) < now.getTime());

    const text = await opensslText(await readFile(info.certPath, 'utf8'));
    assert.match(text, /Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    assert.match(text, /Key Usage: critical\s+Certificate Sign, CRL Sign/);
    assert.match(text, /Subject Key Identifier/);
    assert.match(
      text,
      /Name Constraints: critical\s+Permitted:\s+DNS:localhost\s+DNS:test\s+DNS:internal\s+IP:127\.0\.0\.0\/255\.0\.0\.0\s+IP:0:0:0:0:0:0:0:1\/FFFF(:FFFF){7}/,
    );
    assert.match(text, /Signature Algorithm: ecdsa-with-SHA256/);
    // Node's own parser agrees it is a CA.
    assert.equal(new X509Certificate(await readFile(info.certPath)).ca, true);
  });

  it('takes extra permitted names, or none at all when constraints are turned off', async () => {
    const dir = freshDir();
    const info = await ensureLocalCa(dir, { extraPermittedNames: ['.Dev.Example', '10.1.0.0/16'] });
    assert.deepEqual(info.nameConstraints, ['localhost', 'test', 'internal', '127.0.0.0/8', '::1/128', 'dev.example', '10.1.0.0/16']);
    const leaf = await issueLeaf(await loadLocalCa(dir), { names: ['api.dev.example', '10.1.2.3'] });
    const caPem = await readFile(info.certPath, 'utf8');
    assert.equal((await opensslVerify(caPem, leaf.certPem)).code, 0);

    const open = await ensureLocalCa(freshDir(), { nameConstraints: false });
    assert.deepEqual(open.nameConstraints, []);
    assert.doesNotMatch(await opensslText(await readFile(open.certPath, 'utf8')), /Name Constraints/);
  });

  it('two concurrent first starts end with one CA', async () => {
    const dir = freshDir();
    const [a, b, c] = await Promise.all([ensureLocalCa(dir), ensureLocalCa(dir), ensureLocalCa(dir)]);
    assert.equal(b.fingerprintSha256, a.fingerprintSha256);
    assert.equal(c.fingerprintSha256, a.fingerprintSha256);
    const ca = await loadLocalCa(dir);
    assert.equal(ca.info.fingerprintSha256, a.fingerprintSha256);
  });

  it('refuses a CA whose key does not belong to its certificate', async () => {
    const dir = freshDir();
    const other = freshDir();
    await ensureLocalCa(dir);
    await ensureLocalCa(other);
    await writeFile(caPaths(dir).key, await readFile(caPaths(other).key));
    await assert.rejects(ensureLocalCa(dir), { code: 'BERTH_ERR_CA_INVALID', message: /does not belong/ });
  });

  it('reports a missing CA and an unreadable certificate with what to do', async () => {
    await assert.rejects(loadLocalCa(freshDir()), { code: 'BERTH_ERR_CA_MISSING' });
    const dir = freshDir();
    await ensureLocalCa(dir);
    await writeFile(caPaths(dir).cert, 'not a certificate');
    await assert.rejects(ensureLocalCa(dir), (e: Error & { code?: string; hint?: string }) => {
      assert.equal(e.code, 'BERTH_ERR_CA_INVALID');
      assert.match(e.hint ?? '', /move .* aside/);
      return true;
    });
  });

  it('puts a key readable by others back to 0600 on load', { skip: process.platform === 'win32' ? 'POSIX file modes' : false }, async () => {
    const dir = freshDir();
    await ensureLocalCa(dir);
    await chmod(caPaths(dir).key, 0o644);
    await ensureLocalCa(dir);
    assert.equal((await stat(caPaths(dir).key)).mode & 0o777, 0o600);
  });

  it('creates an RSA-3072 CA that signs leaves openssl accepts', async () => {
    const dir = freshDir();
    const ca = await openLocalCa(dir, { keyType: 'rsa-3072' });
    assert.equal(ca.info.keyType, 'rsa-3072');
    const text = await opensslText(ca.certPem);
    assert.match(text, /Public-Key: \(3072 bit\)/);
    assert.match(text, /Signature Algorithm: sha256WithRSAEncryption/);
    const leaf = await issueLeaf(ca, { names: ['rsa.localhost'] });
    assert.equal((await opensslVerify(ca.certPem, leaf.certPem)).code, 0);
    // Reloading finds the key type from the key itself.
    assert.equal((await ensureLocalCa(dir)).keyType, 'rsa-3072');
  });
});
