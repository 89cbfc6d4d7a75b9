import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TrustStoreId } from '../../contract/certs.js';
import { shellQuote } from './commands.js';
import { firefoxProfileRoots } from './firefox.js';
import { allTrustStores, storesFor } from './index.js';
import { debianAnchorPath } from './linux-system.js';
import { nssNickname } from './nss.js';
import type { CommandResult, TrustCa, TrustEnv } from './types.js';

const CA_PEM = '-----BEGIN CERTIFICATE-----\nQUJDREVGR0g=\n-----END CERTIFICATE-----\n';
const ca: TrustCa = {
  certPath: '/data/certs/ca/ca.crt.pem',
  certPem: CA_PEM,
  fingerprintSha256: 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89',
  sha1: '0123456789abcdef0123456789abcdef01234567',
  serialNumber: '5a5a',
  commonName: 'Berth Local CA dev@box',
};

interface Fake {
  env: TrustEnv;
  ran: string[][];
}

/** A machine described by its programs, files and folders; every command it runs is recorded. */
function fakeEnv(opts: {
  platform: NodeJS.Platform;
  home?: string;
  isRoot?: boolean;
  programs?: Record<string, string>;
  files?: Record<string, string>;
  dirs?: Record<string, string[]>;
  env?: NodeJS.ProcessEnv;
  answer?: (argv: readonly string[]) => CommandResult;
}): Fake {
  const ran: string[][] = [];
  const files = opts.files ?? {};
  return {
    ran,
    env: {
      platform: opts.platform,
      home: opts.home ?? '/home/dev',
      env: opts.env ?? {},
      isRoot: opts.isRoot ?? false,
      run: async (argv) => {
        ran.push([...argv]);
        return opts.answer?.(argv) ?? { code: 0, stdout: '', stderr: '' };
      },
      which: async (p) => opts.programs?.[p] ?? null,
      exists: async (p) => p in files || Object.keys(opts.dirs ?? {}).includes(p),
      list: async (d) => opts.dirs?.[d] ?? [],
      readText: async (p) => files[p] ?? null,
    },
  };
}

function store(f: Fake, id: TrustStoreId) {
  const s = allTrustStores(f.env).find((x) => x.id === id);
  assert.ok(s);
  return s;
}

describe('trust stores: which exist where', () => {
  it('lists the stores of each platform and refuses a foreign one by name', () => {
    const ids = (p: NodeJS.Platform) => storesFor(fakeEnv({ platform: p }).env).map((s) => s.id);
    assert.deepEqual(ids('linux'), ['system', 'nss', 'firefox']);
    assert.deepEqual(ids('darwin'), ['firefox', 'keychain']);
    assert.deepEqual(ids('win32'), ['firefox', 'windows']);
    assert.throws(() => storesFor(fakeEnv({ platform: 'linux' }).env, ['keychain']), /does not exist on linux; stores here: system, nss, firefox/);
    assert.throws(() => storesFor(fakeEnv({ platform: 'linux' }).env, ['java']), /unknown trust store "java"/);
  });

  it('looks for Firefox profiles where each OS keeps them', () => {
    assert.deepEqual(firefoxProfileRoots('linux', '/home/dev', {}), [
      '/home/dev/.mozilla/firefox',
      '/home/dev/snap/firefox/common/.mozilla/firefox',
      '/home/dev/.var/app/org.mozilla.firefox/.mozilla/firefox',
    ]);
    assert.deepEqual(firefoxProfileRoots('darwin', '/Users/dev', {}), ['/Users/dev/Library/Application Support/Firefox/Profiles']);
    assert.equal(firefoxProfileRoots('win32', 'C:\\Users\\dev', { APPDATA: 'C:\\Users\\dev\\AppData\\Roaming' })[0]?.replace(/\\/g, '/'), 'C:/Users/dev/AppData/Roaming/Mozilla/Firefox/Profiles');
  });
});

describe('Linux system store', () => {
  const anchor = debianAnchorPath(ca);

  it('Debian: install copies the CA into the anchor dir and runs update-ca-certificates, shown with sudo', async () => {
    const f = fakeEnv({ platform: 'linux', programs: { 'update-ca-certificates': '/usr/sbin/update-ca-certificates' } });
    const s = store(f, 'system');
    const status = await s.check(ca);
    assert.equal(status.state, 'not-trusted');
    assert.equal(anchor, '/usr/local/share/ca-certificates/berth-local-ca-abcdef0123456789.crt');
    assert.deepEqual(
      status.install.map((c) => c.display),
      [`sudo install -m 0644 /data/certs/ca/ca.crt.pem ${anchor}`, 'sudo update-ca-certificates'],
    );
    assert.deepEqual(status.uninstall.map((c) => c.display), [`sudo rm -f ${anchor}`, 'sudo update-ca-certificates --fresh']);
    // Not root: nothing runs, the user gets the commands.
    const r = await s.install(ca);
    assert.equal(r.outcome, 'needs-root');
    assert.deepEqual(f.ran, []);
    assert.equal(r.commands.every((c) => c.needsRoot), true);
  });

  it('Debian as root: runs the commands without sudo, and reports trusted once the bundle has the CA', async () => {
    const files: Record<string, string> = {};
    const f = fakeEnv({ platform: 'linux', isRoot: true, programs: { 'update-ca-certificates': '/usr/sbin/update-ca-certificates' }, files });
    const s = store(f, 'system');
    const r = await s.install(ca);
    assert.equal(r.outcome, 'done');
    assert.deepEqual(f.ran, [['install', '-m', '0644', ca.certPath, anchor], ['update-ca-certificates']]);
    assert.equal(r.commands[0]?.display.startsWith('sudo'), false);
    // update-ca-certificates rewrote the bundle with the CA, wrapped differently.
    files['/etc/ssl/certs/ca-certificates.crt'] = `-----BEGIN CERTIFICATE-----\nOTHER\n-----END CERTIFICATE-----\n${CA_PEM.replace('QUJDREVG', 'QUJDREVG\n')}`;
    files[anchor] = CA_PEM;
    assert.equal((await s.check(ca)).state, 'trusted');
    assert.equal((await s.install(ca)).outcome, 'already');
    const un = await s.uninstall(ca);
    assert.equal(un.outcome, 'done');
    assert.deepEqual(f.ran.slice(-2), [['rm', '-f', anchor], ['update-ca-certificates', '--fresh']]);
  });

  it('p11-kit (Fedora, Arch): trust anchor --store / --remove, checked with trust list', async () => {
    const listing = `pkcs11:id=%AA\n    type: certificate\n    label: ${ca.commonName}\n    trust: anchor\n`;
    const f = fakeEnv({ platform: 'linux', isRoot: true, programs: { trust: '/usr/bin/trust' }, answer: (argv) => ({ code: 0, stdout: argv[1] === 'list' ? listing : '', stderr: '' }) });
    const s = store(f, 'system');
    const status = await s.check(ca);
    assert.equal(status.state, 'trusted');
    assert.deepEqual(status.checked.map((c) => c.display), ['trust list --filter=ca-anchors']);
    assert.deepEqual(status.install.map((c) => c.argv), [['trust', 'anchor', '--store', ca.certPath]]);
    assert.deepEqual(status.uninstall.map((c) => c.argv), [['trust', 'anchor', '--remove', ca.certPath]]);
  });

  it('says what to install when neither tool exists', async () => {
    const s = store(fakeEnv({ platform: 'linux' }), 'system');
    assert.equal((await s.check(ca)).state, 'unavailable');
    assert.match((await s.install(ca)).message, /install ca-certificates/);
  });
});

describe('NSS stores (certutil)', () => {
  const nssdb = '/home/dev/.pki/nssdb';
  const nick = nssNickname(ca);

  it('Chromium: creates ~/.pki/nssdb when missing, then adds the CA with C,, trust', async () => {
    const f = fakeEnv({ platform: 'linux', programs: { certutil: '/usr/bin/certutil' } });
    const s = store(f, 'nss');
    const plan = await s.install(ca, { dryRun: true });
    assert.equal(plan.outcome, 'planned');
    assert.deepEqual(f.ran, []);
    assert.deepEqual(plan.commands.map((c) => c.argv), [
      ['mkdir', '-p', nssdb],
      ['/usr/bin/certutil', '-N', '-d', `sql:${nssdb}`, '--empty-password'],
      ['/usr/bin/certutil', '-A', '-d', `sql:${nssdb}`, '-t', 'C,,', '-n', nick, '-i', ca.certPath],
    ]);
    assert.equal(plan.commands[2]?.display, `/usr/bin/certutil -A -d sql:${nssdb} -t C,, -n ${shellQuote(nick)} -i ${ca.certPath}`);
    assert.equal(plan.commands.some((c) => c.needsRoot), false);
    const done = await s.install(ca);
    assert.equal(done.outcome, 'done');
    assert.equal(f.ran.length, 3);
  });

  it('Chromium: checks with certutil -L, reports trusted and removes with certutil -D', async () => {
    const files = { [`${nssdb}/cert9.db`]: '' };
    const f = fakeEnv({ platform: 'linux', programs: { certutil: '/usr/bin/certutil' }, files, answer: (argv) => ({ code: 0, stdout: argv.includes('-L') ? CA_PEM : '', stderr: '' }) });
    const s = store(f, 'nss');
    const status = await s.check(ca);
    assert.equal(status.state, 'trusted');
    assert.deepEqual(status.checked[0]?.argv, ['/usr/bin/certutil', '-L', '-d', `sql:${nssdb}`, '-n', nick, '-a']);
    assert.deepEqual(status.install, []);
    assert.equal((await s.install(ca)).outcome, 'already');
    const un = await s.uninstall(ca);
    assert.equal(un.outcome, 'done');
    assert.deepEqual(f.ran.at(-1), ['/usr/bin/certutil', '-D', '-d', `sql:${nssdb}`, '-n', nick]);
  });

  it('reports a failing certutil with its error and stops', async () => {
    const f = fakeEnv({ platform: 'linux', programs: { certutil: '/usr/bin/certutil' }, files: { [`${nssdb}/cert9.db`]: '' }, answer: (argv) => (argv.includes('-A') ? { code: 255, stdout: '', stderr: 'certutil: function failed: SEC_ERROR_READ_ONLY: security library: read-only database.' } : { code: 255, stdout: '', stderr: '' }) });
    const r = await store(f, 'nss').install(ca);
    assert.equal(r.outcome, 'failed');
    assert.match(r.message, /read-only database/);
    assert.equal(r.steps.at(-1)?.exitCode, 255);
  });

  it('tells how to get certutil when it is missing', async () => {
    const r = await store(fakeEnv({ platform: 'linux' }), 'nss').check(ca);
    assert.equal(r.state, 'unavailable');
    assert.match(r.detail, /apt install libnss3-tools/);
  });

  it('Firefox: every profile with cert9.db (sql:) or cert8.db (dbm:), partial when only some trust it', async () => {
    const root = '/home/dev/.mozilla/firefox';
    const files = { [`${root}/a.default/cert9.db`]: '', [`${root}/b.old/cert8.db`]: '' };
    const f = fakeEnv({
      platform: 'linux',
      programs: { certutil: '/usr/bin/certutil' },
      files,
      dirs: { [root]: ['b.old', 'a.default', 'Crash Reports'] },
      answer: (argv) => ({ code: argv.includes(`sql:${root}/a.default`) && argv.includes('-L') ? 0 : 255, stdout: argv.includes('-L') ? CA_PEM : '', stderr: '' }),
    });
    const s = store(f, 'firefox');
    const status = await s.check(ca);
    assert.equal(status.state, 'partial');
    assert.deepEqual(status.install.map((c) => c.argv), [['/usr/bin/certutil', '-A', '-d', `dbm:${root}/b.old`, '-t', 'C,,', '-n', nick, '-i', ca.certPath]]);
    assert.deepEqual(status.uninstall.map((c) => c.argv), [['/usr/bin/certutil', '-D', '-d', `sql:${root}/a.default`, '-n', nick]]);
  });

  it('Firefox on macOS uses Homebrew certutil and the Profiles folder', async () => {
    const root = '/Users/dev/Library/Application Support/Firefox/Profiles';
    const f = fakeEnv({ platform: 'darwin', home: '/Users/dev', programs: { certutil: '/opt/homebrew/bin/certutil' }, files: { [`${root}/x.default-release/cert9.db`]: '' }, dirs: { [root]: ['x.default-release'] }, answer: () => ({ code: 255, stdout: '', stderr: '' }) });
    const status = await store(f, 'firefox').check(ca);
    assert.equal(status.state, 'not-trusted');
    assert.equal(status.install[0]?.display, `/opt/homebrew/bin/certutil -A -d 'sql:${root}/x.default-release' -t C,, -n ${shellQuote(nick)} -i ${ca.certPath}`);
  });

  it("Firefox on Windows never mistakes Windows' own certutil.exe for NSS's", async () => {
    const f = fakeEnv({ platform: 'win32', home: 'C:\\Users\\dev', programs: { certutil: 'C:\\Windows\\System32\\certutil.exe' } });
    const status = await store(f, 'firefox').check(ca);
    assert.equal(status.state, 'unavailable');
    assert.match(status.detail, /certutil \(NSS\) not found/);
  });

  it('says when there is no Firefox profile', async () => {
    const status = await store(fakeEnv({ platform: 'linux', programs: { certutil: '/usr/bin/certutil' } }), 'firefox').check(ca);
    assert.equal(status.state, 'unavailable');
    assert.match(status.detail, /no Firefox profile found/);
  });
});

describe('macOS keychain', () => {
  it('adds a trustRoot setting to the login keychain, verifies with verify-cert, removes by SHA-1', async () => {
    let trusted = false;
    const f = fakeEnv({
      platform: 'darwin',
      home: '/Users/dev',
      answer: (argv) => {
        if (argv[1] === 'verify-cert') return { code: trusted ? 0 : 1, stdout: '', stderr: '' };
        if (argv[1] === 'add-trusted-cert') trusted = true;
        return { code: 0, stdout: '', stderr: '' };
      },
    });
    const s = store(f, 'keychain');
    const before = await s.check(ca);
    assert.equal(before.state, 'not-trusted');
    assert.deepEqual(before.checked[0]?.argv, ['security', 'verify-cert', '-c', ca.certPath, '-p', 'ssl', '-L', '-q']);
    const r = await s.install(ca);
    assert.equal(r.outcome, 'done');
    assert.deepEqual(f.ran.at(-1), ['security', 'add-trusted-cert', '-r', 'trustRoot', '-k', '/Users/dev/Library/Keychains/login.keychain-db', ca.certPath]);
    assert.equal((await s.check(ca)).state, 'trusted');
    assert.deepEqual((await s.check(ca)).uninstall.map((c) => c.display), [
      `security remove-trusted-cert ${ca.certPath}`,
      `security delete-certificate -Z ${ca.sha1.toUpperCase()} /Users/dev/Library/Keychains/login.keychain-db`,
    ]);
  });
});

describe('Windows user Root store', () => {
  it('certutil -user -addstore Root, checked and removed by thumbprint, quoted for cmd.exe', async () => {
    const f = fakeEnv({ platform: 'win32', home: 'C:\\Users\\dev', answer: (argv) => ({ code: argv.includes('-verifystore') ? 1 : 0, stdout: '', stderr: '' }) });
    const s = store(f, 'windows');
    const winCa = { ...ca, certPath: 'C:\\Users\\dev\\AppData\\Roaming\\Berth\\certs\\ca\\ca.crt.pem' };
    const status = await s.check(winCa);
    assert.equal(status.state, 'not-trusted');
    assert.deepEqual(status.install.map((c) => c.display), [`certutil -user -addstore Root ${winCa.certPath}`]);
    assert.deepEqual(status.uninstall.map((c) => c.argv), [['certutil', '-user', '-delstore', 'Root', ca.sha1]]);
    assert.deepEqual(status.checked.map((c) => c.argv), [['certutil', '-user', '-verifystore', 'Root', ca.sha1]]);
    const spaced = await s.install({ ...winCa, certPath: 'C:\\Users\\A B\\ca.pem' }, { dryRun: true });
    assert.equal(spaced.commands[0]?.display, 'certutil -user -addstore Root "C:\\Users\\A B\\ca.pem"');
    assert.equal((await s.install(winCa)).outcome, 'done');
  });
});
