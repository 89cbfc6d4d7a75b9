#!/usr/bin/env node
// Leaf issuance time: Berth vs Debian's mkcert vs the openssl command line, same names, same run.
//   node bench/certs.mjs [--runs N]        (after `npx tsc -b`; needs mkcert and openssl on PATH)
// Berth is measured twice: in-process (what the cert service does per site) and as the CLI
// (`berth cert issue`, a fresh Node process like mkcert's and openssl's). Each tool gets its own
// CA first (not timed); then every run issues one ECDSA P-256 leaf for the same three names.
// Prints medians and p90 per tool and the ratio of each to mkcert.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const root = new URL('..', import.meta.url).pathname;
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 15;
const NAMES = ['bench.localhost', '*.bench.localhost', '127.0.0.1'];

const { openLocalCa } = await import(join(root, 'dist/server-core/certs/ca.js'));
const { issueLeaf } = await import(join(root, 'dist/server-core/certs/leaf.js'));

function have(cmd, args) {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
}

function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { median: at(0.5), p90: at(0.9), min: s[0] };
}

async function time(fn) {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

const work = mkdtempSync(join(tmpdir(), 'berth-bench-certs-'));
const results = {};
try {
  // Berth in-process.
  const ca = await openLocalCa(join(work, 'berth-inproc'));
  await issueLeaf(ca, { names: NAMES }); // warm-up (JIT, x509 module)
  results['berth (in-process)'] = [];
  for (let i = 0; i < RUNS; i++) results['berth (in-process)'].push(await time(() => issueLeaf(ca, { names: NAMES })));

  // Berth CLI, no running Berth: a Node process that loads the CA and writes the files.
  const cliDir = join(work, 'berth-cli');
  execFileSync(process.execPath, [join(root, 'bin/berth.js'), 'cert', 'ca', '--data-dir', cliDir], { stdio: 'ignore' });
  results['berth cert issue (CLI)'] = [];
  for (let i = 0; i < RUNS; i++) {
    results['berth cert issue (CLI)'].push(await time(() => execFileSync(process.execPath, [join(root, 'bin/berth.js'), 'cert', 'issue', ...NAMES, '--id', `b${i}`, '--data-dir', cliDir], { stdio: 'ignore' })));
  }

  if (have('mkcert', ['-help'])) {
    const caroot = join(work, 'mkcert-ca');
    const env = { ...process.env, CAROOT: caroot, TRUST_STORES: 'none' };
    execFileSync('mkcert', ['-ecdsa', '-cert-file', join(work, 'warm.pem'), '-key-file', join(work, 'warm-key.pem'), ...NAMES], { env, stdio: 'ignore' }); // creates the CA
    results['mkcert -ecdsa'] = [];
    for (let i = 0; i < RUNS; i++) {
      results['mkcert -ecdsa'].push(await time(() => execFileSync('mkcert', ['-ecdsa', '-cert-file', join(work, `m${i}.pem`), '-key-file', join(work, `m${i}-key.pem`), ...NAMES], { env, stdio: 'ignore' })));
    }
  } else console.log('mkcert not found: skipped (Debian: apt-get install mkcert)');

  // openssl CLI: the seeds' three steps (genpkey, req, x509 -req with a SAN extension).
  const oca = join(work, 'openssl-ca');
  execFileSync('mkdir', ['-p', oca]);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(oca, 'ca.key'), '-out', join(oca, 'ca.pem'), '-days', '3650', '-subj', '/CN=bench CA'], { stdio: 'ignore' });
  const ext = join(oca, 'ext.cnf');
  writeFileSync(ext, `subjectAltName=DNS:${NAMES[0]},DNS:${NAMES[1]},IP:${NAMES[2]}\nextendedKeyUsage=serverAuth\nbasicConstraints=critical,CA:FALSE\n`);
  results['openssl genpkey+req+x509'] = [];
  for (let i = 0; i < RUNS; i++) {
    const k = join(oca, `l${i}.key`);
    const csr = join(oca, `l${i}.csr`);
    results['openssl genpkey+req+x509'].push(
      await time(() => {
        execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', k], { stdio: 'ignore' });
        execFileSync('openssl', ['req', '-new', '-key', k, '-out', csr, '-subj', '/O=bench'], { stdio: 'ignore' });
        execFileSync('openssl', ['x509', '-req', '-in', csr, '-CA', join(oca, 'ca.pem'), '-CAkey', join(oca, 'ca.key'), '-CAcreateserial', '-days', '365', '-extfile', ext, '-out', join(oca, `l${i}.pem`)], { stdio: 'ignore' });
      }),
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

const base = results['mkcert -ecdsa'] ? stats(results['mkcert -ecdsa']).median : null;
console.log(`\nLeaf issuance, ECDSA P-256, names ${NAMES.join(' ')}, ${RUNS} runs each (ms)`);
console.log('tool'.padEnd(28), 'median'.padStart(9), 'p90'.padStart(9), 'min'.padStart(9), '  vs mkcert (median)');
for (const [name, samples] of Object.entries(results)) {
  const s = stats(samples);
  const ratio = base ? `${(s.median / base).toFixed(3)}×` : '-';
  console.log(name.padEnd(28), s.median.toFixed(2).padStart(9), s.p90.toFixed(2).padStart(9), s.min.toFixed(2).padStart(9), `  ${ratio}`);
}
