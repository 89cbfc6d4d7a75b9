// The Certificates page in Chromium against the real `berth serve`: the CA card and its download,
// the trust doctor rows, issue with an error shown at the field, then a listed certificate with
// its expiry countdown, an import refused at the key field, a PKCS#12 export, and a delete.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import type { Page } from 'playwright-core';
import type { CaSummary, CertListResponse } from '../../server-core/contract/certs.js';
import { makeTempDir, startBerth, type BerthProcess } from '../helpers/berth-process.js';
import { chromiumSkipReason, openBrowserSession, type BrowserSession } from '../helpers/browser.js';

const skipReason = chromiumSkipReason('the Certificates page test');

describe('Certificates page', { skip: skipReason, timeout: 120_000 }, () => {
  let berth: BerthProcess;
  let session: BrowserSession | undefined;
  let page: Page;
  let home: string;
  let errors: string[] = [];

  before(async () => {
    home = makeTempDir('berth-certs-page-home-');
    berth = await startBerth({ env: { HOME: home } });
    session = await openBrowserSession({ context: { viewport: { width: 1280, height: 900 }, acceptDownloads: true }, timeout: 20_000, ignoreConsole: /status of 4\d\d/ });
    ({ page, errors } = session);
    await page.goto(berth.dashboardUrl);
    await page.goto(`${berth.adminUrl}/#/certificates`);
  });

  after(async () => {
    await session?.close();
    await berth.stop();
    berth.cleanup();
    rmSync(home, { recursive: true, force: true });
  });

  it('shows the CA with its fingerprint and offers its certificate for download', async () => {
    const ca = (await berth.api<CaSummary>('/api/v1/certs/ca')).body;
    assert.equal((await page.getByTestId('ca-fingerprint').textContent())?.trim(), ca.fingerprintSha256);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('ca-download').click()]);
    assert.equal(download.suggestedFilename(), 'berth-local-ca.pem');
    assert.equal(readFileSync((await download.path())!, 'utf8'), readFileSync(ca.certPath, 'utf8'));
  });

  it('lists each trust store of this OS with its state and the commands a fix runs', async () => {
    for (const id of ['system', 'nss', 'firefox']) await page.getByTestId(`trust-row-${id}`).waitFor();
    assert.equal(await page.getByTestId('trust-row-nss').getAttribute('data-state'), 'not-trusted');
    assert.match((await page.getByTestId('trust-commands-nss').textContent()) ?? '', /certutil -A -d sql:\S+\.pki\/nssdb -t C,,/);
  });

  it('refuses a bad name at the field, then issues and lists the certificate with its countdown', async () => {
    await page.getByTestId('issue-names').fill('shop.example.com');
    await page.getByTestId('issue-submit').click();
    assert.match((await page.getByTestId('issue-error').textContent()) ?? '', /outside the names the Berth CA may sign/);
    assert.equal(await page.getByTestId('issue-names').getAttribute('aria-invalid'), 'true');
    await page.getByTestId('issue-names').fill('shop.localhost *.shop.localhost');
    await page.getByTestId('issue-submit').click();
    await page.getByTestId('cert-row-shop.localhost').waitFor();
    assert.match((await page.getByTestId('cert-row-shop.localhost').textContent()) ?? '', /shop\.localhost, \*\.shop\.localhost/);
    assert.match((await page.getByTestId('cert-expiry-shop.localhost').textContent()) ?? '', /^in \d+d/);
  });

  it('refuses an import whose key does not match, at the key field', async () => {
    const list = (await berth.api<CertListResponse>('/api/v1/certs')).body.certificates;
    const shop = list.find((c) => c.id === 'shop.localhost')!;
    await page.getByTestId('import-cert').fill(readFileSync(shop.files.cert, 'utf8'));
    await page.getByTestId('import-key').fill(readFileSync(berth.dataDir + '/certs/ca/ca.crt.pem', 'utf8').replace(/CERTIFICATE/g, 'PRIVATE KEY'));
    await page.getByTestId('import-submit').click();
    assert.match((await page.getByTestId('import-error-keyPem').textContent()) ?? '', /private key is not readable/);
  });

  it('exports a PKCS#12 with a password, and deletes the certificate', async () => {
    await page.getByTestId('cert-export-p12-shop.localhost').click();
    await page.getByTestId('cert-p12-password-shop.localhost').fill('ab');
    await page.getByTestId('cert-p12-submit-shop.localhost').click();
    assert.match((await page.getByTestId('cert-error-shop.localhost').textContent()) ?? '', /at least 4 characters/);
    await page.getByTestId('cert-p12-password-shop.localhost').fill('long enough');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('cert-p12-submit-shop.localhost').click()]);
    assert.equal(download.suggestedFilename(), 'shop.localhost.p12');
    await page.getByTestId('cert-delete-shop.localhost').click();
    await page.getByTestId('cert-row-shop.localhost').waitFor({ state: 'detached' });
    // The first-run demo's own leaf (welcome.localhost over HTTPS) stays.
    await page.getByTestId('cert-row-auto-welcome').waitFor();
    assert.deepEqual(errors, []);
  });
});
