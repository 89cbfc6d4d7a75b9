#!/usr/bin/env node
// Profiles one Berth proxy worker under wrk load and prints where its CPU went.
// The worker is forked the way the supervisor runs it (dist/server-core/proxy/worker.js, IPC
// channel, `init` message) with `--cpu-prof`; the upstream is a Debian nginx on loopback serving
// 100 B. Prints req/s, worker CPU µs per request, and the top functions by self time.
//   node bench/proxy-profile.mjs [--seconds 8] [--connections 50] [--top 40] [--path /p/small] [--no-prof] [--perf [--categories]] [--compare script.mjs] [--worker-flags "…"]
// --perf: samples the worker with Linux `perf` instead (on-CPU time only, kernel included, JS
// frames named through --perf-basic-prof): the V8 profile counts wall time, so a process
// preempted inside a write() looks like it spent that time writing.
// Needs: nginx, wrk (Debian packages), a built tree (`npx tsc -b`).
import { fork, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const argv = process.argv;
const arg = (name, dflt) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : dflt);
const SECONDS = Number(arg('--seconds', 8));
const CONNECTIONS = Number(arg('--connections', 50));
const TOP = Number(arg('--top', 40));
const PATH = arg('--path', '/p/small');
// --worker-flags "…": extra Node/V8 flags for the worker (e.g. "--trace-gc-nvp", "--import ./probe.mjs").
const WORKER_FLAGS = arg('--worker-flags', '').split(' ').filter(Boolean);
const PERF = argv.includes('--perf');
const PROFILE = !argv.includes('--no-prof') && !PERF;
const TICKS = Number(spawnSync('getconf', ['CLK_TCK']).stdout.toString().trim() || 100);

const { configSchema } = await import(join(root, 'dist/server-core/config/schema.js'));
const { PROXY_WORKER_FLAGS } = await import(join(root, 'dist/server-core/supervisor/proxy-workers.js'));

const work = mkdtempSync(join(tmpdir(), 'berth-proxy-profile-'));
chmodSync(work, 0o755);
const children = [];
process.on('exit', () => {
  // SIGTERM, not SIGKILL: an nginx master killed outright leaves its workers running as orphans.
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
});
process.on('SIGINT', () => process.exit(130));

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

// Upstream: nginx, one worker, 100 B under /p/.
const upWww = join(work, 'up-www');
mkdirSync(join(upWww, 'p'), { recursive: true });
writeFileSync(join(upWww, 'p', 'small'), Buffer.alloc(100, 99));
writeFileSync(join(upWww, 'p', '64k'), Buffer.alloc(64 * 1024, 100));
const upDir = join(work, 'up');
mkdirSync(join(upDir, 'logs'), { recursive: true });
const upPort = await freePort();
writeFileSync(
  join(upDir, 'nginx.conf'),
  `worker_processes 1;\ndaemon off;\nerror_log ${upDir}/logs/error.log warn;\npid ${upDir}/nginx.pid;\nevents { worker_connections 4096; }\n` +
    `http { access_log off; client_body_temp_path ${upDir}/b; proxy_temp_path ${upDir}/p; fastcgi_temp_path ${upDir}/f; uwsgi_temp_path ${upDir}/u; scgi_temp_path ${upDir}/s;\n` +
    `  keepalive_requests 1000000; server { listen 127.0.0.1:${upPort}; root ${upWww}; } }\n`,
);
const upstream = spawn('/usr/sbin/nginx', ['-p', upDir, '-c', join(upDir, 'nginx.conf')], { stdio: 'ignore' });
children.push(upstream);

// The worker, as the supervisor forks it.
const profDir = join(work, 'prof');
// --compare <script>: fork another proxy instead (argv[2] = the upstream port; it sends { port }),
// to measure a reference on the same box in the same minute.
const COMPARE = arg('--compare', null);
const worker = COMPARE
  ? fork(COMPARE, [String(upPort)], { cwd: work, stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: [...(WORKER_FLAGS), ...(PERF ? ["--perf-basic-prof"] : [])] })
  : fork(join(root, 'dist/server-core/proxy/worker.js'), [], {
      // In the temp dir: --perf-basic-prof also leaves V8 log files in the working directory.
      cwd: work,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'json',
      // The supervisor's flags for a proxy worker first (PROXY_WORKER_FLAGS), then --worker-flags.
      execArgv: [...PROXY_WORKER_FLAGS, ...(WORKER_FLAGS), ...(PROFILE ? ['--cpu-prof', '--cpu-prof-dir', profDir] : PERF ? ['--perf-basic-prof'] : []), ...(argv.includes('--trace-gc') ? ['--trace-gc'] : []), ...(arg('--semi', null) ? [`--max-semi-space-size=${arg('--semi', null)}`] : [])],
    });
children.push(worker);
const messages = [];
worker.on('message', (m) => messages.push(m));
const waitFor = async (type) => {
  for (let i = 0; i < 500; i++) {
    const m = messages.find((x) => x.type === type);
    if (m) return m;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`worker sent no ${type}: ${JSON.stringify(messages)}`);
};
const config = configSchema.parse({
  schemaVersion: 1,
  settings: { httpPort: 0, httpsPort: 0 },
  upstreams: [{ id: 'up', servers: [{ address: `127.0.0.1:${upPort}` }], keepalive: 32 }],
  sites: [
    {
      id: 'bench',
      names: ['bench.test'],
      root: upWww,
      accessLog: argv.includes('--access-log'),
      locations: [
        { match: { kind: 'prefix', path: '/p/' }, handler: { type: 'proxy', upstream: 'up' } },
        { match: { kind: 'exact', path: '/r' }, handler: { type: 'return', status: 200, body: 'x'.repeat(100) } },
      ],
    },
  ],
});
const runtime = { dataDir: work, logDir: join(work, 'logs'), httpPort: 0, httpsPort: 0, bindAddresses: ['127.0.0.1'] };
let port;
if (COMPARE) {
  for (let i = 0; i < 200 && !messages[0]; i++) await new Promise((r) => setTimeout(r, 20));
  port = messages[0].port;
} else {
  worker.send({ type: 'init', role: 'proxy', id: 'proxy-1', runtime, configVersion: 1, config });
  const ready = await waitFor('ready');
  port = ready.detail.listening[0].port;
}
for (let i = 0; i < 100; i++) {
  const ok = await fetch(`http://127.0.0.1:${port}${PATH}`, { headers: { host: 'bench.test' } }).then((r) => r.ok, () => false);
  if (ok) break;
  await new Promise((r) => setTimeout(r, 50));
}

const cpuTicks = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]);
};
// User and kernel ticks, minor page faults, context switches (voluntary = blocked in epoll_wait
// or a syscall, involuntary = preempted): where a request's kernel time comes from.
const procCounters = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const ctx = (name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  return { user: Number(f[11]), sys: Number(f[12]), minflt: Number(f[7]), vol: ctx('voluntary_ctxt_switches'), invol: ctx('nonvoluntary_ctxt_switches') };
};
const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
// Warm-up (JIT), then the measured run.
spawnSync('wrk', ['-t1', `-c${CONNECTIONS}`, '-d2s', '-H', 'Host: bench.test', `http://127.0.0.1:${port}${PATH}`]);
const perfData = join(work, 'perf.data');
const strace = argv.includes('--strace') ? spawn('strace', ['-c', '-f', '-p', String(worker.pid)], { stdio: ['ignore', 'ignore', 'inherit'] }) : null;
const perf = PERF ? spawn('perf', ['record', '-F', '1999', '-g', '-o', perfData, '-p', String(worker.pid)], { stdio: 'ignore' }) : null;
if (perf) await new Promise((r) => setTimeout(r, 300));
const before = cpuTicks(worker.pid);
const countersBefore = procCounters(worker.pid);
const t0 = Date.now();
const out = spawnSync('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${SECONDS}s`, '--latency', '-H', 'Host: bench.test', `http://127.0.0.1:${port}${PATH}`]).stdout.toString();
const secs = (Date.now() - t0) / 1000;
const cpuMs = ((cpuTicks(worker.pid) - before) * 1000) / TICKS;
const countersAfter = procCounters(worker.pid);
const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN);
const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
const p99 = /\s99%\s+(\S+)/.exec(out)?.[1] ?? '?';
const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? '0';
console.log(`load ${load}; ${PATH}: ${rps} req/s, p99 ${p99}, non-2xx ${non2xx}; worker CPU ${Math.round((cpuMs / 10) / secs)}%, ${((cpuMs * 1000) / requests).toFixed(1)} µs/request`);
{
  const d = (k) => countersAfter[k] - countersBefore[k];
  const perReq = (n, scale = 1) => ((n * scale) / requests).toFixed(n * scale < requests * 10 ? 2 : 1);
  console.log(`  per request: user ${perReq(d('user'), 1e6 / TICKS)} µs, kernel ${perReq(d('sys'), 1e6 / TICKS)} µs (${COMPARE ? "reference" : "Berth"}; all threads), minor faults ${perReq(d('minflt'))}, main-thread context switches ${perReq(d("vol"))} voluntary / ${perReq(d('invol'))} involuntary`);
}

if (strace) {
  strace.kill('SIGINT');
  await new Promise((r) => strace.once('exit', r));
}
if (perf) {
  perf.kill('SIGINT');
  await new Promise((r) => perf.once('exit', r));
  const report = spawnSync('perf', ['report', '-i', perfData, '--no-children', '--sort', 'sym', '--stdio', '-g', 'none', '--percent-limit', '0.25', ...(argv.includes('--user') ? ['--dsos', 'node,libc.so.6'] : [])], { maxBuffer: 1 << 26 }).stdout.toString();
  console.log(report.split('\n').filter((l) => l.trim() && !l.startsWith('#')).slice(0, TOP).join('\n'));
  const callersOf = arg('--callers', null);
  if (callersOf) {
    const cr = spawnSync('perf', ['report', '-i', perfData, '--no-children', '--stdio', '-G', '--symbol-filter', callersOf, '--percent-limit', '0.3'], { maxBuffer: 1 << 26 }).stdout.toString();
    console.log(cr.split('\n').filter((l) => l.trim() && !l.startsWith('#')).slice(0, 120).join('\n'));
  }
  if (argv.includes('--children')) {
    const ch = spawnSync('perf', ['report', '-i', perfData, '--children', '--sort', 'sym', '--stdio', '-g', 'none', '--percent-limit', '1.5'], { maxBuffer: 1 << 26 }).stdout.toString();
    console.log(ch.split('\n').filter((l) => l.includes('JS:') || l.includes('uv_') || l.includes('Builtins_Run')).slice(0, 80).join('\n'));
  }
  if (argv.includes('--categories')) {
    // Self time summed by kind of code: where the user-space share goes, beyond the top symbols.
    const all = spawnSync('perf', ['report', '-i', perfData, '--no-children', '--sort', 'dso,sym', '--stdio', '-g', 'none', '--percent-limit', '0'], { maxBuffer: 1 << 28 }).stdout.toString();
    const kinds = [
      ['kernel', (d) => d.includes('kernel')],
      ['JS optimized (*)', (d, s) => s.startsWith('JS:*')],
      ['JS baseline/interpreted', (d, s) => s.startsWith('JS:')],
      ['V8 builtins', (d, s) => s.startsWith('Builtins_')],
      ['V8 runtime (C++)', (d, s) => s.startsWith('v8::')],
      ['Node C++ (node::)', (d, s) => s.startsWith('node::')],
      ['libuv', (d, s) => s.startsWith('uv_') || s.startsWith('uv__')],
      ['libc', (d) => d.startsWith('libc')],
      ['other', () => true],
    ];
    const sums = new Map(kinds.map(([k]) => [k, 0]));
    for (const line of all.split('\n')) {
      const m = /^\s*([\d.]+)%\s+(.+?)\s+\[[.k]\]\s+(.*)$/.exec(line);
      if (!m) continue;
      const [, pct, d, sym] = m;
      const kind = kinds.find(([, test]) => test(d, sym.trim()));
      sums.set(kind[0], sums.get(kind[0]) + Number(pct));
    }
    for (const [k, v] of sums) console.log(`  ${k.padEnd(26)} ${v.toFixed(1)}%`);
    const prefix = arg('--category-top', null);
    if (prefix) for (const line of all.split('\n').filter((l) => l.includes(prefix)).slice(0, 25)) console.log(line);
  }
  const dso = spawnSync('perf', ['report', '-i', perfData, '--no-children', '--sort', 'dso', '--stdio', '-g', 'none', '--percent-limit', '1'], { maxBuffer: 1 << 26 }).stdout.toString();
  console.log(dso.split('\n').filter((l) => l.trim() && !l.startsWith('#')).join('\n'));
}
if (COMPARE) worker.kill('SIGTERM');
else worker.send({ type: 'shutdown' });
await new Promise((r) => worker.once('exit', r));
rmSync(`/tmp/perf-${worker.pid}.map`, { force: true });
if (!PROFILE || COMPARE) process.exit(0);

// Self time per function (and per file) from the .cpuprofile written at exit.
const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
const prof = JSON.parse(readFileSync(join(profDir, file), 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const self = new Map();
const dt = prof.timeDeltas;
for (let i = 0; i < prof.samples.length; i++) self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + (dt[i] ?? 0));
const fn = new Map();
let total = 0;
for (const [id, us] of self) {
  const n = byId.get(id);
  const cf = n.callFrame;
  const url = cf.url.replace(/^file:\/\/.*\/dist\//, '').replace(/^node:/, 'node:');
  const key = `${cf.functionName || '(anonymous)'}  ${url ? `${url}:${cf.lineNumber + 1}` : ''}`;
  if (cf.functionName !== '(idle)') total += us;
  fn.set(key, (fn.get(key) ?? 0) + us);
}
const rows = [...fn].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, TOP);
console.log(`\nself time, top ${TOP} of ${(total / 1000).toFixed(0)} ms busy:`);
for (const [k, us] of rows) console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`);
upstream.kill('SIGQUIT');
process.exit(0);
