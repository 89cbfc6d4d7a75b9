#!/usr/bin/env node
// Runs Doyensec's Electronegativity (https://github.com/doyensec/electronegativity) over the
// Electron sources and their build: `node scripts/security-scan.mjs [--json] [DIR…]`
// (default: electron/ and dist/electron/). Prints the findings table and exits 1 on any HIGH.
// Offline by design: the scanner would fetch translations and Electron's release list over the
// network; neither changes what it finds, so its HTTP client is replaced with one that fails at once.
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** Runs the scanner on each input; returns the findings with paths relative to the repo. */
export async function scan(inputs = [join(repoRoot, 'electron'), join(repoRoot, 'dist', 'electron')]) {
  const require = createRequire(join(repoRoot, 'package.json'));
  const scannerDir = dirname(require.resolve('@doyensec/electronegativity/package.json'));
  const scannerRequire = createRequire(join(scannerDir, 'dist', 'runner.js'));
  const gotPath = scannerRequire.resolve('got');
  const offline = () => Promise.reject(new Error('offline: Berth runs the scanner without network access'));
  scannerRequire.cache[gotPath] = { id: gotPath, filename: gotPath, loaded: true, exports: Object.assign(offline, { default: offline }) };
  const run = scannerRequire('./runner.js');
  const electronVersion = require('electron/package.json').version;

  // The scanner reports its network misses and progress on the console; keep the output to the table.
  const quiet = console.log;
  const findings = [];
  const errors = [];
  console.log = () => undefined;
  try {
    for (const input of inputs) {
      const result = await run({ input, isRelative: false, electronVersionOverride: electronVersion });
      for (const e of result.errors) errors.push({ file: relative(repoRoot, e.file), message: e.message, tolerable: e.tolerable });
      for (const issue of result.issues) {
        findings.push({
          check: issue.id,
          severity: issue.severity.name,
          confidence: issue.confidence.name,
          file: issue.file === 'N/A' ? relative(repoRoot, input) : relative(repoRoot, issue.file),
          line: issue.location?.line ?? 0,
          manualReview: Boolean(issue.manualReview),
        });
      }
    }
  } finally {
    console.log = quiet;
  }
  return { electronVersion, findings, errors };
}

/** A plain-text table, one finding per line. */
export function formatTable(findings) {
  const rows = [['SEVERITY', 'CONFIDENCE', 'CHECK', 'WHERE', 'REVIEW'], ...findings.map((f) => [f.severity, f.confidence, f.check, `${f.file}${f.line ? `:${f.line}` : ''}`, f.manualReview ? 'manual' : ''])];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const dirs = args.filter((a) => a !== '--json').map((d) => resolve(d));
  const result = await scan(dirs.length > 0 ? dirs : undefined);
  const high = result.findings.filter((f) => f.severity === 'HIGH');
  if (json) {
    console.log(JSON.stringify(result, null, 2));
  } else {
    console.log(`electronegativity, Electron ${result.electronVersion}: ${result.findings.length} findings, ${high.length} HIGH`);
    console.log(formatTable(result.findings));
    for (const e of result.errors) console.log(`${e.tolerable ? 'warning' : 'error'}: ${e.file}: ${e.message}`);
  }
  if (high.length > 0 || result.errors.some((e) => !e.tolerable)) process.exitCode = 1;
}
