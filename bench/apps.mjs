#!/usr/bin/env node
// The same Flask "hello" view, measured in one run with wrk:
//   1. Berth proxy → Berth's built-in WSGI runtime (uwsgi protocol)
//   2. Berth proxy → real uWSGI run by Berth (uwsgi protocol)
//   3. Debian nginx (1 worker) → uWSGI (uwsgi_pass), the seeds' topology
// All with 2 app processes × 1 thread on loopback. Prints req/s, p99 and the ratios to nginx+uWSGI.
// Needs: npm run build (dist/), wrk, nginx, uwsgi + uwsgi-plugin-python3, python3-flask.
// Usage: node bench/apps.mjs [--duration 5] [--connections 16]
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBerth, waitFor } from '../dist/test/helpers/berth-process.js';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const DURATION = arg('duration', 5);
const CONNECTIONS = arg('connections', 16);
const PYTHON = '/usr/bin/python3';

for (const [bin, pkg] of [['wrk', 'wrk'], ['nginx', 'nginx'], ['uwsgi', 'uwsgi uwsgi-plugin-python3']]) {
  if (spawnSync('sh', ['-c', `command -v ${bin} || test -x /usr/sbin/${bin}`]).status !== 0) {
    console.error(`bench/apps.mjs needs ${bin}: apt install ${pkg}`);
    process.exit(2);
  }
}

const work = mkdtempSync(join(tmpdir(), 'berth-bench-apps-'));
writeFileSync(join(work, 'app.py'), 'from flask import Flask\napp = Flask(__name__)\n\n@app.route("/")\ndef hello():\n    return "hello"\n');
const children = [];
let berth = null;

function wrk(url, host) {
  const r = spawnSync('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${DURATION}s`, '--latency', '-H', `Host: ${host}`, url], { encoding: 'utf8' });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1] ?? 0);
  const p99 = /\s99%\s+([\d.]+\w+)/.exec(r.stdout)?.[1] ?? '?';
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(r.stdout)?.[1] ?? '0';
  const socketErrors = /Socket errors: (.*)/.exec(r.stdout)?.[1] ?? 'none';
  return { rps, p99, errors: Number(errors), socketErrors };
}

async function untilAnswers(port, host) {
  await waitFor(`${host} answers`, async () => {
    const r = spawnSync('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-H', `Host: ${host}`, `http://127.0.0.1:${port}/`], { encoding: 'utf8' });
    return r.stdout === '200' ? true : undefined;
  }, 30_000, 200);
}

try {
  // Berth with both runtimes.
  berth = await startBerth();
  const port = (await berth.status()).proxy.httpPort;
  const config = (await berth.api('/api/v1/config')).body.config;
  const common = { workingDir: work, entry: 'app:app', processes: 2, threads: 1 };
  config.apps = [
    { id: 'hello-wsgi', runtime: 'wsgi', interpreter: PYTHON, ...common },
    { id: 'hello-uwsgi', runtime: 'uwsgi', ...common },
  ];
  for (const id of ['hello-wsgi', 'hello-uwsgi']) {
    config.sites.push({ id, names: [`${id}.localhost`], accessLog: false, locations: [{ match: { kind: 'prefix', path: '/' }, handler: { type: 'app', app: id } }] });
  }
  const applied = await berth.api('/api/v1/config', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(config) });
  if (applied.status !== 200) throw new Error(`config refused: ${JSON.stringify(applied.body)}`);

  // nginx + uWSGI, the peer.
  const sock = join(work, 'peer-uwsgi.sock');
  const uwsgi = spawn('uwsgi', ['--plugins', 'python3', '--socket', sock, '--chdir', work, '--module', 'app:app', '--master', '--processes', '2', '--threads', '1', '--die-on-term', '--need-app', '--disable-logging'], { stdio: 'ignore' });
  children.push(uwsgi);
  const nginxPort = 20000 + Math.floor(Math.random() * 20000);
  writeFileSync(
    join(work, 'nginx.conf'),
    `${process.getuid?.() === 0 ? 'user root;\n' : ''}worker_processes 1;\npid ${work}/nginx.pid;\nerror_log ${work}/nginx-error.log;\ndaemon off;\nevents { worker_connections 1024; }\n` +
      `http {\n  access_log off;\n  client_body_temp_path ${work}/tmp;\n  proxy_temp_path ${work}/tmp;\n  fastcgi_temp_path ${work}/tmp;\n  uwsgi_temp_path ${work}/tmp;\n  scgi_temp_path ${work}/tmp;\n` +
      `  server {\n    listen 127.0.0.1:${nginxPort};\n    server_name hello-nginx.localhost;\n    location / {\n      include /etc/nginx/uwsgi_params;\n      uwsgi_pass unix:${sock};\n    }\n  }\n}\n`,
  );
  mkdirSync(join(work, 'tmp'));
  const nginx = spawn('nginx', ['-c', join(work, 'nginx.conf'), '-p', work], { stdio: 'ignore' });
  children.push(nginx);

  await untilAnswers(port, 'hello-wsgi.localhost');
  await untilAnswers(port, 'hello-uwsgi.localhost');
  await untilAnswers(nginxPort, 'hello-nginx.localhost').catch((e) => {
    throw new Error(`${e.message}\n${readFileSync(join(work, 'nginx-error.log'), 'utf8')}`);
  });
  await sleep(500);

  console.log(`wrk -t1 -c${CONNECTIONS} -d${DURATION}s, Flask hello, 2 app processes x 1 thread, loopback, one run`);
  const results = [
    ['nginx 1 worker + uWSGI', wrk(`http://127.0.0.1:${nginxPort}/`, 'hello-nginx.localhost')],
    ['Berth + built-in WSGI', wrk(`http://127.0.0.1:${port}/`, 'hello-wsgi.localhost')],
    ['Berth + uWSGI', wrk(`http://127.0.0.1:${port}/`, 'hello-uwsgi.localhost')],
  ];
  const base = results[0][1].rps;
  for (const [name, r] of results) {
    console.log(`${name.padEnd(26)} ${r.rps.toFixed(0).padStart(8)} req/s  p99 ${r.p99.padStart(8)}  ratio ${(r.rps / base).toFixed(2)}  non-2xx ${r.errors}  socket errors ${r.socketErrors}`);
  }
} finally {
  for (const c of children) c.kill('SIGTERM');
  if (berth) {
    await berth.stop();
    berth.cleanup();
  }
  await sleep(300);
  rmSync(work, { recursive: true, force: true });
}
