import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openLocalCa } from './ca.js';
import { issueLeaf } from './leaf.js';
import { buildPkcs12, pkcs12Kdf } from './pkcs12.js';
import { openssl } from './test-openssl.js';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'berth-p12-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('PKCS#12 export', () => {
  it('openssl pkcs12 -info reads it with the password: PBES2/AES-256-CBC key, SHA-256 MAC, leaf + CA', async () => {
    const ca = await openLocalCa(join(root, 'ca'));
    for (const keyType of ['ecdsa-p256', 'rsa-3072'] as const) {
      const leaf = await issueLeaf(ca, { names: ['p12.localhost'], keyType });
      const file = join(root, `${keyType}.p12`);
      await writeFile(file, buildPkcs12({ certPem: leaf.certPem, chainPem: leaf.chainPem, keyPem: leaf.keyPem, password: 'pässwörd-✓' }));
      const info = await openssl(['pkcs12', '-info', '-in', file, '-passin', 'pass:pässwörd-✓', '-nodes']);
      assert.equal(info.code, 0, info.stderr);
      const said = info.stdout + info.stderr;
      assert.match(said, /MAC: sha256, Iteration 2048/);
      assert.match(said, /Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 100000, PRF hmacWithSHA256/);
      assert.equal((said.match(/BEGIN CERTIFICATE/g) ?? []).length, 2);
      // The key openssl decrypted is the leaf's key.
      const keyPem = /-----BEGIN PRIVATE KEY-----[\s\S]*?-----END PRIVATE KEY-----/.exec(info.stdout)?.[0];
      assert.ok(keyPem);
      const spki = (pem: string) => createPublicKey(createPrivateKey(pem)).export({ type: 'spki', format: 'der' });
      assert.deepEqual(spki(keyPem), spki(leaf.keyPem));
      const wrong = await openssl(['pkcs12', '-in', file, '-passin', 'pass:wrong', '-nodes', '-noout']);
      assert.notEqual(wrong.code, 0);
      assert.match(wrong.stderr, /mac verify/i);
    }
  });

  it('derives MAC keys deterministically and from every input (openssl checking the MAC above is the interop proof)', () => {
    const salt = Buffer.from('0102030405060708', 'hex');
    const a = pkcs12Kdf('1234', salt, 3, 2048, 32);
    assert.equal(a.length, 32);
    assert.deepEqual(pkcs12Kdf('1234', salt, 3, 2048, 32), a);
    assert.notDeepEqual(pkcs12Kdf('1235', salt, 3, 2048, 32), a);
    assert.notDeepEqual(pkcs12Kdf('1234', salt, 1, 2048, 32), a);
    assert.notDeepEqual(pkcs12Kdf('1234', salt, 3, 2047, 32), a);
    assert.equal(pkcs12Kdf('1234', salt, 1, 1, 48).length, 48);
  });

  it('refuses a password shorter than 4 characters', () => {
    assert.throws(() => buildPkcs12({ certPem: '', chainPem: '', keyPem: '', password: 'abc' }), /at least 4 characters/);
  });
});
