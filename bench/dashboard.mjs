#!/usr/bin/env node
/* global document, window, requestAnimationFrame -- page.evaluate callbacks run in the browser */
// Dashboard benchmark (run after `npx tsc -b` and the vite build; `npm run bench:dashboard`):
//   1. first load: dashboard URL → Overview interactive (live link + the proxy's row running),
//      fresh browser context each time (cold cache), Chromium headless;
//   2. frame time on the Logs page while tailing ~1,000 lines/s of real access-log lines
//      (curl-like HTTP traffic through the proxy) with 100,000 lines held;
//   3. the 7-day metrics query on a database filled with a week of per-second data
//      (generator → the writer's own roll-up path), in-process and through the admin API.
// Every loop is bounded. Prints one JSON summary at the end.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request, Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist', 'server-core');
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const LOAD_RUNS = Number(process.env.BENCH_LOAD_RUNS ?? 7);
const TAIL_SECONDS = Number(process.env.BENCH_TAIL_SECONDS ?? 10);
const TAIL_RATE = 1000;
const HELD = 100_000;
const WEEK = 7 * 86_400;
const FILL_SERIES = ['welcome', 'shop', 'api'];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

if (!existsSync(join(dist, 'metrics', 'writer.js')) || !existsSync(join(root, 'dist', 'renderer', 'index.html'))) {
  console.error('build first: npx tsc -b && npx vite build --config renderer/vite.config.ts');
  process.exit(1);
}
if (!existsSync(CHROMIUM)) {
  console.error(`${CHROMIUM} not found: install Chromium`);
  process.exit(1);
}

async function serve(dataDir) {
  const proc = spawn(process.execPath, [join(root, 'bin', 'berth.js'), 'serve', '--no-open', '--admin-port', '0', '--http-port', '0', '--https-port', '0', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  const deadline = Date.now() + 30_000;
  const file = join(dataDir, 'admin.json');
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`berth serve exited:\n${out}`);
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`berth serve not ready:\n${out}`);
    }
    if (existsSync(file)) {
      try {
        const admin = JSON.parse(readFileSync(file, 'utf8'));
        const status = await (await fetch(`${admin.url}/api/v1/status`, { headers: { Authorization: `Bearer ${admin.token}` } })).json();
        return {
          ...admin,
          httpPort: status.proxy.httpPort,
          stop: () =>
            new Promise((resolve) => {
              const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
              proc.once('exit', () => {
                clearTimeout(timer);
                resolve();
              });
              proc.kill('SIGTERM');
            }),
        };
      } catch {
        // admin.json being written
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

// ---------- 1 + 2: the browser ----------

async function browserBench() {
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-bench-dash-'));
  const berth = await serve(dataDir);
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  try {
    const loads = [];
    for (let i = 0; i < LOAD_RUNS; i++) {
      const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      const t0 = performance.now();
      await page.goto(`${berth.url}/?token=${berth.token}`);
      await page.locator('[data-testid="connection-state"][data-state="live"]').waitFor({ timeout: 15_000 });
      await page.locator('[data-testid="child-row-proxy-1"][data-state="running"]').waitFor({ timeout: 15_000 });
      loads.push(performance.now() - t0);
      await context.close();
    }

    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${berth.url}/?token=${berth.token}`);
    await page.getByTestId('nav-logs').click();
    await page.getByTestId('logs-state').waitFor();
    // Hold 100,000 lines: fill the page's own log model (the same store the WebSocket feeds), in
    // batches like the WebSocket's, through Vue's app handle. Real combined-format lines.
    await page.evaluate(async (held) => {
      const app = document.querySelector('#app').__vue_app__;
      const store = app.config.globalProperties.$pinia._s.get('logs');
      const line = (i) => `127.0.0.1 - - [21/Nov/2026:11:00:00 +0100] "GET /filler/${i} HTTP/1.1" ${i % 50 === 0 ? 500 : 200} ${i % 4096} "-" "bench/1.0"`;
      for (let i = 0; i < held; i += 1000) {
        store.model.append('access:welcome', Array.from({ length: 1000 }, (_, k) => line(i + k)));
      }
      store.version++;
      await new Promise((r) => requestAnimationFrame(() => r()));
    }, HELD);
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid="log-list"]')?.getAttribute('data-count')) >= n, HELD);

    // Frame recorder in the page; then ~1,000 req/s of real traffic → access-log lines → the tail.
    await page.evaluate(() => {
      const w = window;
      w.__frames = [];
      w.__recording = true;
      let last = performance.now();
      const tick = (now) => {
        w.__frames.push(now - last);
        last = now;
        if (w.__recording) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
      const store = document.querySelector('#app').__vue_app__.config.globalProperties.$pinia._s.get('logs');
      w.__seqStart = store.model.size + store.model.evicted;
    });
    const sent = await traffic(berth.httpPort, TAIL_RATE, TAIL_SECONDS);
    await new Promise((r) => setTimeout(r, 1500));
    const result = await page.evaluate(() => {
      const w = window;
      w.__recording = false;
      const store = document.querySelector('#app').__vue_app__.config.globalProperties.$pinia._s.get('logs');
      return { frames: w.__frames.slice(5), received: store.model.size + store.model.evicted - w.__seqStart, held: store.model.size, domRows: document.querySelectorAll('[data-testid="log-row"]').length };
    });
    await context.close();
    return { loads, tail: { ...result, sent } };
  } finally {
    await browser.close();
    await berth.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Paced GETs to the demo site: `rate` per second for `seconds` seconds, 16 keep-alive sockets. */
async function traffic(port, rate, seconds) {
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  let sent = 0;
  let failed = 0;
  const one = (i) =>
    new Promise((resolve) => {
      const req = request({ host: '127.0.0.1', port, path: `/?tail=${i}`, headers: { Host: 'welcome.localhost' }, agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', () => {
        failed++;
        resolve();
      });
      req.end();
    });
  const start = performance.now();
  const inflight = new Set();
  for (let tick = 0; tick < seconds * 100; tick++) {
    // 10 ms ticks: rate/100 requests each, skipped if the client falls behind by >1 s.
    const due = start + tick * 10;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (inflight.size > rate) continue;
    for (let k = 0; k < rate / 100; k++) {
      const p = one(sent++).then(() => inflight.delete(p));
      inflight.add(p);
    }
  }
  await Promise.all(inflight);
  agent.destroy();
  return { requests: sent, failed, seconds: round((performance.now() - start) / 1000, 2) };
}

// ---------- 3: a week of per-second metrics ----------

async function queryBench() {
  const { openStore } = await import(join(dist, 'store', 'database.js'));
  const { MetricsWriter } = await import(join(dist, 'metrics', 'writer.js'));
  const { SeriesAccum } = await import(join(dist, 'metrics', 'series.js'));
  const { queryMetrics } = await import(join(dist, 'metrics', 'query.js'));
  const { bucketIndex } = await import(join(dist, 'metrics', 'histogram.js'));
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-bench-metrics-'));
  try {
    const store = openStore(dataDir);
    const now = Math.floor(Date.now() / 1000);
    const writer = new MetricsWriter(store.db, { nowMs: () => now * 1000 });
    // Deterministic generator: each series gets 1–40 requests per second with a few latencies.
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const fillStart = performance.now();
    const BATCH = 3600;
    for (let s0 = now - WEEK; s0 < now; s0 += BATCH) {
      const rows = [];
      for (let s = s0; s < Math.min(now, s0 + BATCH); s++) {
        const series = FILL_SERIES.map((key) => {
          const a = new SeriesAccum('site', key);
          const n = 1 + Math.floor(rand() * 40);
          a.requests = n;
          a.bytesIn = n * 300;
          a.bytesOut = n * 4000;
          a.status[1] = n - 1;
          a.status[rand() < 0.05 ? 4 : 3] += 1;
          for (let k = 0; k < 3; k++) {
            const ms = 0.2 * Math.exp(rand() * 6);
            a.hist[bucketIndex(ms)] += n / 3;
            a.latencyMsSum += (ms * n) / 3;
          }
          return a;
        });
        rows.push({ second: s, series });
      }
      writer.writeSeconds(rows);
    }
    const fillS = (performance.now() - fillStart) / 1000;
    const counts = Object.fromEntries(['metrics_1s', 'metrics_1m', 'metrics_1h'].map((t) => [t, store.db.prepare(`SELECT count(*) AS n FROM ${t}`).get().n]));
    const times = {};
    for (const range of ['5m', '1h', '24h', '7d']) {
      for (const key of [null, 'welcome']) {
        const xs = [];
        for (let i = 0; i < 15; i++) {
          const t0 = performance.now();
          queryMetrics(store.db, { range, kind: 'site', key }, now * 1000);
          xs.push(performance.now() - t0);
        }
        times[`${range} ${key ?? 'all'}`] = round(median(xs), 2);
      }
    }
    store.close();

    // Through the admin API (HTTP + JSON), with `berth serve` on the filled data dir.
    const berth = await serve(dataDir);
    const api = [];
    try {
      for (let i = 0; i < 15; i++) {
        const t0 = performance.now();
        const res = await fetch(`${berth.url}/api/v1/metrics?range=7d&kind=site`, { headers: { Authorization: `Bearer ${berth.token}` } });
        const body = await res.json();
        api.push(performance.now() - t0);
        if (body.summary.requests === 0) throw new Error('the 7-day query returned no data');
      }
    } finally {
      await berth.stop();
    }
    return { fillSeconds: round(fillS), rows: counts, queryMs: times, api7dMs: round(median(api), 2) };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const browser = await browserBench();
const query = await queryBench();
const frames = browser.tail.frames;
const summary = {
  firstLoadToOverviewInteractiveMs: { median: round(median(browser.loads)), runs: browser.loads.map((x) => round(x)) },
  logTail: {
    held: browser.tail.held,
    linesReceivedPerSecond: round(browser.tail.received / TAIL_SECONDS),
    traffic: browser.tail.sent,
    domRows: browser.tail.domRows,
    frameMs: { median: round(median(frames), 2), p95: round(pct(frames, 0.95), 2), p99: round(pct(frames, 0.99), 2), max: round(Math.max(...frames), 2), frames: frames.length },
    framesOver50ms: frames.filter((f) => f > 50).length,
  },
  metrics7d: query,
};
console.log(JSON.stringify(summary, null, 2));
