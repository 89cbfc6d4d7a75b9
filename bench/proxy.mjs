#!/usr/bin/env node
// `npm run bench:proxy`: Berth's proxy against Debian's nginx on this machine, in one run, with the
// same upstream (an nginx instance on loopback serving 100 B and 64 KiB), the same load tool (wrk)
// and the same settings. Prints req/s and p99 per row as ratios to nginx, plus where the CPU went
// (front process, wrk, upstream) from /proc. Needs: nginx, wrk (Debian packages), a built tree (`npx tsc -b`).
//   node bench/proxy.mjs [--rounds 3] [--seconds 5] [--warmup 2] [--connections 50] [--workers 2] [--only ROW] [--latency] [--profile DIR]
// --warmup: seconds of load each front gets on a row's path before that row's measured rounds.
// --workers: nginx worker_processes of the front and Berth's --proxy-workers (default 2 each).
// The HTTPS keep-alive row is the proxied 100 B path over TLS (keep-alive, so handshakes are
// amortised); both fronts serve the same ECDSA P-256 leaf that Berth's cert service issued.
// Caddy (Debian `caddy`, optional): a third front on the proxied 100 B / 64 KiB and static 1 KiB rows,
// same upstream, run from a Caddyfile in the temp dir (admin off, auto_https off, GOMAXPROCS = --workers).
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const arg = (name, dflt) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : dflt);
const ROUNDS = arg('--rounds', 3);
const SECONDS = arg('--seconds', 5);
const CONNECTIONS = arg('--connections', 50);
const WARMUP = arg('--warmup', 2);
const WORKERS = arg('--workers', 2);
// --profile DIR: only the proxied 100 B row against Berth, its workers under `node --cpu-prof`;
// prints where a worker's CPU went (self time by function) — for whoever tunes that path.
// --only PREFIX: just the rows whose label starts with PREFIX (e.g. --only proxied).
// --latency: also prints each wrk run's latency distribution (50 % to 99.9 %, ms), how its
// connections were spread over the front's processes, and how often they were preempted.
const LATENCY = process.argv.includes('--latency');
const ONLY = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : null;
const PROFILE_DIR = process.argv.includes('--profile') ? process.argv[process.argv.indexOf('--profile') + 1] : null;
const NGINX = '/usr/sbin/nginx';
const CADDY = 'caddy';
const TICKS = Number(spawnSync('getconf', ['CLK_TCK']).stdout.toString().trim() || 100);

for (const [bin, pkg] of [[NGINX, 'nginx'], ['wrk', 'wrk']]) {
  if (spawnSync(bin, ['-v']).error) {
    console.error(`bench:proxy needs ${bin}: apt-get install ${pkg}`);
    process.exit(2);
  }
}

const HAVE_CADDY = !spawnSync(CADDY, ['version']).error;
if (!HAVE_CADDY) console.log('caddy not installed (apt-get install caddy): its columns are skipped');

const work = mkdtempSync(join(tmpdir(), 'berth-bench-proxy-'));
// nginx workers started by root run as an unprivileged user: they must be able to read the files.
chmodSync(work, 0o755);
const children = [];
process.on('exit', () => {
  // SIGTERM, not SIGKILL: an nginx master killed outright leaves its workers running as orphans.
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
});
process.on('SIGINT', () => process.exit(130));

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// ── files ──────────────────────────────────────────────────────────────────────────────────────
const www = join(work, 'www');
const upstreamWww = join(work, 'upstream-www');
mkdirSync(www);
mkdirSync(upstreamWww);
writeFileSync(join(www, '1k.bin'), Buffer.alloc(1024, 97));
writeFileSync(join(www, '1m.bin'), Buffer.alloc(1024 * 1024, 98));
// Both fronts pass the URI unchanged (nginx `proxy_pass http://up;`, Berth `upstream`): files live under /p/.
mkdirSync(join(upstreamWww, 'p'));
writeFileSync(join(upstreamWww, 'p', 'small'), Buffer.alloc(100, 99));
writeFileSync(join(upstreamWww, 'p', '64k'), Buffer.alloc(64 * 1024, 100));

// ── nginx: one instance as the shared upstream, one as the front being compared ────────────────
function startNginx(name, serverBlock, workers) {
  const dir = join(work, name);
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `worker_processes ${workers};\ndaemon off;\nerror_log ${dir}/logs/error.log warn;\npid ${dir}/nginx.pid;\n` +
      `events { worker_connections 4096; }\n` +
      `http {\n  access_log off;\n  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;\n` +
      `  default_type application/octet-stream;\n  keepalive_requests 1000000;\n${serverBlock}\n}\n`,
  );
  const proc = spawn(NGINX, ['-p', dir, '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr.on('data', (d) => (err += d));
  proc.errText = () => err;
  children.push(proc);
  return { proc, dir, err: () => err };
}

const errs = () => children.map((c) => c.errText?.() ?? '').join('');
async function waitHttp(port, host, path) {
  for (let i = 0; i < 200; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { host } }).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing answered on port ${port}${path}${errs()}`);
}

const upstreamPort = await freePort();
const upstream = startNginx('upstream', `  server { listen 127.0.0.1:${upstreamPort}; root ${upstreamWww}; keepalive_requests 1000000; }`, 1);
await waitHttp(upstreamPort, 'u', '/p/small');


// ── Berth: `berth serve` on a temp data dir, config applied through the admin API ──────────────
const dataDir = join(work, 'berth');
const berthPort = await freePort();
const berthTlsPort = await freePort();
const berth = spawn(process.execPath, [...(PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : []), join(root, 'bin', 'berth.js'), 'serve', '--no-open', '--admin-port', '0', '--http-port', String(berthPort), '--https-port', '0', '--proxy-workers', String(WORKERS), '--data-dir', dataDir], {
  stdio: ['ignore', 'pipe', 'pipe'],
  // --cpu-prof is refused in NODE_OPTIONS; forked children inherit execArgv, so each writes its own profile on exit.
});
children.push(berth);
let berthOut = '';
berth.stdout.on('data', (d) => (berthOut += d));
berth.stderr.on('data', (d) => (berthOut += d));
let admin = null;
for (let i = 0; i < 300 && !admin; i++) {
  try {
    admin = JSON.parse(readFileSync(join(dataDir, 'admin.json'), 'utf8'));
  } catch {
    await new Promise((r) => setTimeout(r, 100));
  }
}
if (!admin) throw new Error(`berth serve did not start:\n${berthOut}`);
const api = (path, init = {}) => fetch(`${admin.url}${path}`, { ...init, headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json', ...init.headers } }).then((r) => r.json());
const current = await api('/api/v1/config');
const config = {
  ...current.config,
  apps: [],
  upstreams: [{ id: 'up', servers: [{ address: `127.0.0.1:${upstreamPort}` }], keepalive: 32 }],
  sites: [
    {
      id: 'bench',
      names: ['bench.test'],
      root: www,
      accessLog: false,
      listen: [{ port: berthPort }, { port: berthTlsPort, tls: true }],
      tls: { certificate: 'auto' },
      locations: [
        { match: { kind: 'prefix', path: '/' }, handler: { type: 'static', compress: false } },
        { match: { kind: 'prefix', path: '/p/' }, handler: { type: 'proxy', upstream: 'up' } },
      ],
    },
  ],
};
const applied = await api('/api/v1/config', { method: 'PUT', body: JSON.stringify(config) });
if (applied.error) throw new Error(`config refused: ${JSON.stringify(applied.error)}`);
await waitHttp(berthPort, 'bench.test', '/1k.bin');
await waitHttp(berthPort, 'bench.test', '/p/small');
// The auto leaf for bench.test (cert service) — nginx's TLS server uses the same files.
const leafDir = join(dataDir, 'certs', 'store', 'auto-bench');
for (let i = 0; i < 200; i++) {
  try {
    readFileSync(join(leafDir, 'fullchain.pem'));
    break;
  } catch {
    await new Promise((r) => setTimeout(r, 100));
  }
}

const nginxPort = await freePort();
const nginxTlsPort = await freePort();
const proxyLocation = `    location /p/ { proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host $host; }\n`;
const nginx = startNginx(
  'front',
  `  upstream up { server 127.0.0.1:${upstreamPort}; keepalive 32; }\n` +
    `  server { listen 127.0.0.1:${nginxPort}; server_name bench.test; root ${www};\n${proxyLocation}  }\n` +
    `  server { listen 127.0.0.1:${nginxTlsPort} ssl; server_name bench.test; root ${www};\n` +
    `    ssl_certificate ${join(leafDir, 'fullchain.pem')}; ssl_certificate_key ${join(leafDir, 'key.pem')};\n` +
    `    ssl_protocols TLSv1.2 TLSv1.3; ssl_session_cache shared:SSL:10m;\n${proxyLocation}  }`,
  WORKERS,
);
await waitHttp(nginxPort, 'bench.test', '/1k.bin');

// ── Caddy: same upstream and files; `http://:port` so any Host matches (wrk sends Host: bench.test) ──
let caddy = null;
let caddyPort = 0;
if (HAVE_CADDY && !PROFILE_DIR) {
  caddyPort = await freePort();
  const dir = join(work, 'caddy');
  mkdirSync(dir);
  const caddyfile = join(dir, 'Caddyfile');
  // Caddy passes the client's Host upstream unchanged (like `proxy_set_header Host $host`) and
  // keeps idle upstream connections by default; `reverse_proxy` runs before `file_server` (directive order).
  writeFileSync(
    caddyfile,
    `{\n  admin off\n  auto_https off\n}\n` +
      `http://:${caddyPort} {\n  bind 127.0.0.1\n  root * ${www}\n  reverse_proxy /p/* 127.0.0.1:${upstreamPort}\n  file_server\n}\n`,
  );
  // XDG dirs in the temp dir: Caddy writes its storage there, not under the real $HOME.
  const env = { ...process.env, HOME: dir, XDG_DATA_HOME: join(dir, 'data'), XDG_CONFIG_HOME: join(dir, 'config'), GOMAXPROCS: String(WORKERS) };
  caddy = spawn(CADDY, ['run', '--config', caddyfile, '--adapter', 'caddyfile'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  caddy.stderr.on('data', (d) => (err += d));
  // Shown only if it fails to answer; Caddy logs info lines to stderr, so only the tail.
  caddy.errText = () => `\ncaddy: ${err.slice(-2000)}`;
  children.push(caddy);
  await waitHttp(caddyPort, 'bench.test', '/1k.bin');
  await waitHttp(caddyPort, 'bench.test', '/p/small');
}
const status = await api('/api/v1/status');
const berthWorkerPids = status.children.filter((c) => c.role === 'proxy' && c.pid).map((c) => c.pid);

// ── measuring ──────────────────────────────────────────────────────────────────────────────────
function cpuTicks(pids) {
  let t = 0;
  for (const pid of pids) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      t += Number(f[11]) + Number(f[12]);
    } catch {
      /* gone */
    }
  }
  return t;
}

// User and kernel ticks and the main thread's voluntary context switches (a wake-up from
// epoll_wait each), summed over processes: how the front spends a request.
function cpuDetail(pids) {
  const d = { user: 0, sys: 0, wakeups: 0, preempted: 0 };
  for (const pid of pids) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      d.user += Number(f[11]);
      d.sys += Number(f[12]);
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      d.wakeups += Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      // Taken off the CPU while runnable (the scheduler gave the core to wrk, the upstream or a sibling).
      d.preempted += Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    } catch {
      /* gone */
    }
  }
  return d;
}

function childPids(ppid) {
  const out = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const f = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
      if (Number(f[1]) === ppid) out.push(Number(p));
    } catch {
      /* gone */
    }
  }
  return out;
}

function parseLatency(s) {
  const m = /([\d.]+)(us|ms|s)/.exec(s);
  if (!m) return NaN;
  return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1);
}

// --latency: wrk prints these percentiles (its own --latency table stops at 99 %).
const tailScript = join(work, 'tail.lua');
writeFileSync(
  tailScript,
  `done = function(summary, latency, requests)\n  local out = {}\n  for _, p in ipairs({50, 90, 95, 98, 99, 99.9}) do\n` +
    `    out[#out + 1] = string.format("p%s %.2f", p, latency:percentile(p) / 1000)\n  end\n` +
    `  io.write("tail: " .. table.concat(out, ", ") .. string.format(", max %.1f ms\\n", latency.max / 1000))\nend\n`,
);

function wrk(url, seconds) {
  // wrk sends the URL's host as SNI; Host: picks the site on both fronts.
  return new Promise((resolve) => {
    const proc = spawn('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', ...(LATENCY ? ['-s', tailScript] : []), '-H', 'Host: bench.test', url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (d) => (out += d));
    proc.stderr.on('data', (d) => (out += d));
    const pid = proc.pid;
    let wrkTicks = 0;
    const sampler = setInterval(() => (wrkTicks = cpuTicks([pid]) || wrkTicks), 200);
    proc.on('close', () => {
      clearInterval(sampler);
      const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
      const p99 = parseLatency(/\s99%\s+(\S+)/.exec(out)?.[1] ?? '');
      const errors = /Socket errors: (.*)/.exec(out)?.[1] ?? '';
      const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
      const latency = /^tail: (.*)$/m.exec(out)?.[1] ?? '';
      resolve({ rps, p99, errors, non2xx, wrkTicks, latency, raw: out });
    });
  });
}

// How the load tool's connections are spread over the front's processes, sampled once mid-run
// (`ss -p` names the process holding each accepted socket): one worker holding more of them than
// the other makes its clients wait longer, which shows in p99 before it shows in req/s.
function connectionSplit(port, frontPids) {
  return new Promise((resolve) => {
    const ss = spawn('ss', ['-Htnp', 'state', 'established', `( sport = :${port} )`], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    ss.stdout.on('data', (d) => (out += d));
    ss.on('error', () => resolve(''));
    ss.on('close', () => {
      const counts = frontPids.map((pid) => out.split('\n').filter((l) => l.includes(`pid=${pid},`)).length);
      resolve(counts.join('/'));
    });
  });
}

async function measure(port, path, frontPids, scheme, seconds) {
  const before = { front: cpuTicks(frontPids), up: cpuTicks(childPids(upstream.proc.pid)), detail: cpuDetail(frontPids) };
  const t0 = Date.now();
  let split = '';
  const splitTimer = setTimeout(() => connectionSplit(port, frontPids).then((s) => (split = s)), (seconds * 1000) / 2);
  const r = await wrk(`${scheme}://127.0.0.1:${port}${path}`, seconds);
  clearTimeout(splitTimer);
  const secs = (Date.now() - t0) / 1000;
  const pct = (ticks) => Math.round((100 * ticks) / TICKS / secs);
  const after = cpuDetail(frontPids);
  const requests = r.rps * secs;
  const perRequest = (ticks) => (ticks * 1e6) / TICKS / requests;
  return { ...r, split, frontUserUs: perRequest(after.user - before.detail.user), frontSysUs: perRequest(after.sys - before.detail.sys), frontWakeups: (after.wakeups - before.detail.wakeups) / requests, frontPreemptedPerSec: (after.preempted - before.detail.preempted) / secs, frontCpu: pct(cpuTicks(frontPids) - before.front), upCpu: pct(cpuTicks(childPids(upstream.proc.pid)) - before.up), wrkCpu: pct(r.wrkTicks) };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// [label, path, scheme, Caddy too]
const rows = [
  ['proxied 100 B', '/p/small', 'http', true],
  ['proxied 64 KiB', '/p/64k', 'http', true],
  ['static 1 KiB', '/1k.bin', 'http', true],
  ['static 1 MiB', '/1m.bin'],
  ['HTTPS keep-alive', '/p/small', 'https'],
].filter(([label]) => ONLY === null || label.startsWith(ONLY));
const nginxPids = childPids(nginx.proc.pid);
console.log(`bench:proxy — ${ROUNDS} rounds × ${SECONDS} s after ${WARMUP} s of warm-up per front and row, wrk -t1 -c${CONNECTIONS}, ${readFileSync('/proc/cpuinfo', 'utf8').match(/^processor/gm)?.length ?? '?'} cores`);
const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
console.log(`load average before the run: ${load} (other work on the box skews absolute figures; ratios come from the same run)`);
console.log(`nginx front: ${nginxPids.length} workers; Berth: ${berthWorkerPids.length} proxy worker(s); ${caddy ? `Caddy: 1 process, GOMAXPROCS=${WORKERS}; ` : ''}upstream: nginx, 1 worker\n`);
if (PROFILE_DIR) {
  await measure(berthPort, '/p/small', berthWorkerPids, 'http', WARMUP);
  const r = await measure(berthPort, '/p/small', berthWorkerPids, 'http', SECONDS);
  console.log(`profiled run: ${Math.round(r.rps)} req/s (profiling slows it), p99 ${r.p99} ms`);
  berth.kill('SIGTERM');
  await new Promise((resolve) => berth.once('exit', resolve));
  const self = new Map();
  let total = 0;
  for (const file of readdirSync(PROFILE_DIR).filter((f) => berthWorkerPids.some((pid) => f.includes(`.${pid}.`)))) {
    const prof = JSON.parse(readFileSync(join(PROFILE_DIR, file), 'utf8'));
    const byId = new Map(prof.nodes.map((n) => [n.id, n]));
    const dt = prof.timeDeltas;
    prof.samples.forEach((id, i) => {
      const n = byId.get(id);
      const cf = n.callFrame;
      const key = `${cf.functionName || '(anonymous)'} ${cf.url.replace(/^.*\/(dist|node_modules)\//, '').replace(/^node:/, 'node:')}:${cf.lineNumber + 1}`;
      self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0));
      total += dt[i] ?? 0;
    });
  }
  console.log(`\nproxy worker self time (top 25 of ${(total / 1000).toFixed(0)} ms sampled):`);
  for (const [k, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`);
  process.exit(0);
}
const table = [];
for (const [label, path, scheme = 'http', withCaddy = false] of rows) {
  const fronts = caddy && withCaddy ? ['nginx', 'berth', 'caddy'] : ['nginx', 'berth'];
  const results = { nginx: [], berth: [], caddy: [] };
  const tls = scheme === 'https';
  const run = (who, seconds) =>
    who === 'nginx'
      ? measure(tls ? nginxTlsPort : nginxPort, path, nginxPids, scheme, seconds)
      : who === 'caddy'
        ? measure(caddyPort, path, [caddy.pid], scheme, seconds)
        : measure(tls ? berthTlsPort : berthPort, path, berthWorkerPids, scheme, seconds);
  // Warm-up, not counted: every front serves this row's path for WARMUP seconds first (JIT tiers
  // in Node, heap and pool growth in all three, TLS session state), as a server in use would have.
  for (const who of fronts) await run(who, WARMUP);
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate the order so no front always runs first, on a cooler (or warmer) machine.
    const order = fronts.map((_, i) => fronts[(i + round) % fronts.length]);
    for (const who of order) {
      const r = await run(who, SECONDS);
      if (LATENCY) console.log(`  ${who.padEnd(5)} ${label}: ${Math.round(r.rps)} req/s; ${r.latency}; connections per process ${r.split || '?'}; preempted ${Math.round(r.frontPreemptedPerSec)}/s`);
      if (r.non2xx > 0 || Number.isNaN(r.rps)) console.log(`  warning: ${who} ${label}: ${r.non2xx} non-2xx; ${r.errors}`);
      results[who].push(r);
    }
  }
  const pick = (list) => ({ frontUserUs: median(list.map((r) => r.frontUserUs)), frontSysUs: median(list.map((r) => r.frontSysUs)), frontWakeups: median(list.map((r) => r.frontWakeups)), rps: median(list.map((r) => r.rps)), p99: median(list.map((r) => r.p99)), frontCpu: median(list.map((r) => r.frontCpu)), upCpu: median(list.map((r) => r.upCpu)), wrkCpu: median(list.map((r) => r.wrkCpu)), errors: list.map((r) => r.errors).filter(Boolean).join('; ') });
  table.push({ label, nginx: pick(results.nginx), berth: pick(results.berth), caddy: results.caddy.length ? pick(results.caddy) : null });
}

const f = (n, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
const caddyHead = caddy ? ' | caddy req/s | b/caddy | caddy p99 | p99 b/c | caddy CPU%' : '';
console.log(`row              | nginx req/s | berth req/s | ratio | nginx p99 | berth p99 | p99 ratio | CPU% nginx/berth front | wrk CPU% n/b | upstream CPU% n/b${caddyHead}`);
console.log(`-----------------|-------------|-------------|-------|-----------|-----------|-----------|------------------------|--------------|------------------${caddy ? '-|-------------|---------|-----------|---------|-----------' : ''}`);
for (const r of table) {
  if (r.missing) {
    console.log(`${r.label.padEnd(16)} | ${r.missing}`);
    continue;
  }
  const { nginx: n, berth: b } = r;
  console.log(
    `${r.label.padEnd(16)} | ${f(n.rps).padStart(11)} | ${f(b.rps).padStart(11)} | ${f(b.rps / n.rps, 2).padStart(5)} | ${f(n.p99, 2).padStart(7)}ms | ${f(b.p99, 2).padStart(7)}ms | ${f(b.p99 / n.p99, 2).padStart(9)} | ${`${f(n.frontCpu)} / ${f(b.frontCpu)}`.padStart(22)} | ${`${f(n.wrkCpu)} / ${f(b.wrkCpu)}`.padStart(12)} | ${`${f(n.upCpu)} / ${f(b.upCpu)}`.padStart(17)}` +
      (r.caddy ? ` | ${f(r.caddy.rps).padStart(11)} | ${f(b.rps / r.caddy.rps, 2).padStart(7)} | ${f(r.caddy.p99, 2).padStart(7)}ms | ${f(b.p99 / r.caddy.p99, 2).padStart(7)} | ${f(r.caddy.frontCpu).padStart(10)}` : caddy ? ' |           — |       — |         — |       — |          —' : ''),
  );
  if (b.errors) console.log(`                 | berth socket errors: ${b.errors}`);
  if (r.caddy?.errors) console.log(`                 | caddy socket errors: ${r.caddy.errors}`);
}
console.log('\nfront CPU per request (medians): user + kernel µs, and wake-ups from epoll_wait per request');
for (const r of table) {
  if (r.missing) continue;
  const line = (who, x) => `${who} ${f(x.frontUserUs, 1)} + ${f(x.frontSysUs, 1)} µs, ${f(x.frontWakeups, 2)} wake-ups`;
  console.log(`${r.label.padEnd(16)} | ${line('nginx', r.nginx)} | ${line('Berth', r.berth)}${r.caddy ? ` | ${line('Caddy', r.caddy)}` : ''}`);
}
console.log('\nCPU% is per core (200 = both cores). A front near its share of the 2 cores while wrk also needs one means the box, not the proxy, is the limit.');

berth.kill('SIGTERM');
nginx.proc.kill('SIGQUIT');
upstream.proc.kill('SIGQUIT');
if (caddy && caddy.exitCode === null) {
  // SIGTERM: Caddy shuts down gracefully; wait for it (bounded) so no process outlives the bench.
  const exited = new Promise((r) => caddy.once('exit', r));
  caddy.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
}
await new Promise((r) => setTimeout(r, 500));
process.exit(0);
