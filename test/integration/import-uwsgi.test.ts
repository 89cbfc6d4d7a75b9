// Issue 8, item 2 end to end: a Flask app's uwsgi.ini (TCP socket, chdir, module, processes,
// threads, master) and the nginx server block that fronts it (`include uwsgi_params; uwsgi_pass
// <the ini's address>;` plus a static alias), imported together with `berth import nginx FILE
// uwsgi.ini` into a running Berth. With `--runtime uwsgi` real uWSGI listens on the ini's own TCP
// address; with Berth's WSGI worker (`--runtime wsgi`) the app gets Berth's own sockets. Either way
// the imported `uwsgi_pass` becomes an `app` location, and the Flask view answers through the proxy.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BerthConfig } from '../../server-core/config/schema.js';
import type { AppStatus, AppsListResponse } from '../../server-core/contract/apps.js';
import { freePort } from '../conformance/harness.js';
import { makeTempDir, runBerth, startBerth, waitFor, type BerthProcess } from '../helpers/berth-process.js';
import { httpRequest } from '../helpers/http.js';

const PYTHON = '/usr/bin/python3';
const missing = [
  !existsSync(PYTHON) && 'python3',
  !existsSync('/usr/bin/uwsgi') && 'uwsgi',
  !existsSync('/usr/lib/uwsgi/plugins/python3_plugin.so') && 'uwsgi-plugin-python3',
  !['/usr/lib/python3/dist-packages/flask', '/usr/local/lib/python3/dist-packages/flask'].some((p) => existsSync(p)) && 'python3-flask',
].filter(Boolean);
const skip = missing.length > 0 ? `needs Debian packages: ${missing.join(', ')} (.ci/run installs them)` : false;

// `uwsgi` is importable only inside real uWSGI (its embedded module); Berth's worker has no such module.
const FLASK_APP = `import os, sys, threading
from flask import Flask, jsonify, request
app = Flask(__name__)

@app.route("/", methods=["GET", "POST"])
@app.route("/hello/<name>")
def hello(name="world"):
    return jsonify(
        hello=name,
        server="uwsgi" if "uwsgi" in sys.modules else "other",
        pid=os.getpid(),
        cwd=os.getcwd(),
        multithread=request.environ.get("wsgi.multithread"),
        host=request.host,
        method=request.method,
        body=request.get_data(as_text=True),
        script_root=request.script_root,
        path=request.path,
        query=request.query_string.decode(),
    )
`;

const INI = (port: number, dir: string) => `[uwsgi]
# The Flask app, as a tutorial writes it
socket = 127.0.0.1:${port}
chdir = ${dir}
module = app:app
processes = 2
threads = 2
master = true
vacuum = true
chmod-socket = 664
daemonize = ${dir}/uwsgi.log
`;

const NGINX = (port: number, dir: string) => `# the site in front of the Flask app
server {
    listen 80;
    server_name flask.localhost;
    charset utf-8;
    client_max_body_size 75M;

    location /static {
        alias ${dir}/static;
    }

    location / {
        include uwsgi_params;
        uwsgi_pass 127.0.0.1:${port};
    }
}
`;

interface View {
  hello: string;
  server: string;
  pid: number;
  cwd: string;
  multithread: boolean;
  host: string;
  method: string;
  body: string;
  script_root: string;
  path: string;
  query: string;
}

/** One request in the uwsgi protocol (uwsgi-docs "The uwsgi Protocol": 4-byte header, then u16le-sized vars), straight to a socket. */
function uwsgiRequest(port: number, vars: Record<string, string>): Promise<string> {
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(vars)) {
    const kb = Buffer.from(k);
    const vb = Buffer.from(v);
    const kl = Buffer.alloc(2);
    kl.writeUInt16LE(kb.length);
    const vl = Buffer.alloc(2);
    vl.writeUInt16LE(vb.length);
    parts.push(kl, kb, vl, vb);
  }
  const body = Buffer.concat(parts);
  const head = Buffer.from([0, body.length & 0xff, body.length >> 8, 0]);
  return new Promise((resolve, reject) => {
    const sock = connect({ host: '127.0.0.1', port });
    let out = '';
    sock.setTimeout(10_000, () => sock.destroy(new Error('uwsgi request timed out')));
    sock.on('data', (d: Buffer) => (out += d.toString()));
    sock.on('end', () => resolve(out));
    sock.on('error', reject);
    sock.write(Buffer.concat([head, body]));
  });
}

/** True when nothing accepts a TCP connection on the port. */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host: '127.0.0.1', port });
    sock.setTimeout(3_000, () => {
      sock.destroy();
      resolve(false);
    });
    sock.once('connect', () => {
      sock.destroy();
      resolve(false);
    });
    sock.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
  });
}

for (const runtime of ['uwsgi', 'wsgi'] as const) {
  describe(`berth import nginx site.conf uwsgi.ini --runtime ${runtime}: the imported uwsgi_pass reaches the Flask app`, { skip }, () => {
    let berth: BerthProcess;
    let work: string;
    let iniPort = 0;
    let sitePort = 0;
    let importOut = { code: null as number | null, stdout: '', stderr: '' };
    const get = (path: string, extra: { method?: string; body?: string; headers?: Record<string, string> } = {}) =>
      httpRequest({ port: sitePort, host: 'flask.localhost', path, ...extra });
    const appStatus = async (): Promise<AppStatus | undefined> => (await berth.api<AppsListResponse>('/api/v1/apps')).body.apps.find((a) => a.id === 'flask-site');

    before(async () => {
      work = makeTempDir('berth-import-uwsgi-');
      mkdirSync(join(work, 'static', 'css'), { recursive: true });
      writeFileSync(join(work, 'app.py'), FLASK_APP);
      writeFileSync(join(work, 'static', 'css', 'site.css'), 'body { color: teal; }\n');
      iniPort = await freePort();
      sitePort = await freePort();
      // The ini's name becomes the app id (module "app" says nothing).
      writeFileSync(join(work, 'flask-site.ini'), INI(iniPort, work));
      writeFileSync(join(work, 'site.conf'), NGINX(iniPort, work));
      berth = await startBerth();
      importOut = await runBerth(['import', 'nginx', join(work, 'site.conf'), join(work, 'flask-site.ini'), '--runtime', runtime, '--map-port', `80=${sitePort}`, '--data-dir', berth.dataDir]);
      console.log(`berth import (--runtime ${runtime}):\n${importOut.stderr}${importOut.stdout}`);
      assert.equal(importOut.code, 0, importOut.stderr);
      const a = await waitFor('the imported app running', async () => {
        const s = await appStatus();
        return s && (s.state === 'running' || s.state === 'failed') ? s : undefined;
      }, 60_000, 200);
      assert.equal(a.state, 'running', `${a.reason ?? ''} ${a.lastStderr.join('\n')}`);
      // "running" in the API comes a moment before the proxy workers get the app's addresses (the
      // app server publishes them after a short coalescing delay): until then the proxy answers 502.
      await waitFor('the app routed by the proxy', async () => ((await get('/hello/ready')).status !== 502 ? true : undefined), 15_000, 100);
    });

    after(async () => {
      if (berth) {
        await berth.stop();
        berth.cleanup();
      }
      if (work) rmSync(work, { recursive: true, force: true });
    });

    it('imports one site and one app, and prints a warning with file:line for each directive not carried over', () => {
      assert.match(importOut.stdout, /imported 1 site\(s\) \[flask-localhost\], 0 upstream\(s\) \[\], 1 app\(s\) \[flask-site\] into the running Berth \(pid \d+\): config version \d+; \d+ warning\(s\)/);
      const ini = join(work, 'flask-site.ini').replace(/[.]/g, '\\.');
      const conf = join(work, 'site.conf').replace(/[.]/g, '\\.');
      const w = importOut.stderr;
      assert.match(w, new RegExp(`warning: ${ini}:9: vacuum: Berth removes its sockets on stop`));
      assert.match(w, new RegExp(`warning: ${ini}:10: chmod-socket: Berth creates the socket itself`));
      assert.match(w, new RegExp(`warning: ${ini}:11: daemonize: Berth runs the app`));
      assert.match(w, new RegExp(`warning: ${conf}:5: charset: `));
      // `include uwsgi_params` is relative to nginx's conf prefix, which this temp dir is not: nginx's stock copy stands in.
      assert.match(w, new RegExp(`warning: ${conf}:13: include: "uwsgi_params" is not in ${work.replace(/[.]/g, '\\.')}; used nginx's stock uwsgi_params instead`));
      assert.doesNotMatch(w, /: (client_max_body_size|uwsgi_pass|alias|server_name|listen|chdir|module|processes|threads|master): /, 'carried-over directives are not warned about');
      if (runtime === 'wsgi') {
        assert.match(w, new RegExp(`warning: ${ini}:3: socket: Berth's WSGI worker listens on its own unix sockets, so 127\\.0\\.0\\.1:${iniPort} is not kept; an nginx uwsgi_pass to 127\\.0\\.0\\.1:${iniPort} is routed to app "flask-site"`));
      } else {
        assert.doesNotMatch(w, /: socket: /, 'real uWSGI keeps the socket');
      }
      const lines = w.trim().split('\n');
      const count = Number(/; (\d+) warning\(s\)/.exec(importOut.stdout)?.[1]);
      assert.equal(lines.filter((l) => l.startsWith('warning: ')).length, count, 'every warning counted is printed');
    });

    it('maps the ini onto the app and uwsgi_pass onto an `app` location for it', async () => {
      const config = (await berth.api<{ config: BerthConfig }>('/api/v1/config')).body.config;
      const app = config.apps.find((a) => a.id === 'flask-site');
      assert.ok(app);
      assert.equal(app.runtime, runtime);
      assert.equal(app.workingDir, work);
      assert.equal(app.entry, 'app:app');
      assert.equal(app.processes, 2);
      assert.equal(app.threads, 2);
      assert.equal(app.socket, runtime === 'uwsgi' ? `127.0.0.1:${iniPort}` : '');
      const site = config.sites.find((s) => s.id === 'flask-localhost');
      assert.ok(site);
      assert.deepEqual(site.names, ['flask.localhost']);
      assert.equal(site.listen[0]?.port, sitePort);
      assert.equal(site.limits.maxBodyBytes, 75 * 1024 * 1024);
      const root = site.locations.find((l) => l.match.kind === 'prefix' && l.match.path === '/');
      assert.deepEqual(root?.handler, { type: 'app', app: 'flask-site' });
      const stat = site.locations.find((l) => l.match.kind === 'prefix' && l.match.path === '/static');
      assert.equal(stat?.handler.type, 'static');
      assert.equal(config.upstreams.filter((u) => u.servers.some((s) => s.address.includes(String(iniPort)))).length, 0, 'no upstream to the old address');
    });

    it('the Flask view answers through the proxy, with the request as nginx would pass it', async () => {
      const r = await get('/hello/berth?x=1&y=%E4%B8%AD');
      assert.equal(r.status, 200, r.body);
      assert.match(String(r.headers['content-type']), /^application\/json/);
      const v = JSON.parse(r.body) as View;
      assert.equal(v.hello, 'berth');
      assert.equal(v.server, runtime === 'uwsgi' ? 'uwsgi' : 'other');
      assert.equal(v.cwd, work, 'chdir is honoured');
      assert.equal(v.multithread, true, 'threads = 2');
      assert.equal(v.host, 'flask.localhost');
      assert.equal(v.script_root, '', 'mounted at /');
      assert.equal(v.path, '/hello/berth');
      assert.equal(v.query, 'x=1&y=%E4%B8%AD');
      const post = await get('/', { method: 'POST', body: 'name=中文', headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' } });
      assert.equal(post.status, 200, post.body);
      const pv = JSON.parse(post.body) as View;
      assert.equal(pv.method, 'POST');
      assert.equal(pv.body, 'name=中文');
      const notFound = await get('/nope');
      assert.equal(notFound.status, 404, 'Flask\'s own 404 comes back');
      assert.match(notFound.body, /Not Found/);
    });

    it('serves /static from the alias, not from the app', async () => {
      const css = await get('/static/css/site.css');
      assert.equal(css.status, 200);
      assert.equal(css.body, 'body { color: teal; }\n');
      assert.match(String(css.headers['content-type']), /^text\/css/);
      const none = await get('/static/css/none.css');
      assert.equal(none.status, 404);
      assert.doesNotMatch(none.body, /"hello"/);
    });

    it('runs 2 worker processes', async () => {
      // Berth's worker: 2 `worker` processes it started; uWSGI: its master and the 2 `child` workers it forked (found by sampling).
      const role = runtime === 'uwsgi' ? 'child' : 'worker';
      const a = await waitFor(`2 ${role} processes listed`, async () => {
        const s = await appStatus();
        return s && s.processes.filter((p) => p.role === role).length === 2 ? s : undefined;
      }, 20_000, 250);
      assert.equal(a.processes.filter((p) => p.role === 'master').length, runtime === 'uwsgi' ? 1 : 0, JSON.stringify(a.processes));
      // Every answer comes from one of the app's worker processes.
      const pids = new Set(a.processes.filter((p) => p.role === role).map((p) => p.pid));
      const answers = await Promise.all(Array.from({ length: 8 }, () => get('/')));
      for (const r of answers) assert.ok(pids.has((JSON.parse(r.body) as View).pid), r.body);
    });

    if (runtime === 'uwsgi') {
      it("real uWSGI listens on the ini's own TCP address and speaks the uwsgi protocol there", async () => {
        const a = await appStatus();
        assert.deepEqual(a?.addresses, [`127.0.0.1:${iniPort}`]);
        assert.ok(a?.processes.some((p) => p.role === 'master'), 'uWSGI runs with its master');
        const raw = await uwsgiRequest(iniPort, {
          REQUEST_METHOD: 'GET',
          REQUEST_URI: '/hello/direct',
          PATH_INFO: '/hello/direct',
          QUERY_STRING: '',
          SERVER_PROTOCOL: 'HTTP/1.1',
          SERVER_NAME: 'flask.localhost',
          SERVER_PORT: String(sitePort),
          HTTP_HOST: 'flask.localhost',
          REMOTE_ADDR: '127.0.0.1',
        });
        assert.match(raw, /^HTTP\/1\.1 200 OK\r\n/);
        const v = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as View;
        assert.equal(v.hello, 'direct');
        assert.equal(v.server, 'uwsgi');
      });
    } else {
      it("Berth's worker runs on its own unix sockets; nothing listens on the ini's TCP address", async () => {
        const a = await appStatus();
        assert.ok(a);
        assert.ok(a.addresses.length >= 1 && a.addresses.every((x) => x.startsWith('unix:')), a.addresses.join(', '));
        assert.equal(await refused(iniPort), true, `127.0.0.1:${iniPort} is not taken`);
      });
    }
  });
}

describe('berth import nginx site.conf, then berth import uwsgi app.ini: the earlier uwsgi_pass now reaches the app', { skip }, () => {
  let berth: BerthProcess;
  let work: string;
  let sitePort = 0;

  before(async () => {
    work = makeTempDir('berth-import-uwsgi-later-');
    mkdirSync(join(work, 'static'));
    writeFileSync(join(work, 'app.py'), FLASK_APP);
    const iniPort = await freePort();
    sitePort = await freePort();
    writeFileSync(join(work, 'flask-site.ini'), INI(iniPort, work));
    writeFileSync(join(work, 'site.conf'), NGINX(iniPort, work));
    berth = await startBerth();
  });

  after(async () => {
    if (berth) {
      await berth.stop();
      berth.cleanup();
    }
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('retargets the site to the app with a warning, and the view answers', async () => {
    const first = await runBerth(['import', 'nginx', join(work, 'site.conf'), '--map-port', `80=${sitePort}`, '--data-dir', berth.dataDir]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /imported 1 site\(s\) \[flask-localhost\], 1 upstream\(s\) \[(uwsgi-[^\]]+)\], 0 app\(s\)/);
    const upstream = /upstream\(s\) \[([^\]]+)\]/.exec(first.stdout)?.[1] as string;
    const second = await runBerth(['import', 'uwsgi', join(work, 'flask-site.ini'), '--data-dir', berth.dataDir]);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, new RegExp(`warning: \\(import\\):0: merge: site "flask-localhost" location /: uwsgi_pass to 127\\.0\\.0\\.1:\\d+ \\(upstream "${upstream}"\\) now uses app "flask-site"\\n`));
    const config = (await berth.api<{ config: BerthConfig }>('/api/v1/config')).body.config;
    const root = config.sites.find((s) => s.id === 'flask-localhost')?.locations.find((l) => l.match.path === '/');
    assert.deepEqual(root?.handler, { type: 'app', app: 'flask-site' });
    const r = await waitFor('the view through the retargeted site', async () => {
      const x = await httpRequest({ port: sitePort, host: 'flask.localhost', path: '/hello/later' });
      return x.status === 200 ? x : undefined;
    }, 60_000, 200);
    const v = JSON.parse(r.body) as View;
    assert.equal(v.hello, 'later');
    assert.equal(v.cwd, work);
  });
});
