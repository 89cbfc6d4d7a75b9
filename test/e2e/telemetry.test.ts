// The Logs, Metrics and Overview pages in a real Chromium against a real `berth serve`: curl
// traffic through the demo site shows up in the live log tail within moments, in the Metrics charts
// and in the Overview's traffic table; filters, pause/resume and the parsed line work; lines the
// tail skips under a flood are announced; both languages render without console errors.
// Screenshots go to test-results/.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { startBerth } from '../helpers/berth-process.js';
import { chromiumSkipReason, openBrowserSession, type BrowserSession } from '../helpers/browser.js';
import type { BerthProcess } from '../helpers/berth-process.js';

const run = promisify(execFile);
const resultsDir = join(process.cwd(), 'test-results');

const skipReason = chromiumSkipReason('the dashboard e2e test') ?? (existsSync('/usr/bin/curl') ? undefined : 'curl not found: install curl to send the test traffic');

describe('Logs, Metrics and Overview pages in Chromium', { skip: skipReason, timeout: 150_000 }, () => {
  let berth: BerthProcess | undefined;
  let session: BrowserSession | undefined;
  let page: Page;
  let port = 0;
  let errors: string[] = [];

  /** One request with curl to the demo site; resolves with the status code. */
  async function curl(path: string): Promise<number> {
    const { stdout } = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-H', 'Host: welcome.localhost', `http://127.0.0.1:${port}${path}`], { timeout: 10_000 });
    return Number(stdout);
  }

  before(async () => {
    mkdirSync(resultsDir, { recursive: true });
    berth = await startBerth();
    port = (await berth.status()).proxy.httpPort;
    session = await openBrowserSession({ context: { viewport: { width: 1280, height: 900 } } });
    ({ page, errors } = session);
    await page.goto(berth.dashboardUrl);
    await page.locator('[data-testid="connection-state"][data-state="live"]').waitFor();
  });

  after(async () => {
    await session?.close();
    if (berth) {
      await berth.stop();
      berth.cleanup();
    }
  });

  it('shows curl requests in the live log tail within moments', async () => {
    await page.getByTestId('nav-logs').click();
    await page.getByTestId('logs-state').waitFor();
    // Quiet stack: the tail starts empty and says what to do (shown once the backlog is in and the
    // live subscription is sent, so the requests below cannot fall between the two).
    await page.getByTestId('logs-empty').waitFor();
    for (let i = 0; i < 3; i++) {
      assert.equal(await curl(`/e2e-probe-${i}`), 404);
      // ~0.2 s on a quiet machine (100 ms log batches); the bound leaves room for a loaded CI machine.
      await page.locator('[data-testid="log-row"]', { hasText: `"GET /e2e-probe-${i} HTTP/1.1" 404` }).waitFor({ timeout: 10_000 });
    }
    assert.equal(await curl('/'), 200);
    await page.locator('[data-testid="log-row"]', { hasText: '"GET / HTTP/1.1" 200' }).waitFor({ timeout: 10_000 });
  });

  it('filters by status class and text, and parses the selected line', async () => {
    await page.getByTestId('logs-filter-status').selectOption('4');
    await page.waitForFunction(() => document.querySelector('[data-testid="log-list"]')?.getAttribute('data-count') === '3');
    await page.getByTestId('logs-filter-status').selectOption('0');
    // 404s of static files also write an error-log line; keep to the access log here.
    await page.getByTestId('logs-filter-kind').selectOption('access');
    await page.getByTestId('logs-filter-text').fill('probe-[12]');
    await page.getByTestId('logs-filter-regex').check();
    await page.waitForFunction(() => document.querySelector('[data-testid="log-list"]')?.getAttribute('data-count') === '2');
    // An invalid regex is reported at the field and leaves the list as it was.
    await page.getByTestId('logs-filter-text').fill('probe-[');
    await page.getByTestId('logs-filter-error').waitFor();
    await page.getByTestId('logs-filter-text').fill('probe-1');
    await page.getByTestId('logs-filter-error').waitFor({ state: 'detached' });

    await page.locator('[data-testid="log-row"]').first().click();
    const detail = page.getByTestId('log-detail');
    await detail.locator('dd', { hasText: '/e2e-probe-1' }).waitFor();
    assert.ok((await detail.locator('dd').allTextContents()).some((t) => t.trim() === '404'));
    // Keyboard: the list takes focus and moves the selection.
    await page.getByTestId('logs-filter-reset').click();
    await page.getByTestId('log-list').focus();
    await page.keyboard.press('End');
    await detail.locator('dd', { hasText: 'curl/' }).first().waitFor();
    await page.screenshot({ path: join(resultsDir, 'logs-en.png'), fullPage: true });
  });

  it('pauses and resumes the tail', async () => {
    await page.getByTestId('logs-pause').click();
    await page.getByTestId('logs-state').filter({ hasText: 'Paused' }).waitFor();
    assert.equal(await curl('/while-paused'), 404);
    await page.getByTestId('logs-held').waitFor({ timeout: 10_000 });
    assert.equal(await page.locator('[data-testid="log-row"]', { hasText: '/while-paused' }).count(), 0);
    await page.getByTestId('logs-pause').click();
    await page.locator('[data-testid="log-row"]', { hasText: '"GET /while-paused HTTP/1.1" 404' }).waitFor({ timeout: 10_000 });
  });

  it('charts the traffic on the Metrics page', async () => {
    await page.getByTestId('nav-metrics').click();
    await page.getByTestId('metrics-range-5m').waitFor({ state: 'attached' });
    // The 5-minute view refreshes every 2 s from the 1 s roll-up; a loaded machine may take a few rounds.
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="metrics-charts"]')?.getAttribute('data-requests') ?? '0') >= 5, undefined, { timeout: 15_000 });
    for (const chart of ['chart-requests', 'chart-bandwidth', 'chart-status', 'chart-latency']) {
      await page.getByTestId(chart).locator('canvas').first().waitFor();
    }
    const total = Number(await page.getByTestId('metrics-total-requests').textContent());
    assert.ok(total >= 5, `summary shows ${total} requests`);
    // The per-site selector lists the demo site; the 7-day range reads the hourly roll-up.
    await page.getByTestId('metrics-key').selectOption('welcome');
    await page.getByTestId('metrics-range-7d').check();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="metrics-charts"]')?.getAttribute('data-requests') ?? '0') >= 5);
    await page.getByTestId('metrics-range-5m').check();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="metrics-charts"]')?.getAttribute('data-requests') ?? '0') >= 5);
    await page.screenshot({ path: join(resultsDir, 'metrics-en.png'), fullPage: true });
  });

  it('shows each site\u2019s live request rate on the Overview', async () => {
    await page.getByTestId('nav-overview').click();
    const row = page.getByTestId('traffic-row-welcome');
    await row.waitFor();
    // Traffic now, then the live row shows it within ~2 s (more on a loaded machine).
    for (let i = 0; i < 5; i++) await curl('/');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="traffic-row-welcome"]')?.getAttribute('data-requests') ?? '0') > 0, undefined, { timeout: 15_000 });
    // Recent problems: the empty state or the list, depending on what the stack went through.
    await page.getByTestId('overview-problems').locator('[data-testid="problems-empty"], [data-testid="problem"]').first().waitFor();
    await page.screenshot({ path: join(resultsDir, 'overview-traffic-en.png'), fullPage: true });
  });

  it('says how many lines the live tail skipped under a flood', async () => {
    // Last of the traffic tests: the flood would swamp the Metrics page's counts above.
    await page.getByTestId('nav-logs').click();
    await page.getByTestId('logs-state').waitFor();
    assert.equal(await page.getByTestId('logs-skipped').count(), 0);
    // 4,000 pipelined 404s on one connection: far more lines than the tail forwards live (200 per 100 ms).
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.resume();
    const closed = once(socket, 'close');
    let text = '';
    for (let i = 0; i < 4000; i++) text += `GET /flood-${i} HTTP/1.1\r\nHost: welcome.localhost\r\n${i === 3999 ? 'Connection: close\r\n' : ''}\r\n`;
    socket.write(text);
    await closed;
    const notice = page.getByTestId('logs-skipped');
    await notice.waitFor({ timeout: 15_000 });
    const n = Number(/^([\d,]+) lines skipped \(too many to show live; the log file has them all\)$/.exec((await notice.textContent())?.trim() ?? '')?.[1]?.replace(/,/g, ''));
    assert.ok(n > 0, `the notice gives the number of skipped lines: ${await notice.textContent()}`);
    await page.screenshot({ path: join(resultsDir, 'logs-skipped-en.png'), fullPage: true });
    // The notice stays (the Chinese pass below reads it) until Clear.
    await page.getByTestId('nav-overview').click();
    await page.getByTestId('traffic-row-welcome').waitFor();
  });

  it('renders the three pages in Chinese without console errors', async () => {
    await page.getByTestId('lang-select').selectOption('zh-CN');
    await page.getByTestId('page-title').filter({ hasText: '概览' }).waitFor();
    await page.screenshot({ path: join(resultsDir, 'overview-traffic-zh-CN.png'), fullPage: true });
    await page.getByTestId('nav-logs').click();
    await page.getByTestId('logs-state').filter({ hasText: '实时' }).waitFor();
    await page.getByTestId('logs-skipped').filter({ hasText: /^已跳过 [\d,]+ 行/ }).waitFor();
    await page.screenshot({ path: join(resultsDir, 'logs-zh-CN.png'), fullPage: true });
    await page.getByTestId('logs-clear').click();
    await page.getByTestId('logs-skipped').waitFor({ state: 'detached' });
    await page.getByTestId('nav-metrics').click();
    await page.getByTestId('chart-requests').locator('canvas').first().waitFor();
    await page.getByText('每秒请求数').first().waitFor();
    await page.screenshot({ path: join(resultsDir, 'metrics-zh-CN.png'), fullPage: true });
    assert.deepEqual(errors, []);
  });
});
