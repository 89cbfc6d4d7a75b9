// The dashboard in a real Chromium against a real `berth serve`: live children, a ticking uptime,
// the language switch, every page free of console errors (CSP violations included), and the
// unauthorized screen for a browser without the token cookie.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { StatusResponse } from '../../server-core/contract/api.js';
import { startBerth } from '../helpers/berth-process.js';
import type { BerthProcess } from '../helpers/berth-process.js';
import { chromiumSkipReason, openBrowserSession, type BrowserSession } from '../helpers/browser.js';

const PAGES = ['overview', 'sites', 'upstreams', 'apps', 'certificates', 'logs', 'metrics', 'settings'] as const;
const CHILDREN = ['proxy-1', 'appserver', 'certs'] as const;
const resultsDir = join(process.cwd(), 'test-results');

type Messages = { [key: string]: string | Messages };

function loadLocale(name: string): Messages {
  return JSON.parse(readFileSync(join(process.cwd(), 'renderer', 'src', 'locales', `${name}.json`), 'utf8')) as Messages;
}

function message(messages: Messages, path: string): string {
  let node: string | Messages | undefined = messages;
  for (const part of path.split('.')) node = typeof node === 'object' ? node[part] : undefined;
  assert.equal(typeof node, 'string', `no message "${path}"`);
  return node as string;
}

const skipReason = chromiumSkipReason('the dashboard e2e test');

describe('dashboard in Chromium', { skip: skipReason, timeout: 120_000 }, () => {
  let berth: BerthProcess | undefined;
  let session: BrowserSession | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let errors: string[] = [];
  const en = loadLocale('en');
  const zh = loadLocale('zh-CN');

  before(async () => {
    mkdirSync(resultsDir, { recursive: true });
    berth = await startBerth();
    // launch() gives the browser a fresh temporary profile, removed on close.
    // A fresh context: no cookies, no localStorage. English, so the default language is known.
    session = await openBrowserSession({ context: { viewport: { width: 1280, height: 860 } } });
    ({ browser, page, errors } = session);
  });

  after(async () => {
    await session?.close();
    if (berth) {
      await berth.stop();
      berth.cleanup();
    }
  });

  it('shows the three children running with their pids, live', async () => {
    assert.ok(berth);
    await page.goto(berth.dashboardUrl);
    await page.locator('[data-testid="connection-state"][data-state="live"]').waitFor();
    const status: StatusResponse = await berth.status();
    for (const id of CHILDREN) {
      await page.locator(`[data-testid="child-row-${id}"][data-state="running"]`).waitFor();
      const pidText = (await page.getByTestId(`child-pid-${id}`).textContent())?.trim() ?? '';
      assert.match(pidText, /^\d+$/, `${id} shows no pid`);
      const child = status.children.find((c) => c.id === id);
      assert.ok(child, `status has no child ${id}`);
      assert.equal(Number(pidText), child.pid, `${id}: the dashboard's pid differs from GET /api/v1/status`);
    }
    assert.equal(await page.getByTestId('page-title').textContent(), message(en, 'overview.title'));
    assert.ok((await page.getByTestId('event-list').locator('li').count()) > 0, 'no events listed');
  });

  it('ticks the uptime', async () => {
    const uptime = page.getByTestId('child-uptime-proxy-1');
    const first = (await uptime.textContent()) ?? '';
    assert.match(first, /\d/);
    // Bounded: the clock ticks every second; the bound leaves room for a loaded CI machine.
    await page.waitForFunction(
      ([sel, before]) => document.querySelector(sel)?.textContent !== before,
      ['[data-testid="child-uptime-proxy-1"]', first] as const,
      { timeout: 15_000 },
    );
    await page.screenshot({ path: join(resultsDir, 'dashboard-overview-en.png'), fullPage: true });
  });

  it('switches to Chinese: nav labels, page title and <html lang>', async () => {
    await page.getByTestId('lang-select').selectOption('zh-CN');
    for (const p of PAGES) {
      await page.getByTestId(`nav-${p}`).filter({ hasText: message(zh, `nav.${p}`) }).waitFor();
    }
    assert.equal(await page.getByTestId('page-title').textContent(), message(zh, 'overview.title'));
    assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
    assert.equal(await page.title(), message(zh, 'app.documentTitle').replace('{page}', message(zh, 'nav.overview')));
    await page.locator('[data-testid="child-row-proxy-1"][data-state="running"]').waitFor();
    await page.screenshot({ path: join(resultsDir, 'dashboard-overview-zh-CN.png'), fullPage: true });
  });

  it('keeps the language after a reload', async () => {
    await page.reload();
    await page.getByTestId('page-title').filter({ hasText: message(zh, 'overview.title') }).waitFor();
    assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
  });

  it('renders every page without console errors', async () => {
    for (const p of PAGES) {
      await page.getByTestId(`nav-${p}`).click();
      await page.getByTestId('page-title').filter({ hasText: message(zh, `${p}.title`) }).waitFor();
      assert.equal(await page.getByTestId(`nav-${p}`).getAttribute('aria-current'), 'page', `nav-${p} is not marked current`);
      if (p === 'sites') {
        // The first-run config has one demo site; its row comes from GET /api/v1/config.
        await page.locator('[data-testid^="site-row-"]').first().waitFor();
        // The demo has TLS and no listen: links on the run's HTTP port and, as the secure link, its HTTPS port.
        const { httpPort, httpsPort } = (await berth!.status()).proxy;
        const row = page.getByTestId('site-row-welcome');
        await row.locator(`a[href="http://welcome.localhost:${httpPort}/"]`).waitFor();
        await row.locator(`a[href="https://welcome.localhost:${httpsPort}/"]`).waitFor();
        assert.match((await row.textContent()) ?? '', new RegExp(`${httpsPort}`));
      }
    }
    assert.deepEqual(errors, []);
  });

  it('shows the unauthorized screen to a browser without the token cookie', async () => {
    assert.ok(berth && browser);
    const stranger = await browser.newContext({ locale: 'en-US' });
    try {
      const p = await stranger.newPage();
      await p.goto(new URL('/', berth.adminUrl).href);
      await p.getByTestId('unauthorized').waitFor({ timeout: 15_000 });
      assert.equal(await p.getByTestId('unauthorized').locator('h1').textContent(), message(en, 'unauthorized.title'));
      assert.equal(await p.getByTestId('child-row-proxy-1').count(), 0);
    } finally {
      await stranger.close();
    }
  });
});
