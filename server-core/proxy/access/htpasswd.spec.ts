import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { apr1Hash } from './apr1.js';
import { basicChallenge, checkBasicAuth, parseBasicAuthorization } from './basic-auth.js';
import { HtpasswdStore } from './htpasswd-store.js';
import { classifyHash, parseHtpasswd, verifyPassword } from './htpasswd.js';

// Recorded from the real tools (apache2-utils 2.4, OpenSSL 3):
//   openssl passwd -apr1 -salt abcdefgh 'secret pw' ; openssl passwd -apr1 -salt xy ''
//   htpasswd -nbm alice 'Pässwörd' ; htpasswd -nbB bob hunter2 ; htpasswd -nbs carol s3cr3t
//   htpasswd -nbp dave plain ; htpasswd -nbd erin crypt1
const RECORDED = [
  'alice:$apr1$szJtj07f$OFl.xcEIXeGyV0Y6qNP220',
  'bob:$2y$05$uZABTCEh2aEzJYHA02XAqeugT3JT.mYhmTaOvHze3kwxo3dlkuLGK',
  'carol:{SHA}JauGvtFJymypwcDV23yakTiN3qs=',
].join('\n');

function tool(cmd: string, args: string[]): string | null {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

const dirs: string[] = [];
after(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'berth-htpasswd-'));
  dirs.push(d);
  return d;
}

describe('apr1 (MD5-crypt)', () => {
  it('reproduces hashes made by openssl passwd -apr1', () => {
    assert.equal(apr1Hash('secret pw', 'abcdefgh'), '$apr1$abcdefgh$hI0fYJTl3mI2IQqENIv8//');
    assert.equal(apr1Hash('', 'xy'), '$apr1$xy$43..WIhbfuznGvwoCyUek/');
  });

  it('agrees with the installed openssl on fresh salts and passwords', (t) => {
    const cases: [string, string][] = [
      ['p', 's'],
      ['a password longer than sixteen bytes, well past two MD5 blocks', 'Zz9./ab'],
      ['ünïcödé', '12345678'],
    ];
    if (tool('openssl', ['version']) === null) {
      t.diagnostic('openssl is not installed: only the recorded hashes were checked');
      return;
    }
    for (const [pw, salt] of cases) assert.equal(apr1Hash(pw, salt), tool('openssl', ['passwd', '-apr1', '-salt', salt, pw]), pw);
  });
});

describe('htpasswd entries', () => {
  it('verifies bcrypt ($2y$), apr1 and {SHA} entries written by htpasswd', async () => {
    const file = parseHtpasswd(Buffer.from(RECORDED), '/etc/berth/users');
    assert.deepEqual(file.problems, []);
    const entry = (u: string) => file.entries.get(u) ?? assert.fail(u);
    assert.equal(await verifyPassword(entry('alice'), Buffer.from('Pässwörd')), true);
    assert.equal(await verifyPassword(entry('alice'), Buffer.from('Passwort')), false);
    assert.equal(await verifyPassword(entry('bob'), Buffer.from('hunter2')), true);
    assert.equal(await verifyPassword(entry('bob'), Buffer.from('hunter3')), false);
    assert.equal(await verifyPassword(entry('carol'), Buffer.from('s3cr3t')), true);
    assert.equal(await verifyPassword(entry('carol'), Buffer.from('S3cr3t')), false);
  });

  it('verifies entries the installed htpasswd makes now (-B, -m, -s, and bcrypt $2b$ via -2)', async (t) => {
    if (tool('htpasswd', ['-nbB', 'x', 'y']) === null) {
      t.diagnostic('htpasswd (apache2-utils) is not installed: only the recorded entries were checked');
      return;
    }
    for (const flag of ['-nbB', '-nbm', '-nbs']) {
      const line = tool('htpasswd', [flag, 'user', 'p@ss wörd']) ?? '';
      const file = parseHtpasswd(Buffer.from(line), 'fresh');
      const e = file.entries.get('user');
      assert.ok(e, `${flag}: ${line}`);
      assert.equal(await verifyPassword(e, Buffer.from('p@ss wörd')), true, flag);
      assert.equal(await verifyPassword(e, Buffer.from('p@ss word')), false, flag);
    }
  });

  it('refuses plain-text and crypt(3) entries with a message saying how to fix them', () => {
    const file = parseHtpasswd(Buffer.from(['# users', '', 'dave:plain', 'erin:LKKYEHUpYfp12', 'fay:$6$salt$abc', 'gus:{PLAIN}x', 'hal:$2y$05$short', 'nocolon'].join('\n')), '/srv/users');
    assert.equal(file.entries.size, 0);
    assert.equal(file.problems.length, 6);
    assert.match(file.problems[0] ?? '', /^\/srv\/users line 3 \(user "dave"\): a plain-text password .* "htpasswd -B \/srv\/users dave"/);
    assert.match(file.problems[1] ?? '', /line 4 .*crypt\(3\) DES/);
    assert.match(file.problems[2] ?? '', /crypt\(3\) \$6\$/);
    assert.match(file.problems[4] ?? '', /malformed bcrypt/);
    assert.match(file.problems[5] ?? '', /line 8: expected "user:hash"/);
  });

  it('keeps the first line of a user and ignores a trailing comment field (nginx)', async () => {
    const file = parseHtpasswd(Buffer.from('carol:{SHA}JauGvtFJymypwcDV23yakTiN3qs=:the admin\ncarol:{SHA}AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n'), 'f');
    const carol = file.entries.get('carol');
    assert.ok(carol);
    assert.equal(await verifyPassword(carol, Buffer.from('s3cr3t')), true);
    assert.equal(classifyHash('{SHA}short'), 'a malformed {SHA} hash');
  });
});

describe('basic auth', () => {
  const header = (user: string, pw: string) => `Basic ${Buffer.from(`${user}:${pw}`, 'utf8').toString('base64')}`;

  it('parses the Authorization header (scheme case-insensitive, UTF-8, colon in the password)', () => {
    assert.deepEqual(parseBasicAuthorization(header('bob', 'a:b')), { user: 'bob', password: Buffer.from('a:b') });
    // The bytes, whatever their charset: UTF-8 `ü` is two latin1 characters, Latin-1 `ä` one byte.
    assert.deepEqual(parseBasicAuthorization(`bAsIc ${Buffer.from('ü:ö').toString('base64')}`), { user: '\xc3\xbc', password: Buffer.from('ö') });
    assert.deepEqual(parseBasicAuthorization(`Basic ${Buffer.from('j\xf6rg:p\xe4ss', 'latin1').toString('base64')}`), { user: 'j\xf6rg', password: Buffer.from([0x70, 0xe4, 0x73, 0x73]) });
    // nginx: nothing before the colon is no credentials.
    assert.equal(parseBasicAuthorization(`Basic ${Buffer.from(':pw').toString('base64')}`), null);
    assert.equal(parseBasicAuthorization('Bearer abc'), null);
    assert.equal(parseBasicAuthorization(`Basic ${Buffer.from('nocolon').toString('base64')}`), null);
    assert.equal(parseBasicAuthorization('Basic !!!'), null);
    assert.equal(parseBasicAuthorization(undefined), null);
  });

  it('quotes the realm (RFC 9110 quoted-string)', () => {
    assert.equal(basicChallenge('Staff "only" \\ area'), 'Basic realm="Staff \\"only\\" \\\\ area"');
  });

  it('sends a non-ASCII realm as its UTF-8 bytes, as nginx does (header values go out one byte per character)', () => {
    const bytes = (realm: string) => Buffer.from(basicChallenge(realm), 'latin1');
    assert.deepEqual(bytes('My "Realm" ü'), Buffer.from('Basic realm="My \\"Realm\\" ü"', 'utf8'));
    assert.deepEqual(bytes('日本 realm'), Buffer.from('Basic realm="日本 realm"', 'utf8'));
    assert.deepEqual(bytes('a\x01b'), Buffer.from('Basic realm="ab"'));
  });

  it('answers ok / challenge / error and re-reads the file when it changes', async () => {
    const dir = await tempDir();
    const path = join(dir, 'users');
    await writeFile(path, RECORDED);
    let now = 1_000_000;
    const store = new HtpasswdStore({ now: () => now, checkIntervalMs: 1000 });
    assert.deepEqual(await checkBasicAuth(store, path, header('bob', 'hunter2')), { kind: 'ok', user: 'bob' });
    // Again, from the verified-credentials cache.
    assert.deepEqual(await checkBasicAuth(store, path, header('bob', 'hunter2')), { kind: 'ok', user: 'bob' });
    assert.deepEqual(await checkBasicAuth(store, path, header('bob', 'nope')), { kind: 'challenge', reason: 'user "bob": password mismatch' });
    assert.deepEqual(await checkBasicAuth(store, path, undefined), { kind: 'challenge', reason: null });
    assert.match((await checkBasicAuth(store, path, header('zed', 'x'))).kind, /challenge/);

    // bob removed: within the check interval the old file still answers, after it the new one.
    await writeFile(path, 'carol:{SHA}JauGvtFJymypwcDV23yakTiN3qs=\n');
    await utimes(path, new Date(), new Date(Date.now() + 5000));
    now += 500;
    assert.equal((await checkBasicAuth(store, path, header('bob', 'hunter2'))).kind, 'ok');
    now += 1000;
    assert.deepEqual(await checkBasicAuth(store, path, header('bob', 'hunter2')), { kind: 'challenge', reason: `user "bob" was not found in "${path}"` });
    assert.equal((await checkBasicAuth(store, path, header('carol', 's3cr3t'))).kind, 'ok');

    // nginx 1.22: a user file that does not exist is a 403, one that cannot be read a 500.
    await rm(path);
    now += 1000;
    const gone = await checkBasicAuth(store, path, header('carol', 's3cr3t'));
    assert.ok(gone.kind === 'error' && gone.status === 403, JSON.stringify(gone));
    assert.match(gone.reason, /ENOENT/);
    const folder = await checkBasicAuth(store, dir, header('carol', 's3cr3t'));
    assert.ok(folder.kind === 'error' && folder.status === 500, JSON.stringify(folder));
    assert.match(folder.reason, /EISDIR/);
    // Without credentials the file is not opened: 401 either way.
    assert.deepEqual(await checkBasicAuth(store, path, undefined), { kind: 'challenge', reason: null });
  });

  it('compares user and password as bytes: Latin-1 credentials match, invalid UTF-8 never matches U+FFFD', async () => {
    // htpasswd -nbB/-nbm/-nbs with the Latin-1 bytes `j\xf6rg` / `p\xe4ss` (apache2-utils 2.4), and a
    // user whose password holds the UTF-8 bytes of U+FFFD.
    const lines = [
      'j\xf6rg:$2y$05$KXdSyipPWBq6Mb4/YdgfI.zQSvv9RPmtnVguBnlG7.jdgtJ9E4a.6',
      'apr:$apr1$5adadLSR$Uun7j7lTxbnCtMdoiaA7E0',
      'sha:{SHA}izH0CDFRybAT+b+FwGSYCwNweWI=',
      'rep:$2y$05$eht0Um6cZ68QM5Zbtc0aSewwZdXZVWOofvbpGvmN6LtlwtnpUIYNa',
    ];
    const dir = await tempDir();
    const path = join(dir, 'users');
    await writeFile(path, Buffer.from(lines.join('\n'), 'latin1'));
    const store = new HtpasswdStore();
    const latin1 = (user: string, pw: string) => `Basic ${Buffer.from(`${user}:${pw}`, 'latin1').toString('base64')}`;
    for (const user of ['j\xf6rg', 'apr', 'sha']) {
      assert.deepEqual(await checkBasicAuth(store, path, latin1(user, 'p\xe4ss')), { kind: 'ok', user }, user);
      // The same text in UTF-8 is other bytes: nginx refuses it too.
      assert.equal((await checkBasicAuth(store, path, header(user === 'j\xf6rg' ? 'jörg' : user, 'päss'))).kind, 'challenge', user);
    }
    assert.deepEqual(await checkBasicAuth(store, path, header('rep', 'p\ufffdss')), { kind: 'ok', user: 'rep' });
    for (const wrong of ['p\xe4ss', 'p\xfcss']) {
      assert.deepEqual(await checkBasicAuth(store, path, latin1('rep', wrong)), { kind: 'challenge', reason: 'user "rep": password mismatch' }, wrong);
    }
  });
});
