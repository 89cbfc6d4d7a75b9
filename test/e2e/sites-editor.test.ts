// The config editor in a real Chromium against a real `berth serve` and two real upstream servers:
// build an upstream and a site (static + proxy) in the dashboard, see a field error, review the
// diff, apply, send traffic through the proxy (both servers answer), mark a location internal
// (a browser gets 404, the upstream's X-Accel-Redirect reaches it), add rewrites (a PCRE-only
// regex refused at its field, then a redirect and a `last` rule served), add an error page served
// from that location (a missing file gets it, with its 404), roll back from the history (the proxy
// location is gone: 404), and switch the editor to 中文.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { makeTempDir, startBerth, waitFor } from '../helpers/berth-process.js';
import type { BerthProcess } from '../helpers/berth-process.js';
import { chromiumSkipReason, openBrowserSession, type BrowserSession } from '../helpers/browser.js';
import { httpRequest } from '../helpers/http.js';
import { waitForProxyConfig } from '../helpers/proxy-config.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream-servers.js';

const resultsDir = join(process.cwd(), 'test-results');
const HOST = 'e2e.localhost';

type Messages = { [key: string]: string | Messages };
const loadLocale = (name: string): Messages => JSON.parse(readFileSync(join(process.cwd(), 'renderer', 'src', 'locales', `${name}.json`), 'utf8')) as Messages;
function message(messages: Messages, path: string): string {
  let node: string | Messages | undefined = messages;
  for (const part of path.split('.')) node = typeof node === 'object' ? node[part] : undefined;
  assert.equal(typeof node, 'string', `no message "${path}"`);
  return node as string;
}

const skipReason = chromiumSkipReason('the editor e2e test');

describe('sites and upstreams editor in Chromium', { skip: skipReason, timeout: 180_000 }, () => {
  let berth: BerthProcess | undefined;
  let session: BrowserSession | undefined;
  let page: Page;
  let one: TestUpstream | undefined;
  let two: TestUpstream | undefined;
  let httpPort = 0;
  let siteIndex = 0;
  let versionWithStaticOnly = 0;
  let running = 0;
  let errors: string[] = [];
  const en = loadLocale('en');
  const zh = loadLocale('zh-CN');
  const webRoot = makeTempDir('berth-e2e-root-');

  before(async () => {
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>e2e</title><p>static e2e page</p>\n');
    // Both servers answer /api/download with X-Accel-Redirect to the internal location, as Django's and Rails' send-file views do.
    const sendfile = (req: IncomingMessage, res: ServerResponse): boolean => {
      if (!req.url?.startsWith('/api/download')) return false;
      res.writeHead(200, { 'X-Accel-Redirect': '/private/index.html', 'Content-Length': '0' });
      res.end();
      return true;
    };
    one = await startUpstream('one', sendfile);
    two = await startUpstream('two', sendfile);
    berth = await startBerth();
    httpPort = (await berth.status()).proxy.httpPort;
    session = await openBrowserSession({ context: { viewport: { width: 1280, height: 900 } } });
    ({ page, errors } = session);
  });

  after(async () => {
    await session?.close();
    if (berth) {
      await berth.stop();
      berth.cleanup();
    }
    await one?.kill();
    await two?.kill();
  });

  const applyState = () => page.getByTestId('apply-state');

  async function reviewAndApply(note: string, screenshot?: string): Promise<number> {
    await applyState().filter({ hasText: message(en, 'editor.bar.ready') }).waitFor();
    await page.getByTestId('review-open').click();
    await page.getByTestId('diff').waitFor();
    if (screenshot) await page.screenshot({ path: join(resultsDir, screenshot), fullPage: true });
    await page.getByTestId('apply-note').fill(note);
    await page.getByTestId('apply').click();
    await page.getByTestId('apply-ok').waitFor();
    assert.ok(berth);
    const status = await berth.status();
    return status.config.version;
  }

  it('creates a two-server upstream on the Upstreams page', async () => {
    assert.ok(berth && one && two);
    await page.goto(berth.dashboardUrl);
    await page.getByTestId('nav-upstreams').click();
    await page.getByTestId('upstreams-empty').waitFor();
    await page.getByTestId('add-upstream').click();
    await page.getByTestId('upstream-id').fill('pair');
    // FastCGI: the default keep-alive becomes 0 (kept connections hold PHP-FPM children), with the why.
    await page.getByTestId('upstream-protocol').selectOption('fastcgi');
    assert.equal(await page.getByTestId('upstream-keepalive').inputValue(), '0');
    await page.getByText(message(en, 'editor.upstream.keepaliveHintFastcgi')).waitFor();
    await page.getByTestId('upstream-protocol').selectOption('http');
    await page.getByTestId('upstream-keepalive').fill('32');
    await page.getByTestId('server-address-0').fill(`127.0.0.1:${one.port}`);
    await page.getByTestId('add-server').click();
    await page.getByTestId('server-address-1').fill('not an address');
    // The server's issue appears at its field, named by path.
    const fieldError = page.locator('[data-issue-path="upstreams.0.servers.1.address"]').first();
    await fieldError.waitFor();
    await page.getByTestId('server-address-1').fill(`127.0.0.1:${two.port}`);
    await applyState().filter({ hasText: message(en, 'editor.bar.ready') }).waitFor();
    assert.equal(await page.locator('.field-error').count(), 0);
  });

  it('adds a site with a static location, shows field errors, and applies it', async () => {
    await page.getByTestId('nav-sites').click();
    await page.getByTestId('add-site').click();
    await page.getByTestId('site-editor').waitFor();
    siteIndex = (await page.locator('[data-testid^="site-row-"]').count()) - 1;
    await page.getByTestId('site-id').fill('e2e');
    // An empty name list is refused: the error shows at the names field.
    await page.getByTestId('site-names').fill('');
    await page.locator(`[data-issue-path="sites.${siteIndex}.names"]`).first().waitFor();
    assert.equal(await page.getByTestId('site-names').getAttribute('aria-invalid'), 'true');
    await page.getByTestId('site-names').fill(HOST);
    await page.getByTestId('site-root').fill(webRoot);
    await page.getByTestId('add-location').click();
    await page.locator('[data-testid="location-0"] [data-testid="handler-type"]').waitFor();
    assert.equal(await page.locator('[data-testid="location-0"] [data-testid="handler-type"]').inputValue(), 'static');
    versionWithStaticOnly = await reviewAndApply('e2e: static site and upstream');
    // The apply answers before the proxy worker switched to the new version.
    await waitForProxyConfig(berth!, versionWithStaticOnly);
    const home = await httpRequest({ port: httpPort, host: HOST, path: '/' });
    assert.equal(home.status, 200);
    assert.match(home.body, /static e2e page/);
    const api = await httpRequest({ port: httpPort, host: HOST, path: '/api/hello' });
    assert.equal(api.status, 404, 'no proxy location yet');
  });

  it('adds a proxy location to the upstream, reviews the diff and the nginx preview, applies', async () => {
    await page.getByTestId('add-location').click();
    const loc = page.getByTestId('location-1');
    await loc.getByTestId('location-path').fill('/api/');
    await loc.getByTestId('handler-type').selectOption('proxy');
    await loc.getByTestId('proxy-upstream').selectOption('pair');
    await page.getByTestId('preview-toggle').click();
    await page.getByTestId('nginx-preview').locator('pre', { hasText: 'proxy_pass http://pair' }).waitFor();
    await page.screenshot({ path: join(resultsDir, 'editor-sites-en.png'), fullPage: true });
    await page.getByTestId('preview-toggle').click();
    const version = await reviewAndApply('e2e: proxy /api/ to pair', 'editor-diff-en.png');
    assert.equal(version, versionWithStaticOnly + 1);
    // The next test sends traffic to /api/ at once: the proxy worker must run this version by then.
    await waitForProxyConfig(berth!, version);
  });

  it('sends traffic through the proxy: 200s from both upstream servers', async () => {
    const seen = new Map<string, number>();
    for (let i = 0; i < 20; i++) {
      const res = await httpRequest({ port: httpPort, host: HOST, path: `/api/hello?i=${i}` });
      assert.equal(res.status, 200, res.body);
      const server = (JSON.parse(res.body) as { server: string }).server;
      seen.set(server, (seen.get(server) ?? 0) + 1);
    }
    assert.deepEqual([...seen.keys()].sort(), ['one', 'two']);
    // The Upstreams page shows both servers with their traffic, live.
    assert.ok(one && two);
    await page.getByTestId('nav-upstreams').click();
    for (const port of [one.port, two.port]) {
      const cell = page.getByTestId(`server-requests-pair-127.0.0.1:${port}`);
      await waitFor(`requests for 127.0.0.1:${port}`, async () => (Number(await cell.textContent()) > 0 ? true : undefined), 10_000, 250);
    }
    await page.screenshot({ path: join(resultsDir, 'editor-upstreams-en.png'), fullPage: true });
  });

  it('adds an internal location: a browser gets 404 there, the upstream\'s X-Accel-Redirect is served from it', async () => {
    await page.getByTestId('nav-sites').click();
    await page.getByTestId('site-edit-e2e').click();
    await page.getByTestId('add-location').click();
    const loc = page.getByTestId('location-2');
    await loc.getByTestId('location-path').fill('/private/');
    await loc.locator(`[data-field="sites.${siteIndex}.locations.2.handler.alias"]`).fill(`${webRoot}/`);
    const internal = loc.locator(`[data-field="sites.${siteIndex}.locations.2.internal"]`);
    assert.equal(await internal.isChecked(), false);
    await internal.check();
    await loc.getByText(message(en, 'editor.location.internalHint')).waitFor();
    await loc.locator('legend .tag', { hasText: message(en, 'editor.location.internalTag') }).waitFor();
    await page.getByTestId('preview-toggle').click();
    await page.getByTestId('nginx-preview').locator('pre', { hasText: /location \/private\/ \{\s+internal;/ }).waitFor();
    await page.getByTestId('preview-toggle').click();
    const version = await reviewAndApply('e2e: internal /private/ for X-Accel-Redirect');
    await waitForProxyConfig(berth!, version);
    assert.equal((await httpRequest({ port: httpPort, host: HOST, path: '/private/index.html' })).status, 404);
    const download = await httpRequest({ port: httpPort, host: HOST, path: '/api/download' });
    assert.equal(download.status, 200);
    assert.match(download.body, /static e2e page/);
    // Back where the next test starts: the live Upstreams page.
    await page.getByTestId('nav-upstreams').click();
  });

  it('adds rewrites: a PCRE-only regex is refused at its field; then a site rule redirects and a location rule serves the new URI', async () => {
    await page.getByTestId('nav-sites').click();
    await page.getByTestId('site-edit-e2e').click();
    await page.getByTestId('add-site-rewrite').click();
    const rule = page.getByTestId('site-rewrites').getByTestId('rewrite-0');
    await rule.getByTestId('rewrite-pattern').fill('^/old/(?>.*)$');
    await page.locator(`[data-issue-path="sites.${siteIndex}.rewrites.0.pattern"]`).filter({ hasText: 'atomic group' }).waitFor();
    assert.equal(await rule.getByTestId('rewrite-pattern').getAttribute('aria-invalid'), 'true');
    await rule.getByTestId('rewrite-pattern').fill('^/old/(.*)$');
    await rule.getByTestId('rewrite-replacement').fill('/new/$1');
    await rule.getByTestId('rewrite-flag').selectOption('permanent');
    await page.getByTestId('add-rewrite-0').click();
    const locRule = page.getByTestId('location-rewrites-0').getByTestId('rewrite-0');
    await locRule.getByTestId('rewrite-pattern').fill('^/home$');
    await locRule.getByTestId('rewrite-replacement').fill('/index.html');
    await locRule.getByTestId('rewrite-flag').selectOption('last');
    await page.getByTestId('preview-toggle').click();
    await page.getByTestId('nginx-preview').locator('pre', { hasText: 'rewrite ^/old/(.*)$ /new/$1 permanent;' }).waitFor();
    await page.getByTestId('nginx-preview').locator('pre', { hasText: 'rewrite ^/home$ /index.html last;' }).waitFor();
    await page.getByTestId('preview-toggle').click();
    await page.getByTestId('site-rewrites').screenshot({ path: join(resultsDir, 'editor-rewrites-en.png') });
    const version = await reviewAndApply('e2e: rewrites');
    await waitForProxyConfig(berth!, version);
    const moved = await httpRequest({ port: httpPort, host: HOST, path: '/old/page?a=1' });
    assert.equal(moved.status, 301);
    assert.equal(moved.headers.location, `http://${HOST}:${httpPort}/new/page?a=1`);
    const home = await httpRequest({ port: httpPort, host: HOST, path: '/home' });
    assert.equal(home.status, 200);
    assert.match(home.body, /static e2e page/);
    // Back where the next test starts: the live Upstreams page.
    await page.getByTestId('nav-upstreams').click();
  });

  it('adds an error page to the site: a bad code shows at its field; a missing file then gets the page from the internal location', async () => {
    await page.getByTestId('nav-sites').click();
    await page.getByTestId('site-edit-e2e').click();
    await page.getByTestId('error-pages-empty').waitFor();
    await page.getByTestId('site-error-pages-add').click();
    const row = page.getByTestId('site-error-pages-0');
    const codes = row.getByTestId('error-page-codes');
    await codes.fill('404 99');
    await page.locator(`[data-issue-path="sites.${siteIndex}.errorPages.0.codes.1"]`).first().waitFor();
    assert.equal(await codes.getAttribute('aria-invalid'), 'true');
    await codes.fill('404');
    await row.getByTestId('error-page-target').fill('/private/index.html');
    await page.locator(`[data-issue-path="sites.${siteIndex}.errorPages.0.codes.1"]`).first().waitFor({ state: 'detached' });
    // The locations without their own list say the site's applies; only the proxied one offers intercepting.
    await page.getByTestId('location-0').getByTestId('location-error-pages-inherited').filter({ hasText: message(en, 'editor.errorPages.inherited').replace('{n}', '1') }).waitFor();
    assert.equal(await page.locator(`[data-field="sites.${siteIndex}.locations.0.interceptErrors"]`).count(), 0);
    assert.equal(await page.locator(`[data-field="sites.${siteIndex}.locations.1.interceptErrors"]`).count(), 1);
    // A location's own list, answered with another code: in the nginx preview, then removed again (the site's list applies once more).
    await page.getByTestId('location-1-error-pages-add').click();
    const own = page.getByTestId('location-1-error-pages-0');
    await own.getByTestId('error-page-response').selectOption('code');
    assert.equal(await own.getByTestId('error-page-response-code').inputValue(), '200');
    await page.getByTestId('preview-toggle').click();
    await page.getByTestId('nginx-preview').locator('pre', { hasText: 'error_page 404 /private/index.html;' }).waitFor();
    await page.getByTestId('nginx-preview').locator('pre', { hasText: /location \/api\/ \{[^}]*error_page 404 =200 \/404\.html;/ }).waitFor();
    await page.getByTestId('preview-toggle').click();
    await page.screenshot({ path: join(resultsDir, 'editor-error-pages-en.png'), fullPage: true });
    await page.getByTestId('location-1-error-pages-remove-0').click();
    await page.getByTestId('location-1').getByTestId('location-error-pages-inherited').waitFor();
    const version = await reviewAndApply('e2e: error page 404 from the internal location');
    await waitForProxyConfig(berth!, version);
    const missing = await httpRequest({ port: httpPort, host: HOST, path: '/missing.html' });
    assert.equal(missing.status, 404);
    assert.match(missing.body, /static e2e page/);
    // Back where the next test starts: the live Upstreams page.
    await page.getByTestId('nav-upstreams').click();
  });

  it('marks a server down from the live table: applied at once, traffic goes to the other one', async () => {
    assert.ok(berth && one);
    const before = (await berth.status()).config.version;
    await page.getByTestId(`server-toggle-pair-127.0.0.1:${one.port}`).click();
    await page.getByTestId(`server-row-pair-127.0.0.1:${one.port}`).filter({ hasText: message(en, 'upstreams.state.markedDown') }).waitFor();
    assert.equal((await berth.status()).config.version, before + 1);
    await waitForProxyConfig(berth, before + 1);
    for (let i = 0; i < 6; i++) {
      const res = await httpRequest({ port: httpPort, host: HOST, path: '/api/after-down' });
      assert.equal(res.status, 200);
      assert.equal((JSON.parse(res.body) as { server: string }).server, 'two');
    }
    running = before + 1;
  });

  it('rolls back to the version before the proxy location from the history: it is gone (404)', async () => {
    await page.getByTestId('nav-sites').click();
    const history = page.getByTestId('version-history');
    await history.getByTestId(`version-row-${running}`).getByTestId('version-current').waitFor();
    await history.getByTestId(`version-compare-${versionWithStaticOnly}`).click();
    await history.getByTestId('diff').waitFor();
    await page.screenshot({ path: join(resultsDir, 'editor-history-en.png'), fullPage: true });
    await history.getByTestId(`version-restore-${versionWithStaticOnly}`).click();
    await history.getByTestId(`version-restore-confirm-${versionWithStaticOnly}`).click();
    running += 1;
    await history.getByTestId(`version-row-${running}`).getByTestId('version-current').waitFor();
    const api = await waitFor('the proxy location to be gone', async () => {
      const res = await httpRequest({ port: httpPort, host: HOST, path: '/api/hello' });
      return res.status === 404 ? res : undefined;
    }, 10_000, 100);
    assert.equal(api.status, 404);
    assert.equal((await httpRequest({ port: httpPort, host: HOST, path: '/' })).status, 200);
  });

  it('an apply the proxy refuses (a port another program holds) says so at the apply bar; the previous config serves on', async () => {
    assert.ok(berth);
    const holder = createNetServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
    try {
      const takenPort = (holder.address() as AddressInfo).port;
      await page.getByTestId('site-edit-e2e').click();
      await page.getByTestId('add-listen').click();
      await page.locator(`[data-field="sites.${siteIndex}.listen.0.port"]`).fill(String(takenPort));
      await applyState().filter({ hasText: message(en, 'editor.bar.ready') }).waitFor();
      await page.getByTestId('review-open').click();
      await page.getByTestId('apply-note').fill('e2e: a taken port');
      await page.getByTestId('apply').click();
      const failed = page.getByTestId('apply-failed');
      await failed.filter({ hasText: 'BERTH_ERR_APPLY_REFUSED' }).waitFor();
      assert.match(await failed.innerText(), new RegExp(`${takenPort}`));
      // Chromium logs every 4xx answer to the console; this 409 is the one the test asked for.
      const expected = errors.findIndex((e) => /status of 409/.test(e));
      assert.ok(expected >= 0, errors.join('\n'));
      errors.splice(expected, 1);
      // The refused version stays in the history; the previous config is current again as a new one.
      running += 2;
      await page.getByTestId('version-history').getByTestId(`version-row-${running}`).getByTestId('version-current').waitFor();
      assert.equal((await berth.status()).config.version, running);
      assert.equal((await httpRequest({ port: httpPort, host: HOST, path: '/' })).status, 200);
      await page.screenshot({ path: join(resultsDir, 'editor-refused-en.png'), fullPage: true });
      // The edits are kept to be fixed; here they are dropped.
      await page.getByTestId('discard').click();
      await applyState().filter({ hasText: message(en, 'editor.bar.clean').replace('{version}', String(running)) }).waitFor();
    } finally {
      holder.close();
    }
  });

  it('switches the editor to 中文: its visible strings change', async () => {
    await page.getByTestId('site-edit-e2e').click();
    const editor = page.getByTestId('site-editor');
    const before = await editor.innerText();
    assert.ok(before.includes(message(en, 'editor.site.addLocation')));
    await page.getByTestId('lang-select').selectOption('zh-CN');
    await page.getByTestId('add-site').filter({ hasText: message(zh, 'sites.add') }).waitFor();
    const afterText = await editor.innerText();
    for (const key of ['editor.site.basics', 'editor.site.listen', 'editor.rewrite.siteTitle', 'editor.site.locations', 'editor.site.addLocation', 'editor.site.access', 'editor.site.limits', 'editor.handlerType.label', 'editor.errorPages.title']) {
      assert.ok(afterText.includes(message(zh, key)), `the editor does not show "${message(zh, key)}" (${key})`);
      assert.ok(!afterText.includes(message(en, key)), `the editor still shows "${message(en, key)}" (${key})`);
    }
    assert.equal(await applyState().textContent(), message(zh, 'editor.bar.clean').replace('{version}', String(running)));
    await page.screenshot({ path: join(resultsDir, 'editor-sites-zh-CN.png'), fullPage: true });
  });

  it('shows ports and trust status in Settings, in 中文', async () => {
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('ports-form').waitFor();
    const trust = page.getByTestId('settings-trust');
    await trust.locator('li[data-state]').first().waitFor();
    assert.ok((await trust.innerText()).includes(message(zh, 'settings.trust.title')));
    await page.screenshot({ path: join(resultsDir, 'editor-settings-zh-CN.png'), fullPage: true });
    assert.deepEqual(errors, []);
  });
});
