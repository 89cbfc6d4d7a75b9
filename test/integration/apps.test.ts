// The app server with real peers: a Django project (django-admin startproject) behind Berth's
// own WSGI runtime, real uWSGI and gunicorn, static files by `alias`; a Flask app with processes ×
// threads and max_requests recycling under load; PHP through php-fpm; a worker killed with -9; a
// broken app crash-looping; bad input refused or failed with the runtime's words.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppStatus, AppsListResponse } from '../../server-core/contract/apps.js';
import type { UpstreamsResponse } from '../../server-core/contract/upstreams.js';
import type { ApiErrorBody } from '../../server-core/contract/api.js';
import type { BerthConfig } from '../../server-core/config/schema.js';
import { findFreePort } from '../../server-core/supervisor/ports.js';
import { isAlive, makeTempDir, startBerth, waitFor, type BerthProcess } from '../helpers/berth-process.js';
import { h2Request, httpRequest, type SimpleResponse } from '../helpers/http.js';

const PYTHON = '/usr/bin/python3';
const phpFpm = existsSync('/usr/sbin') ? readdirSync('/usr/sbin').find((n) => /^php-fpm[\d.]*$/.test(n)) : undefined;
const missing = [
  !existsSync('/usr/bin/django-admin') && 'python3-django',
  !existsSync('/usr/bin/uwsgi') && 'uwsgi',
  !existsSync('/usr/lib/uwsgi/plugins/python3_plugin.so') && 'uwsgi-plugin-python3',
  !existsSync('/usr/bin/gunicorn') && 'gunicorn',
  phpFpm === undefined && 'php-fpm',
].filter(Boolean);
const skip = missing.length > 0 ? `needs Debian packages: ${missing.join(', ')} (.ci/run installs them)` : false;

function makeDjango(dir: string): string {
  execFileSync('/usr/bin/django-admin', ['startproject', 'mysite', dir], { stdio: 'pipe' });
  appendFileSync(join(dir, 'mysite', 'settings.py'), "\nALLOWED_HOSTS = ['*']\nSTATIC_ROOT = BASE_DIR / 'staticfiles'\n");
  execFileSync(PYTHON, ['manage.py', 'collectstatic', '--noinput'], { cwd: dir, stdio: 'pipe' });
  execFileSync(PYTHON, ['manage.py', 'migrate', '--noinput'], { cwd: dir, stdio: 'pipe' });
  return join(dir, 'staticfiles');
}

const FLASK_APP = `import os, time
from flask import Flask, request
app = Flask(__name__)

@app.route("/")
def hello():
    return "hello"

@app.route("/pid")
def pid():
    time.sleep(float(request.args.get("sleep", "0")))
    return str(os.getpid())
`;

describe('app server with real runtimes', { skip }, () => {
  let berth: BerthProcess;
  let port: number;
  let phpTlsPort: number;
  let work: string;
  let staticRoot: string;

  const get = (host: string, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<SimpleResponse> =>
    httpRequest({ port, host: `${host}.localhost`, path, ...init });

  async function apps(): Promise<AppStatus[]> {
    return (await berth.api<AppsListResponse>('/api/v1/apps')).body.apps;
  }
  async function app(id: string): Promise<AppStatus> {
    const a = (await apps()).find((x) => x.id === id);
    assert.ok(a, `app ${id} is listed`);
    return a;
  }
  const untilState = (id: string, states: AppStatus['state'][], timeoutMs = 60_000): Promise<AppStatus> =>
    waitFor(`app ${id} in ${states.join('/')}`, async () => {
      // Listed once the app server has taken the applied config (asynchronously after PUT /config).
      const a = (await apps()).find((x) => x.id === id);
      return a && states.includes(a.state) ? a : undefined;
    }, timeoutMs, 200);

  before(async () => {
    work = makeTempDir('berth-apps-');
    const django = join(work, 'django');
    mkdirSync(django);
    staticRoot = makeDjango(django);
    const flask = join(work, 'flask');
    mkdirSync(flask);
    writeFileSync(join(flask, 'app.py'), FLASK_APP);
    writeFileSync(join(flask, 'broken.py'), 'raise RuntimeError("broken on purpose: the database is unreachable")\n');
    const php = join(work, 'php');
    mkdirSync(join(php, 'uploads'), { recursive: true });
    writeFileSync(join(php, 'index.php'), '<?php echo "php ok " . (PHP_MAJOR_VERSION >= 7 ? "modern" : "old") . " " . $_SERVER["REQUEST_METHOD"];\n');
    writeFileSync(join(php, 'length.php'), '<?php echo strlen(file_get_contents("php://input")) . " " . ($_SERVER["CONTENT_LENGTH"] ?? "-");\n');
    writeFileSync(join(php, 'form.php'), '<?php header("X-Form: yes"); echo "hello " . htmlspecialchars($_POST["name"] ?? "nobody") . " via " . $_SERVER["CONTENT_TYPE"];\n');
    // "sendfile through nginx": PHP checks access, then hands the file to the proxy's internal location.
    writeFileSync(join(php, 'download.php'), '<?php header("Content-Type: text/plain"); header("Content-Disposition: attachment; filename=report.txt"); header("X-Accel-Redirect: /protected/report.txt"); echo "not this body";\n');
    mkdirSync(join(work, 'protected'));
    writeFileSync(join(work, 'protected', 'report.txt'), 'the protected report\n');
    writeFileSync(join(php, 'vars.php'), '<?php foreach (["SCRIPT_FILENAME", "SCRIPT_NAME", "PATH_INFO", "DOCUMENT_ROOT", "X_DOCROOT"] as $k) echo $k, "=", $_SERVER[$k] ?? "(unset)", "\\n";\n');
    // The site root of the `fastcgi` location below is a deploy's `current` symlink (Laravel's and Symfony's recipes use $realpath_root).
    symlinkSync(php, join(work, 'php-current'));
    // An "uploaded image" with PHP inside: the classic cgi.fix_pathinfo hole would run it.
    writeFileSync(join(php, 'uploads', 'a.jpg'), '<?php echo "EXECUTED-UPLOAD"; ?>');

    // Two proxy workers even on a 1-core runner: the PHP-FPM test below needs requests through both.
    berth = await startBerth({ args: ['--proxy-workers', '2'] });
    port = (await berth.status()).proxy.httpPort;
    const config = (await berth.api<{ config: BerthConfig }>('/api/v1/config')).body.config;
    const wsgi = { interpreter: PYTHON, env: { DJANGO_SETTINGS_MODULE: 'mysite.settings' } };
    config.apps = [
      { id: 'dj-wsgi', runtime: 'wsgi', workingDir: django, entry: 'mysite.wsgi:application', ...wsgi, processes: 1, threads: 2, maxRequests: 0, harakiriS: 0, autostart: true, socket: '', reloadOnChange: false },
      { id: 'dj-uwsgi', runtime: 'uwsgi', workingDir: django, entry: 'mysite.wsgi:application', interpreter: '', env: {}, processes: 2, threads: 1, maxRequests: 1000, harakiriS: 30, autostart: true, socket: '', reloadOnChange: false },
      { id: 'dj-gunicorn', runtime: 'gunicorn', workingDir: django, entry: 'mysite.wsgi:application', interpreter: '', env: {}, processes: 1, threads: 2, maxRequests: 0, harakiriS: 0, autostart: true, socket: '', reloadOnChange: false },
      { id: 'flask', runtime: 'wsgi', workingDir: flask, entry: 'app:app', interpreter: PYTHON, env: {}, processes: 2, threads: 2, maxRequests: 0, harakiriS: 0, autostart: true, socket: '', reloadOnChange: false },
      { id: 'flaskmax', runtime: 'wsgi', workingDir: flask, entry: 'app:app', interpreter: PYTHON, env: {}, processes: 2, threads: 2, maxRequests: 50, harakiriS: 0, autostart: true, socket: '', reloadOnChange: false },
      { id: 'php', runtime: 'php-fpm', workingDir: php, entry: '', interpreter: '', env: {}, processes: 2, threads: 1, maxRequests: 0, harakiriS: 0, autostart: true, socket: '', reloadOnChange: false },
      { id: 'php1', runtime: 'php-fpm', workingDir: php, entry: '', interpreter: '', env: {}, processes: 1, threads: 1, maxRequests: 0, harakiriS: 0, autostart: true, socket: '', reloadOnChange: false },
      // A PHP-FPM app on a socket of the user's choosing, behind a configured `fastcgi` upstream and location.
      { id: 'phpvars', runtime: 'php-fpm', workingDir: php, entry: '', interpreter: '', env: {}, processes: 1, threads: 1, maxRequests: 0, harakiriS: 0, autostart: true, socket: `unix:${join(work, 'phpvars.sock')}`, reloadOnChange: false },
      { id: 'broken', runtime: 'wsgi', workingDir: flask, entry: 'broken:app', interpreter: PYTHON, env: {}, processes: 1, threads: 1, maxRequests: 0, harakiriS: 0, autostart: true, socket: '', reloadOnChange: false },
      { id: 'nomodule', runtime: 'wsgi', workingDir: flask, entry: 'no_such_module:app', interpreter: PYTHON, env: {}, processes: 1, threads: 1, maxRequests: 0, harakiriS: 0, autostart: true, socket: '', reloadOnChange: false },
      { id: 'nointerp', runtime: 'wsgi', workingDir: flask, entry: 'app:app', interpreter: '/nonexistent/bin/python3', env: {}, processes: 1, threads: 1, maxRequests: 0, harakiriS: 0, autostart: true, socket: '', reloadOnChange: false },
    ];
    phpTlsPort = await findFreePort();
    const site = (id: string, appId: string, withStatic: boolean): BerthConfig['sites'][number] =>
      ({
        id,
        names: [`${id}.localhost`],
        locations: [
          ...(withStatic ? [{ match: { kind: 'prefix', path: '/static/' }, handler: { type: 'static', alias: `${staticRoot}/` } }] : []),
          { match: { kind: 'prefix', path: '/' }, handler: { type: 'app', app: appId } },
        ],
      }) as unknown as BerthConfig['sites'][number];
    config.sites.push(
      site('dj-wsgi', 'dj-wsgi', true),
      site('dj-uwsgi', 'dj-uwsgi', true),
      site('dj-gunicorn', 'dj-gunicorn', true),
      site('flask', 'flask', false),
      site('flaskmax', 'flaskmax', false),
      site('php', 'php', false),
      site('php1', 'php1', false),
      // The PHP app once more behind HTTPS + HTTP/2 (a certificate from the local CA).
      { ...site('phph2', 'php', false), listen: [{ port: phpTlsPort, tls: true, http2: true }], tls: { certificate: 'auto' } } as unknown as BerthConfig['sites'][number],
      site('broken', 'broken', false),
      // nginx's PHP recipe as a user writes it in the site editor (the stock params are implied).
      {
        id: 'phpvars',
        names: ['phpvars.localhost'],
        root: join(work, 'php-current'),
        locations: [
          {
            match: { kind: 'regex', path: '\\.php(/|$)' },
            handler: {
              type: 'fastcgi',
              upstream: 'phpvars-fcgi',
              splitPathInfo: '^(.+\\.php)(/.+)$',
              params: { SCRIPT_FILENAME: '$realpath_root$fastcgi_script_name', PATH_INFO: '$fastcgi_path_info', X_DOCROOT: '$document_root' },
            },
          },
          { match: { kind: 'prefix', path: '/protected/' }, handler: { type: 'static', alias: `${join(work, 'protected')}/` }, internal: true },
        ],
      } as unknown as BerthConfig['sites'][number],
      // Laravel's location: no fastcgi_split_path_info; PHP-FPM's cgi.fix_pathinfo splits /vars.php/extra behind nginx.
      {
        id: 'phpfix',
        names: ['phpfix.localhost'],
        root: join(work, 'php-current'),
        locations: [{ match: { kind: 'regex', path: '^/vars\\.php(/|$)' }, handler: { type: 'fastcgi', upstream: 'phpvars-fcgi' } }],
      } as unknown as BerthConfig['sites'][number],
    );
    config.upstreams.push({ id: 'phpvars-fcgi', protocol: 'fastcgi', servers: [{ address: `unix:${join(work, 'phpvars.sock')}` }] } as unknown as BerthConfig['upstreams'][number]);
    const applied = await berth.api<unknown>('/api/v1/config', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(config) });
    assert.equal(applied.status, 200, JSON.stringify(applied.body));
    for (const id of ['dj-wsgi', 'dj-uwsgi', 'dj-gunicorn', 'flask', 'flaskmax', 'php', 'php1', 'phpvars']) {
      const a = await untilState(id, ['running', 'failed']);
      assert.equal(a.state, 'running', `${id}: ${a.reason ?? ''} ${a.lastStderr.join('\n')}`);
    }
    // "running" in the API comes a moment before the proxy workers get the app's addresses (the app
    // server publishes them after a short coalescing delay): until then the proxy answers 502.
    for (const id of ['dj-wsgi', 'dj-uwsgi', 'dj-gunicorn', 'flask', 'flaskmax', 'php', 'php1']) {
      await waitFor(`${id} routed by the proxy`, async () => ((await get(id, '/')).status !== 502 ? true : undefined), 15_000, 100);
    }
  });

  after(async () => {
    if (berth) {
      await berth.stop();
      berth.cleanup();
    }
  });

  for (const id of ['dj-wsgi', 'dj-uwsgi']) {
    test(`Django admin over the uwsgi protocol (${id}): login page, static files by alias, CSRF-protected POST`, async () => {
      const page = await get(id, '/admin/login/?next=/admin/');
      assert.equal(page.status, 200, page.body.slice(0, 500));
      assert.match(page.body, /<title>Log in \| Django site admin<\/title>/);
      const cookie = String(page.headers['set-cookie'] ?? '');
      const csrfCookie = /csrftoken=([^;]+)/.exec(cookie)?.[1];
      const formToken = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(page.body)?.[1];
      assert.ok(csrfCookie && formToken, 'the page sets a CSRF cookie and a form token');

      const css = await get(id, '/static/admin/css/base.css');
      assert.equal(css.status, 200);
      assert.equal(css.body, readFileSync(join(staticRoot, 'admin/css/base.css'), 'utf8'), 'the proxy serves collectstatic output itself');

      const form = { 'content-type': 'application/x-www-form-urlencoded', cookie: `csrftoken=${csrfCookie}` };
      const body = `csrfmiddlewaretoken=${encodeURIComponent(formToken)}&username=nobody&password=wrong&next=%2Fadmin%2F`;
      const post = await get(id, '/admin/login/?next=/admin/', { method: 'POST', headers: form, body });
      assert.equal(post.status, 200, post.body.slice(0, 300));
      assert.match(post.body, /Please enter the correct username and password/);

      const forged = await get(id, '/admin/login/', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=a&password=b' });
      assert.equal(forged.status, 403);
      assert.match(forged.body, /CSRF verification failed/);
      // Django refuses without reading the body and the worker closes: the 403 must still reach
      // the client every time (the body goes out with the packet, never racing the close).
      const statuses = new Set<number>();
      for (let i = 0; i < 100; i++) {
        statuses.add((await get(id, '/admin/login/', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=a&password=b' })).status);
      }
      assert.deepEqual([...statuses], [403]);
    });
  }

  test('the same Django project through gunicorn over HTTP', async () => {
    const page = await get('dj-gunicorn', '/admin/login/');
    assert.equal(page.status, 200);
    assert.match(page.body, /Log in \| Django site admin/);
    // Forked workers appear with the first process sample (every 2 s).
    const a = await waitFor('gunicorn\'s worker sampled', async () => {
      const x = await app('dj-gunicorn');
      return x.processes.some((p) => p.role === 'child') ? x : undefined;
    }, 20_000, 200);
    assert.equal(a.protocol, 'http');
  });

  test('uWSGI runs the generated ini with its own master and workers', async () => {
    const a = await waitFor('uWSGI\'s workers sampled', async () => {
      const x = await app('dj-uwsgi');
      return x.processes.filter((p) => p.role === 'child').length >= 2 ? x : undefined;
    }, 20_000, 200).catch(() => app('dj-uwsgi'));
    const ini = readFileSync(join(berth.dataDir, 'run', 'apps', 'dj-uwsgi', 'uwsgi.ini'), 'utf8');
    assert.match(ini, /^processes = 2$/m);
    assert.match(ini, /^max-requests = 1000$/m);
    assert.match(ini, /^harakiri = 30$/m);
    assert.ok(a.processes.filter((p) => p.role === 'child').length >= 2, `uWSGI forked its 2 workers: ${JSON.stringify(a.processes)}`);
  });

  test('Flask with processes=2, threads=2: concurrent requests are answered by different pids', async () => {
    const answers = await Promise.all(Array.from({ length: 8 }, () => get('flask', '/pid?sleep=0.4')));
    for (const r of answers) assert.equal(r.status, 200);
    const pids = new Set(answers.map((r) => r.body));
    const a = await app('flask');
    assert.equal(pids.size, 2, `both worker processes answered: ${[...pids].join(', ')}`);
    assert.deepEqual([...pids].map(Number).sort(), a.processes.map((p) => p.pid).sort());
  });

  test('max_requests=50 under load: workers recycle with zero failed requests', async () => {
    const before = new Set((await app('flaskmax')).processes.map((p) => p.pid));
    // A worker that reaches max_requests keeps serving until its replacement is ready, so how
    // many requests it takes to retire both originals depends on how fast Python starts here:
    // load until the app lists none of the original pids, bounded by a request count and a deadline.
    const total = 5000;
    const deadline = Date.now() + 30_000;
    let next = 0;
    let replaced = false;
    const failures: string[] = [];
    const seen = new Set<string>();
    const watch = (async () => {
      while (!replaced && next < total && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        const now = await app('flaskmax');
        replaced = now.processes.length > 0 && now.processes.every((p) => !before.has(p.pid));
      }
    })();
    // The API can list the new pids a moment before the proxy routes to them: keep the load on
    // until a recycled worker has answered too (same bounds).
    const freshAnswered = (): boolean => [...seen].some((pid) => !before.has(Number(pid)));
    await Promise.all([
      watch,
      ...Array.from({ length: 8 }, async () => {
        while (!(replaced && freshAnswered()) && next < total && Date.now() < deadline) {
          next++;
          const r = await get('flaskmax', '/pid').catch((e: Error) => ({ status: 0, body: e.message, headers: {} }));
          if (r.status !== 200) failures.push(`${r.status} ${r.body.slice(0, 120)}`);
          else seen.add(r.body);
        }
      }),
    ]);
    assert.deepEqual(failures, [], 'no request failed while workers recycled');
    assert.ok(replaced, `the original workers were replaced within ${next} requests`);
    const fresh = [...seen].filter((pid) => !before.has(Number(pid)));
    assert.ok(fresh.length >= 1, `requests were served by recycled workers too: ${[...seen].join(', ')}`);
    await untilState('flaskmax', ['running']);
    const logs = (await berth.api<{ lines: Array<{ line: string }> }>('/api/v1/apps/flaskmax/logs?lines=500')).body.lines;
    assert.ok(logs.some((l) => /served max_requests \(50\): recycling/.test(l.line)));
  });

  test('PHP-FPM with 1 process behind 2 proxy workers: every request answered at once', async () => {
    // Each request on a new client connection, so both workers take some. With FastCGI connections
    // kept alive, the one child stayed attached to an idle connection of one worker and requests
    // through the other waited in PHP-FPM's listen queue (every other one hung here).
    const workers = (await berth.status()).children.filter((c) => c.role === 'proxy' && c.state === 'running');
    assert.equal(workers.length, 2, 'precondition: two proxy workers');
    // 12 new connections: the kernel spreads them over both workers (all on one: ~1 in 2,000).
    for (let i = 0; i < 12; i++) {
      const started = Date.now();
      const r = await get('php1', '/');
      assert.equal(r.status, 200, r.body.slice(0, 300));
      assert.match(r.body, /^php ok modern GET$/);
      assert.ok(Date.now() - started < 5000, `request ${i} took ${Date.now() - started} ms`);
    }
  });

  test('PHP behind HTTPS + HTTP/2: request bodies arrive whole, with and without Content-Length', async () => {
    const authority = `phph2.localhost:${phpTlsPort}`;
    const path = '/length.php';
    // The site's certificate is issued after the config: wait for the TLS port to answer.
    await waitFor('phph2 served over h2', async () => ((await h2Request(phpTlsPort, { ':path': '/', ':authority': authority }).catch(() => null))?.status === 200 ? true : undefined), 20_000, 200);
    const body = Buffer.alloc(3000, 0x62);
    // Several times: the body used to reach a handler that awaited before reading (the script
    // check) only by luck of timing.
    for (let i = 0; i < 5; i++) {
      const sized = await h2Request(phpTlsPort, { ':method': 'POST', ':path': path, ':authority': authority, 'content-type': 'application/octet-stream', 'content-length': String(body.length) }, body);
      assert.equal(`${sized.status} ${sized.body}`, '200 3000 3000');
      const unsized = await h2Request(phpTlsPort, { ':method': 'POST', ':path': path, ':authority': authority, 'content-type': 'application/octet-stream' }, body);
      assert.equal(`${unsized.status} ${unsized.body}`, '200 3000 3000');
    }
  });

  test('PHP through php-fpm: a page and a POST form; /uploads/a.jpg/x.php is not executed', async () => {
    const page = await get('php', '/');
    assert.equal(page.status, 200);
    assert.equal(page.body, 'php ok modern GET');
    const form = await get('php', '/form.php', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=%3Cb%3EBerth%3C%2Fb%3E' });
    assert.equal(form.status, 200);
    assert.equal(form.headers['x-form'], 'yes');
    assert.equal(form.body, 'hello &lt;b&gt;Berth&lt;/b&gt; via application/x-www-form-urlencoded');
    const hole = await get('php', '/uploads/a.jpg/x.php');
    assert.equal(hole.status, 404);
    assert.doesNotMatch(hole.body, /EXECUTED-UPLOAD/);
    const direct = await get('php', '/uploads/a.jpg');
    assert.equal(direct.status, 404, 'a non-.php file never goes to PHP');
    assert.doesNotMatch(direct.body, /EXECUTED-UPLOAD/);
    const missingScript = await get('php', '/nope.php');
    assert.equal(missingScript.status, 404);
  });

  test('fastcgi_param values with $realpath_root, $fastcgi_script_name, $fastcgi_path_info and $document_root reach PHP expanded', async () => {
    const r = await waitFor('the phpvars app answering', async () => {
      const x = await get('phpvars', '/vars.php/extra/path?x=1');
      return x.status === 200 ? x : undefined;
    }, 20_000, 200);
    assert.equal(
      r.body,
      `SCRIPT_FILENAME=${realpathSync(join(work, 'php'))}/vars.php\nSCRIPT_NAME=/vars.php\nPATH_INFO=/extra/path\nDOCUMENT_ROOT=${join(work, 'php-current')}\nX_DOCROOT=${join(work, 'php-current')}\n`,
    );
  });

  test('PHP header("X-Accel-Redirect: …") through php-fpm: the internal location serves the file, a browser cannot', async () => {
    const r = await get('phpvars', '/download.php');
    assert.equal(r.status, 200, r.body);
    assert.equal(r.body, 'the protected report\n');
    assert.equal(r.headers['content-type'], 'text/plain;charset=UTF-8', 'the Content-Type PHP sent (its default_charset added), as nginx keeps it');
    assert.equal(r.headers['content-disposition'], 'attachment; filename=report.txt');
    assert.equal((await get('phpvars', '/protected/report.txt')).status, 404);
  });

  test('a FastCGI location without split_path_info: /vars.php/extra runs vars.php with PATH_INFO /extra (as cgi.fix_pathinfo does behind nginx)', async () => {
    const r = await get('phpfix', '/vars.php/extra/path');
    assert.equal(r.status, 200, r.body);
    const root = join(work, 'php-current');
    assert.equal(r.body, `SCRIPT_FILENAME=${root}/vars.php\nSCRIPT_NAME=/vars.php\nPATH_INFO=/extra/path\nDOCUMENT_ROOT=${root}\nX_DOCROOT=(unset)\n`);
  });

  test('the upstreams API shows each running app (app:<id>) and the uwsgi/FastCGI upstreams with their servers', async () => {
    const body = (await berth.api<UpstreamsResponse>('/api/v1/upstreams')).body;
    const flask = body.upstreams.find((u) => u.id === 'app:flask');
    assert.ok(flask, body.upstreams.map((u) => u.id).join(', '));
    assert.equal(flask.implicit, true);
    assert.equal(flask.servers.length, 2, 'processes=2: two instances');
    assert.ok(flask.servers.every((x) => x.state === 'up'));
    assert.ok(flask.servers.reduce((n, x) => n + x.requests, 0) > 0, 'requests counted');
    const fcgi = body.upstreams.find((u) => u.id === 'phpvars-fcgi');
    assert.deepEqual([fcgi?.protocol, fcgi?.implicit, fcgi?.servers.map((x) => x.address)], ['fastcgi', false, [`unix:${join(work, 'phpvars.sock')}`]]);
  });

  test('kill -9 of a worker: it is replaced and the app keeps serving', async () => {
    const a = await app('flask');
    const victim = a.processes[0];
    assert.ok(victim);
    process.kill(victim.pid, 'SIGKILL');
    const healed = await waitFor('a replacement worker', async () => {
      const x = await app('flask');
      return x.state === 'running' && x.processes.length === 2 && !x.processes.some((p) => p.pid === victim.pid) ? x : undefined;
    }, 20_000, 100);
    assert.ok(healed.restarts >= 1);
    assert.equal(isAlive(victim.pid), false);
    assert.equal((await get('flask', '/')).body, 'hello');
  });

  test('a broken app backs off, then shows the crash loop with its stderr in the API', async () => {
    const failed = await untilState('broken', ['failed'], 60_000);
    // The backoff it went through, from its log: restarts with doubling delays, then the crash loop.
    const logs = (await berth.api<{ lines: Array<{ line: string }> }>('/api/v1/apps/broken/logs?lines=500')).body.lines.map((l) => l.line);
    const delays = logs.map((l) => /^restarting slot 0 in (\d+) ms$/.exec(l)?.[1]).filter((d): d is string => d !== undefined).map(Number);
    assert.deepEqual(delays, [200, 400, 800, 1600, 3200]);
    assert.match(failed.reason ?? '', /crash loop/);
    assert.ok(failed.lastStderr.some((l) => l.includes('RuntimeError: broken on purpose: the database is unreachable')), failed.lastStderr.join('\n'));
    assert.ok(failed.restarts >= 3);
    const r = await get('broken', '/');
    assert.equal(r.status, 502);
    // The stack is fine.
    assert.equal((await berth.status()).children.find((c) => c.id === 'appserver')?.state, 'running');
  });

  test('a missing module or interpreter: failed with the runtime\'s own error and a hint', async () => {
    const noModule = await untilState('nomodule', ['failed']);
    assert.match(noModule.reason ?? '', /cannot import the entry module 'no_such_module'/);
    assert.match(noModule.hint ?? '', /module|entry/);
    const noInterp = await untilState('nointerp', ['failed']);
    assert.match(noInterp.reason ?? '', /\/nonexistent\/bin\/python3" does not exist/);
    assert.match(noInterp.hint ?? '', /interpreter/);
  });

  test('stop, start and reload through the API', async () => {
    const stopped = await berth.api<AppStatus>('/api/v1/apps/flask/stop', { method: 'POST' });
    assert.equal(stopped.status, 200);
    assert.equal(stopped.body.state, 'stopped');
    assert.equal((await waitFor('502 while stopped', async () => ((await get('flask', '/')).status === 502 ? 502 : undefined), 15_000)), 502);
    await berth.api('/api/v1/apps/flask/start', { method: 'POST' });
    await untilState('flask', ['running']);
    const pids = (await app('flask')).processes.map((p) => p.pid);
    const reload = await berth.api<AppStatus>('/api/v1/apps/flask/reload', { method: 'POST' });
    assert.equal(reload.status, 200);
    const reloaded = await waitFor('new workers after reload', async () => {
      const x = await app('flask');
      return x.state === 'running' && x.processes.length === 2 && x.processes.every((p) => !pids.includes(p.pid)) ? x : undefined;
    }, 30_000, 100);
    assert.equal(reloaded.processes.length, 2);
    assert.equal((await waitFor('served after reload', async () => ((await get('flask', '/')).status === 200 ? 200 : undefined), 15_000)), 200);
    const unknown = await berth.api<ApiErrorBody>('/api/v1/apps/nope/restart', { method: 'POST' });
    assert.equal(unknown.status, 404);
  });

  test('invalid app settings are refused with the field path', async () => {
    const config = (await berth.api<{ config: BerthConfig }>('/api/v1/config')).body.config;
    const bad = structuredClone(config) as unknown as { apps: Array<Record<string, unknown>>; sites: Array<{ locations: Array<{ handler: Record<string, unknown> }> }> };
    (bad.apps[0] as Record<string, unknown>).processes = 0;
    (bad.apps[1] as Record<string, unknown>).runtime = 'cobol';
    const r = await berth.api<ApiErrorBody>('/api/v1/config', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(bad) });
    assert.equal(r.status, 422);
    const paths = (r.body.error.issues ?? []).map((i) => i.path);
    assert.ok(paths.includes('apps.0.processes'), paths.join(', '));
    assert.ok(paths.includes('apps.1.runtime'), paths.join(', '));
    const dangling = structuredClone(config);
    const loc = dangling.sites.find((s) => s.id === 'flask')?.locations[0];
    assert.ok(loc);
    loc.handler = { type: 'app', app: 'ghost' };
    const r2 = await berth.api<ApiErrorBody>('/api/v1/config', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(dangling) });
    assert.equal(r2.status, 422);
    assert.match(JSON.stringify(r2.body.error.issues), /there is no app \\"ghost\\"/);
  });
});
