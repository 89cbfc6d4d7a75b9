// Certificates through the real `berth serve`: the admin API (list, issue, import, export, delete,
// CA download, trust doctor and install into an NSS database under a temp HOME), auto leaves for
// sites from a config change, and `berth cert …` with and without a running Berth.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ApiErrorBody } from '../../server-core/contract/api.js';
import type { CaSummary, CertListResponse, CertSummary, TrustActionResponse, TrustStatusResponse } from '../../server-core/contract/certs.js';
import type { BerthConfig } from '../../server-core/config/schema.js';
import { whichProgram } from '../../server-core/certs/trust/runner.js';
import { makeTempDir, runBerth, startBerth, waitFor, type BerthProcess } from '../helpers/berth-process.js';

function opensslVerify(caFile: string, certFile: string): { code: number; out: string } {
  try {
    return { code: 0, out: execFileSync('openssl', ['verify', '-purpose', 'sslserver', '-CAfile', caFile, certFile], { encoding: 'utf8' }) };
  } catch (e) {
    const err = e as { status: number; stderr: string; stdout: string };
    return { code: err.status, out: `${err.stdout}${err.stderr}` };
  }
}

const hasCertutil = (await whichProgram('certutil')) !== null;

describe('certificates through berth serve', () => {
  let berth: BerthProcess;
  let home: string;
  const json = { 'Content-Type': 'application/json' };

  before(async () => {
    home = makeTempDir('berth-certs-home-');
    berth = await startBerth({ env: { HOME: home } });
    await waitFor('the cert service', async () => ((await berth.status()).children.find((c) => c.role === 'certs')?.state === 'running' ? true : undefined), 20_000);
  });
  after(async () => {
    await berth.stop();
    berth.cleanup();
    rmSync(home, { recursive: true, force: true });
  });

  test('CA facts and the CA certificate download, never the key', async () => {
    const ca = await berth.api<CaSummary>('/api/v1/certs/ca');
    assert.equal(ca.status, 200);
    assert.deepEqual(ca.body.nameConstraints, ['localhost', 'test', 'internal', '127.0.0.0/8', '::1/128']);
    const res = await fetch(`${berth.adminUrl}/api/v1/certs/ca.pem`, { headers: { Authorization: `Bearer ${berth.token}` } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-disposition') ?? '', /attachment; filename="berth-local-ca.pem"/);
    const pem = await res.text();
    assert.equal(pem, readFileSync(ca.body.certPath, 'utf8'));
    const key = readFileSync(join(berth.dataDir, 'certs', 'ca', 'ca.key.pem'), 'utf8').split('\n')[1]!;
    assert.equal(JSON.stringify(ca.body).includes(key) || pem.includes(key) || pem.includes('PRIVATE'), false);
  });

  test('issue → openssl verify → export PEM and PKCS#12 → delete', async () => {
    const issued = await berth.api<CertSummary>('/api/v1/certs', { method: 'POST', headers: json, body: JSON.stringify({ names: ['api.localhost', '*.api.localhost', '127.0.0.1'] }) });
    assert.equal(issued.status, 201);
    assert.equal(issued.body.id, 'api.localhost');
    const caFile = join(berth.dataDir, 'certs', 'ca', 'ca.crt.pem');
    const v = opensslVerify(caFile, issued.body.files.cert);
    assert.equal(v.code, 0, v.out);
    assert.equal(statSync(issued.body.files.key).mode & 0o777, 0o600);

    const pem = await fetch(`${berth.adminUrl}/api/v1/certs/api.localhost/export`, { method: 'POST', headers: { ...json, Authorization: `Bearer ${berth.token}` }, body: JSON.stringify({ format: 'pem' }) });
    assert.equal(pem.status, 200);
    const pemText = await pem.text();
    assert.equal(pemText, readFileSync(issued.body.files.fullchain, 'utf8'));

    const p12 = await fetch(`${berth.adminUrl}/api/v1/certs/api.localhost/export`, { method: 'POST', headers: { ...json, Authorization: `Bearer ${berth.token}` }, body: JSON.stringify({ format: 'p12', password: 'secret-pw' }) });
    assert.equal(p12.status, 200);
    assert.equal(p12.headers.get('content-type'), 'application/x-pkcs12');
    const p12File = join(berth.dataDir, 'out.p12');
    writeFileSync(p12File, Buffer.from(await p12.arrayBuffer()));
    const info = execFileSync('openssl', ['pkcs12', '-in', p12File, '-passin', 'pass:secret-pw', '-nokeys', '-info'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.match(info, /BEGIN CERTIFICATE/);

    const shortPw = await berth.api<ApiErrorBody>('/api/v1/certs/api.localhost/export', { method: 'POST', headers: json, body: JSON.stringify({ format: 'p12', password: 'x' }) });
    assert.equal(shortPw.status, 422);
    assert.equal(shortPw.body.error.path, 'password');

    assert.equal((await berth.api('/api/v1/certs/api.localhost', { method: 'DELETE' })).status, 204);
    const gone = await berth.api<ApiErrorBody>('/api/v1/certs/api.localhost', { method: 'DELETE' });
    assert.equal(gone.status, 404);
    assert.equal(gone.body.error.code, 'BERTH_ERR_CERT_NOT_FOUND');
  });

  test('bad input is refused with the reason and the field', async () => {
    const cases: [unknown, string, RegExp][] = [
      [{ names: ['has space.localhost'] }, 'BERTH_ERR_CERT_NAME', /whitespace/],
      [{ names: ['a.*.localhost'] }, 'BERTH_ERR_CERT_NAME', /misplaced "\*"/],
      [{ names: ['github.com'] }, 'BERTH_ERR_CERT_NAME', /outside the names the Berth CA may sign/],
      [{ names: [] }, 'BERTH_ERR_BAD_REQUEST', /at least one name/],
    ];
    for (const [body, code, message] of cases) {
      const r = await berth.api<ApiErrorBody>('/api/v1/certs', { method: 'POST', headers: json, body: JSON.stringify(body) });
      assert.equal(r.status, code === 'BERTH_ERR_BAD_REQUEST' ? 400 : 422, JSON.stringify(r.body));
      assert.equal(r.body.error.code, code);
      assert.match(r.body.error.message, message);
      assert.equal(r.body.error.path, 'names');
    }
    const a = await berth.api<CertSummary>('/api/v1/certs', { method: 'POST', headers: json, body: JSON.stringify({ names: ['one.localhost'], id: 'one' }) });
    const b = await berth.api<CertSummary>('/api/v1/certs', { method: 'POST', headers: json, body: JSON.stringify({ names: ['two.localhost'], id: 'two' }) });
    const pems = (s: CertSummary) => ({ cert: readFileSync(s.files.cert, 'utf8'), key: readFileSync(s.files.key, 'utf8') });
    const mismatch = await berth.api<ApiErrorBody>('/api/v1/certs/import', { method: 'POST', headers: json, body: JSON.stringify({ certPem: pems(a.body).cert, keyPem: pems(b.body).key, id: 'one' }) });
    assert.equal(mismatch.status, 422);
    assert.equal(mismatch.body.error.code, 'BERTH_ERR_CERT_IMPORT');
    assert.equal(mismatch.body.error.path, 'keyPem');
    const corrupt = await berth.api<ApiErrorBody>('/api/v1/certs/import', { method: 'POST', headers: json, body: JSON.stringify({ certPem: pems(a.body).cert.replace(/\n[A-Za-z0-9+/]{20}/, '\n####################'), keyPem: pems(a.body).key }) });
    assert.equal(corrupt.status, 422);
    assert.equal(corrupt.body.error.path, 'certPem');
    // Nothing stored was replaced.
    assert.equal(readFileSync(a.body.files.key, 'utf8'), pems(a.body).key);
    const ok = await berth.api<CertSummary & { warnings: string[] }>('/api/v1/certs/import', { method: 'POST', headers: json, body: JSON.stringify({ certPem: pems(a.body).cert, keyPem: pems(a.body).key, id: 'one-imported' }) });
    assert.equal(ok.status, 201);
    assert.equal(ok.body.issuer, 'imported');
  });

  test('a site with TLS auto gets a leaf from a config change; it is in use and cannot be deleted', async () => {
    const current = await berth.api<{ config: BerthConfig }>('/api/v1/config');
    const config = current.body.config;
    config.sites[0] = { ...config.sites[0]!, names: ['welcome.localhost', '*.welcome.localhost'], tls: { certificate: 'auto', redirectHttp: false, hstsMaxAgeS: 0 } };
    const put = await berth.api('/api/v1/config', { method: 'PUT', headers: json, body: JSON.stringify(config) });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    // The first-run demo already has an auto leaf for welcome.localhost: wait for the re-issue with the new names.
    const auto = await waitFor('the auto leaf', async () => (await berth.api<CertListResponse>('/api/v1/certs')).body.certificates.find((c) => c.id === 'auto-welcome' && c.names.length === 2), 20_000);
    assert.deepEqual(auto.names, ['welcome.localhost', '*.welcome.localhost']);
    assert.deepEqual(auto.usedBy, ['welcome']);
    const v = opensslVerify(join(berth.dataDir, 'certs', 'ca', 'ca.crt.pem'), auto.files.cert);
    assert.equal(v.code, 0, v.out);
    const del = await berth.api<ApiErrorBody>('/api/v1/certs/auto-welcome', { method: 'DELETE' });
    assert.equal(del.status, 409);
    assert.equal(del.body.error.code, 'BERTH_ERR_CERT_IN_USE');
  });

  test('trust doctor lists the stores; install into the NSS database of HOME, then uninstall', { skip: hasCertutil ? false : 'certutil (libnss3-tools) is not installed' }, async () => {
    const doctor = await berth.api<TrustStatusResponse>('/api/v1/certs/trust');
    assert.equal(doctor.status, 200);
    assert.deepEqual(doctor.body.stores.map((s) => s.id), ['system', 'nss', 'firefox']);
    const nss = doctor.body.stores.find((s) => s.id === 'nss')!;
    assert.equal(nss.state, 'not-trusted');
    assert.ok(nss.install.some((c) => c.display.includes(`sql:${home}/.pki/nssdb`)));
    const dry = await berth.api<TrustActionResponse>('/api/v1/certs/trust/install', { method: 'POST', headers: json, body: JSON.stringify({ stores: ['nss'], dryRun: true }) });
    assert.equal(dry.body.results[0]?.outcome, 'planned');
    const installed = await berth.api<TrustActionResponse>('/api/v1/certs/trust/install', { method: 'POST', headers: json, body: JSON.stringify({ stores: ['nss'] }) });
    assert.equal(installed.body.results[0]?.outcome, 'done', JSON.stringify(installed.body));
    const listed = execFileSync('certutil', ['-L', '-d', `sql:${home}/.pki/nssdb`], { encoding: 'utf8' });
    assert.match(listed, /Berth local CA [0-9a-f]{16}\s+C,,/);
    const after = await berth.api<TrustStatusResponse>('/api/v1/certs/trust');
    assert.equal(after.body.stores.find((s) => s.id === 'nss')?.state, 'trusted');
    const removed = await berth.api<TrustActionResponse>('/api/v1/certs/trust/uninstall', { method: 'POST', headers: json, body: JSON.stringify({ stores: ['nss'] }) });
    assert.equal(removed.body.results[0]?.outcome, 'done');
    const unknown = await berth.api<ApiErrorBody>('/api/v1/certs/trust/install', { method: 'POST', headers: json, body: JSON.stringify({ stores: ['keychain'] }) });
    assert.equal(unknown.status, 422);
    assert.match(unknown.body.error.message, /does not exist on linux/);
  });

  test('berth cert issue goes through the running Berth and the API lists it', async () => {
    const r = await runBerth(['cert', 'issue', 'cli.localhost', '--data-dir', berth.dataDir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`by the running Berth \\(pid ${berth.pid}\\)`));
    assert.match(r.stdout, /key {10}.*cli\.localhost\/key\.pem/);
    const list = await berth.api<CertListResponse>('/api/v1/certs');
    assert.ok(list.body.certificates.some((c) => c.id === 'cli.localhost'));
    const bad = await runBerth(['cert', 'issue', 'bad_name.localhost', '--data-dir', berth.dataDir]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /label "bad_name"/);
  });
});

describe('a site naming a certificate that is not in the store', () => {
  const json = { 'Content-Type': 'application/json' };
  const dataDir = makeTempDir('berth-cert-ref-');
  let berth: BerthProcess | null = null;
  after(async () => {
    await berth?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('validate and PUT refuse it with the field and the fix; delete refuses one in use; a saved config whose certificate is gone still starts and the log names it', async () => {
    berth = await startBerth({ dataDir });
    const running = berth;
    await waitFor('the cert service', async () => ((await running.status()).children.find((c) => c.role === 'certs')?.state === 'running' ? true : undefined), 20_000);
    const current = (await running.api<{ version: number; config: BerthConfig }>('/api/v1/config')).body;
    const withShop = (certificate: string): BerthConfig => ({
      ...current.config,
      sites: [...current.config.sites, { ...current.config.sites[0]!, id: 'shop', names: ['shop.localhost'], listen: [], tls: { certificate, redirectHttp: false, hstsMaxAgeS: 0 } }],
    });

    const validated = await running.api<{ ok: boolean; issues: { path: string; message: string }[] }>('/api/v1/config/validate', { method: 'POST', headers: json, body: JSON.stringify(withShop('nonexistent-cert')) });
    assert.equal(validated.status, 200);
    assert.equal(validated.body.ok, false);
    const at = `sites.${current.config.sites.length}.tls.certificate`;
    assert.deepEqual(validated.body.issues.map((i) => i.path), [at]);
    assert.match(validated.body.issues[0]!.message, /there is no certificate "nonexistent-cert"; import it on the Certificates page, or use "auto"/);
    const put = await running.api<ApiErrorBody & { error: { issues: { path: string }[] } }>('/api/v1/config', { method: 'PUT', headers: json, body: JSON.stringify(withShop('nonexistent-cert')) });
    assert.equal(put.status, 422);
    assert.equal(put.body.error.issues[0]?.path, at);
    assert.equal((await running.api<{ version: number }>('/api/v1/config')).body.version, current.version, 'nothing was applied');

    // `berth import` through the running Berth checks the certificate hint of an exported site too.
    const nginxFile = join(dataDir, 'shop.conf');
    writeFileSync(nginxFile, 'server {\n  listen 8443 ssl;\n  server_name hint.localhost;\n  root /srv/hint;\n  # berth: certificate=nonexistent-cert\n  ssl_certificate /etc/ssl/berth/nonexistent-cert/fullchain.pem;\n  ssl_certificate_key /etc/ssl/berth/nonexistent-cert/privkey.pem;\n}\n');
    const imported = await runBerth(['import', 'nginx', nginxFile, '--data-dir', dataDir]);
    assert.equal(imported.code, 1, imported.stdout);
    assert.match(imported.stderr, /tls\.certificate: there is no certificate "nonexistent-cert"/);

    const issued = await running.api<CertSummary>('/api/v1/certs', { method: 'POST', headers: json, body: JSON.stringify({ names: ['shop.localhost'], id: 'shop-cert' }) });
    assert.equal(issued.status, 201);
    const ok = await running.api('/api/v1/config', { method: 'PUT', headers: json, body: JSON.stringify(withShop('shop-cert')) });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const del = await running.api<ApiErrorBody>('/api/v1/certs/shop-cert', { method: 'DELETE' });
    assert.equal(del.status, 409);
    assert.equal(del.body.error.code, 'BERTH_ERR_CERT_IN_USE');
    assert.match(del.body.error.message, /used by site\(s\) shop: change their TLS certificate first/);

    // The certificate goes away behind Berth's back: the saved config still starts.
    await running.stop();
    berth = null;
    rmSync(join(dataDir, 'certs', 'store', 'shop-cert'), { recursive: true });
    const intoStore = await runBerth(['import', 'nginx', nginxFile, '--data-dir', dataDir]);
    assert.equal(intoStore.code, 1, intoStore.stdout);
    assert.match(intoStore.stderr, /there is no certificate "nonexistent-cert"/);
    berth = await startBerth({ dataDir });
    const again = berth;
    const restarted = await again.api<{ config: BerthConfig }>('/api/v1/config');
    assert.equal(restarted.body.config.sites.find((s) => s.id === 'shop')?.tls?.certificate, 'shop-cert');
    const logFile = join(dataDir, 'logs', 'berth.log');
    await waitFor('the missing certificate in berth.log', () => (readFileSync(logFile, 'utf8').includes('certificate "shop-cert" of site "shop" is not in the certificate store') ? true : undefined), 20_000);
    const proxies = (await again.status()).children.filter((c) => c.role === 'proxy');
    assert.ok(proxies.length > 0 && proxies.every((c) => c.state === 'running'), JSON.stringify(proxies));
  });
});

describe('berth cert without a running Berth', () => {
  test('ca creates and describes the CA; issue writes the files and prints their paths; bad names exit 1', async () => {
    const dataDir = makeTempDir('berth-cert-cli-');
    try {
      const ca = await runBerth(['cert', 'ca', '--data-dir', dataDir]);
      assert.equal(ca.code, 0, ca.stderr);
      assert.match(ca.stdout, /may sign {5}localhost, test, internal, 127\.0\.0\.0\/8, ::1\/128/);
      assert.match(ca.stdout, /sha-256 {6}([0-9A-F]{2}:){31}[0-9A-F]{2}/);
      const issue = await runBerth(['cert', 'issue', 'tool.test', '::1', '--data-dir', dataDir]);
      assert.equal(issue.code, 0, issue.stderr);
      assert.match(issue.stdout, new RegExp(`in ${dataDir}`));
      const certPath = /certificate {2}(\S+)/.exec(issue.stdout)?.[1];
      assert.ok(certPath);
      const v = opensslVerify(join(dataDir, 'certs', 'ca', 'ca.crt.pem'), certPath);
      assert.equal(v.code, 0, v.out);
      for (const [names, reason] of [
        [['*.test'], /whole top-level domain/],
        [['example.org'], /outside the names/],
        [['http://a.localhost/'], /is a URL/],
      ] as const) {
        const r = await runBerth(['cert', 'issue', ...names, '--data-dir', dataDir]);
        assert.equal(r.code, 1);
        assert.match(r.stderr, reason);
      }
      const dry = await runBerth(['cert', 'trust', '--store', 'nss', '--dry-run', '--data-dir', dataDir], { HOME: dataDir });
      assert.equal(dry.code, 0, dry.stderr);
      assert.match(dry.stdout, /\$ \S*certutil -A -d sql:\S+\/\.pki\/nssdb -t C,, -n 'Berth local CA [0-9a-f]{16}'/);
      const help = await runBerth(['--help']);
      assert.match(help.stdout, /cert {6}The local CA/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
