// The Apps page in a real Chromium against a real `berth serve`: create a Flask app in the form
// (processes=2, threads=2), see a refused value's error at its field, apply, watch it run with
// two worker pids and its log lines arrive live, open it through the proxy; gunicorn-style "—"
// request counts are covered by the integration tests.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { AppsListResponse } from '../../server-core/contract/apps.js';
import { makeTempDir, startBerth, waitFor, type BerthProcess } from '../helpers/berth-process.js';
import { chromiumSkipReason, openBrowserSession, type BrowserSession } from '../helpers/browser.js';
import { httpRequest } from '../helpers/http.js';
import { waitForProxyConfig } from '../helpers/proxy-config.js';

const PYTHON = '/usr/bin/python3';

const FLASK_APP = `import os, time
from flask import Flask, request
app = Flask(__name__)

@app.route("/")
def hello():
    print("hello from the flask view", flush=True)
    return "hello from flask"

@app.route("/pid")
def pid():
    time.sleep(float(request.args.get("sleep", "0")))
    return str(os.getpid())
`;

const flask = existsSync(PYTHON) && existsSync('/usr/lib/python3/dist-packages/flask');
const skip = chromiumSkipReason('the dashboard e2e tests') ?? (flask ? undefined : 'needs python3-flask (.ci/run installs it)');

describe('Apps page: create a Flask app in the form', { skip, timeout: 180_000 }, () => {
  let berth: BerthProcess | undefined;
  let session: BrowserSession | undefined;
  let page: Page;
  let errors: string[] = [];
  const work = skip ? '' : makeTempDir('berth-apps-form-');

  before(async () => {
    writeFileSync(join(work, 'app.py'), FLASK_APP);
    berth = await startBerth();
    session = await openBrowserSession({ context: { viewport: { width: 1280, height: 1000 } }, timeout: 20_000 });
    ({ page, errors } = session);
  });

  after(async () => {
    await session?.close();
    if (berth) {
      await berth.stop();
      berth.cleanup();
    }
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('refuses processes=0 at its field, then applies, runs 2 pids and serves through the proxy', async () => {
    assert.ok(berth);
    await page.goto(berth.dashboardUrl);
    await page.locator('[data-testid="connection-state"][data-state="live"]').waitFor();
    await page.getByTestId('nav-apps').click();
    await page.getByTestId('app-new').click();
    const form = page.getByTestId('app-form');
    await form.waitFor();
    await page.getByTestId('app-form-id').fill('flask');
    await page.getByTestId('app-form-runtime').selectOption('wsgi');
    await page.getByTestId('app-form-workingDir').fill(work);
    await page.getByTestId('app-form-entry').fill('app:app');
    await page.getByTestId('app-form-interpreter').fill(PYTHON);
    await page.getByTestId('app-form-threads').fill('2');
    await page.getByTestId('app-form-processes').fill('0');
    await page.getByTestId('app-form-apply').click();
    // The 422's issue lands under its field; nothing was applied.
    const processes = page.locator('[data-field="apps.0.processes"]');
    await page.locator('.field-error[data-issue-path="apps.0.processes"]').waitFor();
    assert.equal(await processes.getAttribute('aria-invalid'), 'true');
    assert.match(await page.locator('.field-error[data-issue-path="apps.0.processes"]').innerText(), /at least 1 process/);
    assert.equal((await berth.api<AppsListResponse>('/api/v1/apps')).body.apps.length, 0, 'the refused config did not run');

    await page.getByTestId('app-form-processes').fill('2');
    await page.getByTestId('app-form-apply').click();
    await page.getByTestId('app-form').waitFor({ state: 'detached' });
    await page.locator('[data-testid="app-state-flask"]', { hasText: 'Running' }).waitFor({ timeout: 60_000 });
    const rows = page.locator('[data-testid="app-processes-flask"] tbody tr');
    await waitFor('two worker rows', async () => ((await rows.count()) === 2 ? true : undefined), 15_000, 200);
    const shownPids = (await rows.locator('td:first-child').allInnerTexts()).map((s) => Number(s.trim())).sort();
    assert.equal(new Set(shownPids).size, 2);

    // The new site flask.localhost routes to it: concurrent requests meet both processes.
    const port = (await berth.status()).proxy.httpPort;
    // The page shows a worker as soon as it runs; the proxy routes to it once the app server has
    // published it as ready (and the proxy switched to the config with the new site): wait for the
    // first answer, then ask in rounds until both processes answered (bounded), checking every answer.
    await waitForProxyConfig(berth);
    await waitFor('the proxy to route flask.localhost', async () => ((await httpRequest({ port, host: 'flask.localhost', path: '/pid' })).status === 200 ? true : undefined), 15_000, 200);
    const answers: Array<{ status: number; body: string }> = [];
    const deadline = Date.now() + 15_000;
    while (new Set(answers.filter((a) => a.status === 200).map((a) => a.body)).size < 2 && Date.now() < deadline) {
      answers.push(...(await Promise.all(Array.from({ length: 8 }, () => httpRequest({ port, host: 'flask.localhost', path: '/pid?sleep=0.3' })))));
    }
    for (const a of answers) assert.equal(a.status, 200, a.body);
    assert.deepEqual([...new Set(answers.map((a) => Number(a.body)))].sort(), shownPids);

    // The app's output reaches the page over the WebSocket.
    assert.equal((await httpRequest({ port, host: 'flask.localhost', path: '/' })).body, 'hello from flask');
    await page.locator('[data-testid="app-log-flask"]', { hasText: 'hello from the flask view' }).waitFor({ timeout: 15_000 });
    const config = (await berth.api<{ config: { apps: Array<{ processes: number; threads: number }> } }>('/api/v1/config')).body.config;
    assert.deepEqual(config.apps.map((a) => [a.processes, a.threads]), [[2, 2]]);
    // The browser logs the refused apply's 422 itself; nothing else may go wrong.
    assert.deepEqual(errors.filter((e) => !/status of 422 \(Unprocessable Entity\)/.test(e)), [], 'no other console errors');
  });
});
