// The dashboard's import screen in a real Chromium against a real `berth serve`: a pasted nginx
// config with a syntax error is refused at the text with its line; a fixed one dry-runs to the
// mapped site and every warning with file:line; applying adds the site, which the Sites list shows
// and GET /api/v1/config holds; no console errors on the way.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { BerthConfig } from '../../server-core/config/schema.js';
import { freePort } from '../conformance/harness.js';
import { startBerth, type BerthProcess } from '../helpers/berth-process.js';
import { chromiumSkipReason, openBrowserSession, type BrowserSession } from '../helpers/browser.js';
import { waitForProxyConfig } from '../helpers/proxy-config.js';

const skipReason = chromiumSkipReason('the dashboard e2e test');

describe('dashboard import screen in Chromium', { skip: skipReason, timeout: 120_000 }, () => {
  let berth: BerthProcess | undefined;
  let session: BrowserSession | undefined;
  let page: Page;
  let errors: string[] = [];
  let port = 0;

  before(async () => {
    berth = await startBerth();
    port = await freePort();
    session = await openBrowserSession({ context: { viewport: { width: 1280, height: 900 } } });
    ({ page, errors } = session);
  });

  after(async () => {
    await session?.close();
    if (berth) {
      await berth.stop();
      berth.cleanup();
    }
  });

  it('shows a syntax error at the nginx text with its line', async () => {
    assert.ok(berth);
    await page.goto(berth.dashboardUrl);
    await page.getByTestId('nav-sites').click();
    await page.getByTestId('import-link').click();
    await page.getByTestId('import-nginx-text').fill(`server {\n    listen ${port}\n}\n`);
    await page.getByTestId('import-dry-run').click();
    const err = page.getByTestId('import-error-nginx');
    await err.waitFor();
    assert.match((await err.textContent()) ?? '', /unexpected "}" in \/import\/nginx\.conf:3:1/);
    assert.equal(await page.getByTestId('import-nginx-text').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.getByTestId('import-apply').isDisabled(), true);
  });

  it('dry-runs to the mapped site with every warning, applies, and the site is listed', async () => {
    assert.ok(berth);
    errors.length = 0; // Chromium logs the refused (400) dry run above as a failed resource
    const conf = [
      'server {',
      `    listen ${port};`,
      '    server_name imported.localhost;',
      '    charset utf-8;',
      '    location / { return 200 "hello from the import"; }',
      '    location @named { return 404; }',
      '}',
      '',
    ].join('\n');
    await page.getByTestId('import-nginx-text').fill(conf);
    await page.getByTestId('import-dry-run').click();
    await page.getByTestId('import-result').waitFor();
    const sites = (await page.getByTestId('import-sites').textContent()) ?? '';
    assert.match(sites, /imported-localhost/);
    assert.match(sites, new RegExp(`listens on ${port}`));
    const warnings = await page.getByTestId('import-warning').allTextContents();
    assert.ok(warnings.some((w) => /^nginx\.conf:4 charset: /.test(w.trim())), `no charset warning with its line in ${JSON.stringify(warnings)}`);
    assert.ok(warnings.some((w) => /^nginx\.conf:6 location: /.test(w.trim())), `no named-location warning in ${JSON.stringify(warnings)}`);
    const before = await berth.api<{ config: BerthConfig }>('/api/v1/config');
    assert.ok(!before.body.config.sites.some((s) => s.id === 'imported-localhost'), 'a dry run changes nothing');

    await page.getByTestId('import-apply').click();
    await page.getByTestId('import-applied').waitFor();
    await page.getByTestId('import-to-sites').click();
    await page.getByTestId('site-row-imported-localhost').waitFor();
    const after = await berth.api<{ version: number; config: BerthConfig }>('/api/v1/config');
    const site = after.body.config.sites.find((s) => s.id === 'imported-localhost');
    assert.deepEqual(site?.listen.map((l) => l.port), [port]);
    // The apply answers before the proxy worker switched to the new version and bound the new port.
    await waitForProxyConfig(berth, after.body.version);
    const res = await fetch(`http://127.0.0.1:${port}/`); // the only site on that port: its default
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'hello from the import');
    assert.deepEqual(errors, []);
  });
});
