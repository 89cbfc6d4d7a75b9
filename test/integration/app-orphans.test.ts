// No orphans: uWSGI, gunicorn and php-fpm do not notice their parent dying, so the app server's
// watchdog (server-core/appserver/group-watchdog.ts) kills their process groups. Checked for real:
// SIGKILL of the app server child (the supervisor restarts it and the apps come back), the app
// server and its watchdog killed together (the next app server reaps from its ledger), SIGKILL of
// `berth serve`, and a normal stop. "A process of the app" = any process whose cwd is the app's
// working dir (every runtime chdirs there, its forked workers too).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppStatus, AppsListResponse } from '../../server-core/contract/apps.js';
import type { BerthConfig } from '../../server-core/config/schema.js';
import { isAlive, makeTempDir, startBerth, waitFor, type BerthProcess } from '../helpers/berth-process.js';
import { httpRequest } from '../helpers/http.js';

const phpFpm = existsSync('/usr/sbin') ? readdirSync('/usr/sbin').find((n) => /^php-fpm[\d.]*$/.test(n)) : undefined;
const missing = [
  process.platform !== 'linux' && 'Linux (/proc)',
  !existsSync('/usr/bin/uwsgi') && 'uwsgi',
  !existsSync('/usr/lib/uwsgi/plugins/python3_plugin.so') && 'uwsgi-plugin-python3',
  !existsSync('/usr/bin/gunicorn') && 'gunicorn',
  phpFpm === undefined && 'php-fpm',
].filter(Boolean);
const skip = missing.length > 0 ? `needs ${missing.join(', ')} (.ci/run installs the Debian packages)` : false;

const WSGI_APP = `import os
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [str(os.getpid()).encode()]
`;

/** Live (non-zombie) processes whose working dir is inside `dir`. */
function processesIn(dir: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cwd = readlinkSync(`/proc/${name}/cwd`);
      if (cwd !== dir && !cwd.startsWith(`${dir}/`)) continue;
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') continue;
      found.push(Number(name));
    } catch {
      // gone meanwhile, or not ours
    }
  }
  return found;
}

/** The app server's group watchdog: its child running the watchdog script. */
function watchdogOf(appServerPid: number): number | undefined {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === appServerPid && readFileSync(`/proc/${name}/cmdline`, 'latin1').includes("trap '' INT TERM HUP QUIT")) return Number(name);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

describe('no orphaned app processes', { skip }, () => {
  const work = skip ? '' : makeTempDir('berth-orphans-');
  const dirs: Record<string, string> = {};
  const running: BerthProcess[] = [];

  async function startWithApps(): Promise<BerthProcess> {
    const berth = await startBerth();
    running.push(berth);
    const config = (await berth.api<{ config: BerthConfig }>('/api/v1/config')).body.config;
    const base = { entry: 'app:app', interpreter: '', env: {}, processes: 2, threads: 1, maxRequests: 0, harakiriS: 0, autostart: true, socket: '', reloadOnChange: false };
    config.apps = [
      { ...base, id: 'uw', runtime: 'uwsgi', workingDir: dirs.uw ?? '' },
      { ...base, id: 'gu', runtime: 'gunicorn', workingDir: dirs.gu ?? '' },
      { ...base, id: 'ph', runtime: 'php-fpm', workingDir: dirs.ph ?? '', entry: '' },
    ];
    config.sites.push({ id: 'uw', names: ['uw.localhost'], locations: [{ match: { kind: 'prefix', path: '/' }, handler: { type: 'app', app: 'uw' } }] } as unknown as BerthConfig['sites'][number]);
    const r = await berth.api('/api/v1/config', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(config) });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    await allRunning(berth);
    return berth;
  }

  async function allRunning(berth: BerthProcess): Promise<AppStatus[]> {
    return waitFor('uw, gu and ph running', async () => {
      const res = await berth.api<AppsListResponse>('/api/v1/apps').catch(() => null);
      const apps = res?.status === 200 ? res.body.apps : [];
      return apps.length === 3 && apps.every((a) => a.state === 'running') ? apps : undefined;
    }, 60_000, 200);
  }

  /** Every app has its master and the workers it forked (2 each; gunicorn boots them after it listens). */
  async function assertAllUp(): Promise<void> {
    for (const id of ['uw', 'gu', 'ph']) {
      const pids = await waitFor(`${id}: master + 2 workers`, () => {
        const found = processesIn(dirs[id] ?? '/nonexistent');
        return found.length >= 3 ? found : undefined;
      }, 15_000, 100);
      assert.ok(pids.length >= 3);
    }
  }

  async function noneLeft(what: string): Promise<void> {
    const t0 = Date.now();
    // Typically well under a second; the bound leaves room for a machine busy with other suites.
    await waitFor(`no uwsgi/gunicorn/php-fpm process left after ${what}`, () => (processesIn(work).length === 0 ? true : undefined), 15_000, 50);
    console.log(`# ${what}: every app process gone after ${Date.now() - t0} ms`);
  }

  after(async () => {
    for (const b of running) {
      await b.stop('SIGKILL');
      b.cleanup();
    }
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('SIGKILL of the app server child, then of berth serve, then a normal stop', async () => {
    for (const id of ['uw', 'gu', 'ph']) {
      dirs[id] = join(work, id);
      mkdirSync(dirs[id]);
    }
    writeFileSync(join(work, 'uw', 'app.py'), WSGI_APP);
    writeFileSync(join(work, 'gu', 'app.py'), WSGI_APP);
    writeFileSync(join(work, 'ph', 'index.php'), '<?php echo getmypid();\n');

    const berth = await startWithApps();
    await assertAllUp();
    const port = (await berth.status()).proxy.httpPort;
    assert.equal((await httpRequest({ port, host: 'uw.localhost', path: '/' })).status, 200);

    // 1. The app server child dies without a word.
    const before = new Set(processesIn(work));
    const appserver = (await berth.status()).children.find((c) => c.role === 'appserver');
    assert.ok(appserver?.pid, 'the app server runs');
    process.kill(appserver.pid, 'SIGKILL');
    await waitFor('the old app processes gone', () => ([...before].every((p) => !processesIn(work).includes(p)) ? true : undefined), 15_000, 50);
    // The supervisor restarts the app server, which starts the apps again (new pids).
    await waitFor('a new app server', async () => {
      const c = (await berth.status()).children.find((x) => x.role === 'appserver');
      return c?.pid && c.pid !== appserver.pid && c.state === 'running' ? c : undefined;
    }, 20_000, 100);
    await allRunning(berth);
    await assertAllUp();
    assert.ok(processesIn(work).every((p) => !before.has(p)), 'only new processes run');
    await waitFor('uw served again', async () => ((await httpRequest({ port, host: 'uw.localhost', path: '/' }).catch(() => null))?.status === 200 ? true : undefined), 10_000, 100);

    // 1b. The app server and its watchdog die together (kill -9 -1, the OOM killer): the watchdog is
    // stopped first so it cannot act on the closed pipe, as if killed in the same instant. The
    // restarted app server reaps the groups its ledger names (orphan-reaper.ts).
    const orphans = new Set(processesIn(work));
    const server2 = (await berth.status()).children.find((c) => c.role === 'appserver');
    assert.ok(server2?.pid, 'the app server runs again');
    const watchdog = watchdogOf(server2.pid);
    assert.ok(watchdog, 'the app server has its watchdog');
    process.kill(watchdog, 'SIGSTOP');
    process.kill(server2.pid, 'SIGKILL');
    // Checked as soon as the app server is gone, not after a fixed pause: the supervisor restarts
    // it after its backoff (250 ms on), and the new one reaps the orphans right away.
    const server2Pid = server2.pid;
    await waitFor('the app server gone', () => (isAlive(server2Pid) ? undefined : true), 10_000, 5);
    process.kill(watchdog, 'SIGKILL');
    assert.ok([...orphans].some((p) => processesIn(work).includes(p)), 'without the watchdog the app processes outlive the app server');
    await waitFor('the orphans reaped by the next app server', () => ([...orphans].every((p) => !processesIn(work).includes(p)) ? true : undefined), 20_000, 100);
    await allRunning(berth);
    await assertAllUp();
    assert.ok(processesIn(work).every((p) => !orphans.has(p)), 'only new processes run');
    // The app server's output reaches berth.log through the supervisor: allow it a moment.
    const log = await waitFor('the reaping in berth.log', () => {
      const text = readFileSync(join(berth.dataDir, 'logs', 'berth.log'), 'utf8');
      return /killed \d+ app process group\(s\) an earlier app server left running/.test(text) ? text : undefined;
    }, 10_000, 100);
    assert.match(log, /killed 3 app process group\(s\) an earlier app server left running/, 'the reaping is logged');

    // 2. The whole stack is SIGKILLed.
    await berth.stop('SIGKILL');
    await noneLeft('SIGKILL of berth serve');

    // 3. A normal stop.
    const again = await startWithApps();
    await assertAllUp();
    const result = await again.stop('SIGTERM');
    assert.equal(result.code, 0);
    await noneLeft('a normal stop');
  });
});
