import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { LocalCa } from './ca.js';
import { openLocalCa } from './ca.js';
import { checkImport, CertImportError } from './import.js';
import type { IssuedLeaf } from './leaf.js';
import { issueLeaf } from './leaf.js';

const DAY = 24 * 60 * 60 * 1000;
let root: string;
let ca: LocalCa;
let otherCa: LocalCa;
let leaf: IssuedLeaf;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'berth-import-'));
  ca = await openLocalCa(join(root, 'a'));
  otherCa = await openLocalCa(join(root, 'b'));
  leaf = await issueLeaf(ca, { names: ['app.localhost', '127.0.0.1'] });
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

function refused(field: string, pattern: RegExp) {
  return (e: unknown) => e instanceof CertImportError && e.code === 'BERTH_ERR_CERT_IMPORT' && e.field === field && pattern.test(e.message);
}

describe('certificate import checks', () => {
  it('accepts a leaf with its key and chain, whether the chain is appended or separate', () => {
    const now = new Date();
    const a = checkImport({ certPem: leaf.certPem, keyPem: leaf.keyPem, chainPem: leaf.chainPem }, now);
    const b = checkImport({ certPem: leaf.certPem + leaf.chainPem, keyPem: leaf.keyPem }, now);
    for (const r of [a, b]) {
      assert.deepEqual(r.facts.names, ['app.localhost', '127.0.0.1']);
      assert.equal(r.facts.keyType, 'ecdsa-p256');
      assert.equal(r.chainPem, ca.certPem);
      assert.deepEqual(r.warnings, []);
    }
  });

  it('accepts a leaf without its chain, with a warning that clients need the issuer', () => {
    const r = checkImport({ certPem: leaf.certPem, keyPem: leaf.keyPem }, new Date());
    assert.match(r.warnings[0] ?? '', /not included/);
  });

  it('converts a PKCS#1 RSA key to PKCS#8', async () => {
    const rsa = await issueLeaf(ca, { names: ['rsa.localhost'], keyType: 'rsa-3072' });
    const { createPrivateKey } = await import('node:crypto');
    const pkcs1 = createPrivateKey(rsa.keyPem).export({ type: 'pkcs1', format: 'pem' }).toString();
    const r = checkImport({ certPem: rsa.certPem, keyPem: pkcs1 }, new Date());
    assert.match(r.keyPem, /^-----BEGIN PRIVATE KEY-----/);
    assert.equal(r.facts.keyType, 'rsa-3072');
  });

  it('refuses a key that does not match, saying what each holds', () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    assert.throws(() => checkImport({ certPem: leaf.certPem, keyPem: other }, new Date()), refused('keyPem', /does not belong to this certificate \(the certificate holds a ecdsa-p256 public key, the key is rsa-2048\)/));
  });

  it('refuses an expired and a not-yet-valid certificate with the date', async () => {
    const old = await issueLeaf(ca, { names: ['old.localhost'], validityDays: 30, now: new Date(Date.now() - 60 * DAY) });
    assert.throws(() => checkImport({ certPem: old.certPem, keyPem: old.keyPem }, new Date()), refused('certPem', /the certificate expired on \d{4}-/));
    const early = await issueLeaf(ca, { names: ['early.localhost'], now: new Date(Date.now() + 10 * DAY) });
    assert.throws(() => checkImport({ certPem: early.certPem, keyPem: early.keyPem }, new Date()), refused('certPem', /not valid yet: it starts on/));
  });

  it('refuses a corrupt PEM, a missing one and an encrypted key', () => {
    const lines = leaf.certPem.split('\n');
    lines[3] = lines[3]!.replace(/[A-Za-z]/g, (c) => (c === 'A' ? 'B' : 'A'));
    assert.throws(() => checkImport({ certPem: lines.join('\n'), keyPem: leaf.keyPem }, new Date()), refused('certPem', /damaged/));
    assert.throws(() => checkImport({ certPem: 'hello', keyPem: leaf.keyPem }, new Date()), refused('certPem', /no certificate found/));
    assert.throws(() => checkImport({ certPem: leaf.certPem, keyPem: '' }, new Date()), refused('keyPem', /no private key found/));
    const brokenKey = leaf.keyPem.replace(/\n[A-Za-z0-9+/]{10}/, '\n!!!!!!!!!!');
    assert.throws(() => checkImport({ certPem: leaf.certPem, keyPem: brokenKey }, new Date()), refused('keyPem', /damaged/));
    assert.throws(() => checkImport({ certPem: leaf.certPem, keyPem: '-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n' }, new Date()), refused('keyPem', /password-protected/));
    assert.throws(() => checkImport({ certPem: leaf.certPem, keyPem: leaf.keyPem, chainPem: 'junk' }, new Date()), refused('chainPem', /holds no certificate/));
  });

  it('refuses a chain that did not issue the certificate', () => {
    assert.throws(() => checkImport({ certPem: leaf.certPem, keyPem: leaf.keyPem, chainPem: otherCa.certPem }, new Date()), refused('chainPem', /did not issue the certificate/));
  });

  it('refuses a CA certificate offered as a server certificate', async () => {
    const { readFile } = await import('node:fs/promises');
    const caKey = await readFile(join(root, 'a', 'ca', 'ca.key.pem'), 'utf8');
    assert.throws(() => checkImport({ certPem: ca.certPem, keyPem: caKey }, new Date()), refused('certPem', /CA certificate, not a server certificate/));
  });
});
