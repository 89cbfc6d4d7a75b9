#!/usr/bin/env node
// `npm test`: type-check (tsc + vue-tsc), lint, build, then every test file in ONE `node --test`
// run (unit specs beside the code, integration tests with real servers, Electron static checks,
// browser end-to-end), so the runner's closing summary counts them all.
//   node scripts/test.mjs                 everything
//   node scripts/test.mjs --only unit     unit specs only (after building)
//   node scripts/test.mjs --only integration|conformance|e2e|electron
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : null;
const bin = (name) => join(root, 'node_modules', '.bin', name);

function step(title, cmd, args) {
  const started = Date.now();
  console.log(`\n▶ ${title}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`✖ ${title} failed (exit ${r.status ?? r.signal})`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
  console.log(`✔ ${title} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

function findFiles(dir, pattern) {
  const out = [];
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findFiles(p, pattern));
    else if (pattern.test(name)) out.push(p);
  }
  return out.sort();
}

if (only === null) {
  step('type-check: tsc -b (server-core, electron, tests)', bin('tsc'), ['-b']);
  step('type-check: vue-tsc (renderer)', bin('vue-tsc'), ['--noEmit', '-p', 'renderer/tsconfig.json']);
  step('lint: eslint', bin('eslint'), ['--max-warnings', '0', '.']);
  step('build: dashboard (vite)', bin('vite'), ['build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn']);
} else {
  step('build: tsc -b', bin('tsc'), ['-b']);
}

const dist = join(root, 'dist');
const groups = {
  unit: [
    ...findFiles(join(dist, 'server-core'), /\.spec\.js$/),
    ...findFiles(join(dist, 'electron'), /\.spec\.js$/),
    ...findFiles(join(dist, 'renderer-spec'), /\.spec\.js$/),
    ...findFiles(join(dist, 'test', 'unit'), /\.test\.js$/),
  ],
  integration: findFiles(join(dist, 'test', 'integration'), /\.test\.js$/),
  conformance: findFiles(join(dist, 'test', 'conformance'), /\.test\.js$/),
  electron: findFiles(join(dist, 'test', 'electron'), /\.test\.js$/),
  e2e: findFiles(join(dist, 'test', 'e2e'), /\.test\.js$/),
};
const files = only === null ? Object.values(groups).flat() : (groups[only] ?? []);
if (files.length === 0) {
  console.error(`no test files found${only ? ` for '${only}'` : ''}`);
  process.exit(1);
}
console.log(`\n▶ tests: ${files.length} files\n  ${files.map((f) => relative(root, f)).join('\n  ')}\n`);
const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
