#!/usr/bin/env node
// Static files with Berth's open-file cache and compression against Debian's nginx, in one run,
// same files, same load tool (wrk), one worker each (nginx `worker_processes 1`, Berth's one proxy
// worker): 1 KiB file, 8 KiB CSS with `Accept-Encoding: gzip` (nginx gzip on, level 6 like Berth),
// 1 MiB file. Prints req/s and p99 with the ratio to nginx. Needs nginx, wrk and a built tree.
//   node bench/static-extras.mjs [--seconds 5] [--connections 50] [--rounds 3]
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const arg = (name, dflt) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : dflt);
const SECONDS = arg('--seconds', 5);
const CONNECTIONS = arg('--connections', 50);
const ROUNDS = arg('--rounds', 3);
const NGINX = '/usr/sbin/nginx';

for (const [bin, pkg] of [[NGINX, 'nginx'], ['wrk', 'wrk']]) {
  if (spawnSync(bin, ['-v']).error) {
    console.error(`bench/static-extras needs ${bin}: apt-get install ${pkg}`);
    process.exit(2);
  }
}

const work = mkdtempSync(join(tmpdir(), 'berth-bench-static-'));
// nginx workers started by root run as an unprivileged user: they must be able to read the files.
chmodSync(work, 0o755);
const children = [];
// nginx's master stops its workers on SIGTERM (SIGKILL would orphan them); Berth stops its children.
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
});
process.on('SIGINT', () => process.exit(130));

async function shutdown() {
  await Promise.all(
    children.map(
      (c) =>
        new Promise((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', resolve);
          c.kill('SIGTERM');
          setTimeout(() => c.kill('SIGKILL'), 10_000).unref();
        }),
    ),
  );
  rmSync(work, { recursive: true, force: true });
}

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

const www = join(work, 'www');
mkdirSync(www);
writeFileSync(join(www, '1k.bin'), Buffer.alloc(1024, 97));
writeFileSync(join(www, '1m.bin'), Buffer.alloc(1024 * 1024, 98));
writeFileSync(join(www, 'app.css'), '.card { padding: 1rem; border: 1px solid #ccc; }\n'.repeat(170));

async function waitHttp(port, path) {
  for (let i = 0; i < 200; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { host: 'bench.test' } });
      if (r.status === 200) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing answered on port ${port}${path}`);
}

// nginx
const nginxPort = await freePort();
mkdirSync(join(work, 'nginx', 'logs'), { recursive: true });
writeFileSync(
  join(work, 'nginx', 'nginx.conf'),
  `worker_processes 1; pid ${work}/nginx/nginx.pid; error_log ${work}/nginx/logs/error.log error; daemon off;
events { worker_connections 1024; }
http { include /etc/nginx/mime.types; access_log ${work}/nginx/logs/access.log combined buffer=64k; sendfile on; etag on;
  gzip on; gzip_comp_level 6; gzip_min_length 1024; gzip_types text/css; gzip_vary on;
  server { listen 127.0.0.1:${nginxPort}; server_name bench.test; root ${www}; } }\n`,
);
const nginx = spawn(NGINX, ['-p', join(work, 'nginx'), '-c', join(work, 'nginx', 'nginx.conf')], { stdio: 'ignore' });
children.push(nginx);
await waitHttp(nginxPort, '/1k.bin');

// Berth
const dataDir = join(work, 'berth');
const berth = spawn(process.execPath, [join(root, 'bin', 'berth.js'), 'serve', '--no-open', '--admin-port', '0', '--http-port', '0', '--https-port', '0', '--data-dir', dataDir], { stdio: 'ignore' });
children.push(berth);
let admin = null;
for (let i = 0; i < 400 && !admin; i++) {
  try {
    admin = JSON.parse(readFileSync(join(dataDir, 'admin.json'), 'utf8'));
  } catch {
    await new Promise((r) => setTimeout(r, 50));
  }
}
if (!admin) throw new Error('berth serve did not start');
const api = (path, init = {}) => fetch(`${admin.url}${path}`, { ...init, headers: { Authorization: `Bearer ${admin.token}`, 'Content-Type': 'application/json' } });
const config = { schemaVersion: 1, settings: { httpPort: 0, httpsPort: 0 }, sites: [{ id: 'bench', names: ['bench.test'], root: www }] };
const put = await api('/api/v1/config', { method: 'PUT', body: JSON.stringify(config) });
if (put.status !== 200) throw new Error(`config apply failed: ${await put.text()}`);
const berthPort = (await (await api('/api/v1/status')).json()).proxy.httpPort;
await waitHttp(berthPort, '/1k.bin');

function wrk(port, path, headers) {
  const args = ['-t1', `-c${CONNECTIONS}`, `-d${SECONDS}s`, '--latency', '-H', 'Host: bench.test'];
  for (const h of headers) args.push('-H', h);
  const out = spawnSync('wrk', [...args, `http://127.0.0.1:${port}${path}`], { encoding: 'utf8' }).stdout;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
  const p99m = /\s99%\s+([\d.]+)(us|ms|s)/.exec(out);
  const p99 = p99m ? Number(p99m[1]) * ({ us: 0.001, ms: 1, s: 1000 }[p99m[2]] ?? 1) : NaN;
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? '0';
  return { rps, p99, errors: Number(errors) };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = [
  ['static 1 KiB', '/1k.bin', []],
  ['8 KiB CSS, gzip', '/app.css', ['Accept-Encoding: gzip']],
  ['static 1 MiB', '/1m.bin', []],
];
console.log(`wrk -t1 -c${CONNECTIONS} -d${SECONDS}s, ${ROUNDS} rounds (medians), one worker each, loopback`);
console.log('row                 nginx req/s   berth req/s   ratio   nginx p99 ms   berth p99 ms   p99 ratio');
for (const [name, path, headers] of rows) {
  const n = [];
  const b = [];
  for (let r = 0; r < ROUNDS; r++) {
    n.push(wrk(nginxPort, path, headers));
    b.push(wrk(berthPort, path, headers));
  }
  const nr = median(n.map((x) => x.rps));
  const br = median(b.map((x) => x.rps));
  const np = median(n.map((x) => x.p99));
  const bp = median(b.map((x) => x.p99));
  const errs = [...n, ...b].reduce((s, x) => s + x.errors, 0);
  console.log(
    `${name.padEnd(20)}${nr.toFixed(0).padStart(11)}${br.toFixed(0).padStart(14)}${(br / nr).toFixed(2).padStart(8)}${np.toFixed(2).padStart(15)}${bp.toFixed(2).padStart(15)}${(bp / np).toFixed(2).padStart(12)}${errs ? `  non-2xx: ${errs}` : ''}`,
  );
}
await shutdown();
