#!/usr/bin/env node
// Builds better-sqlite3 for Electron's Node ABI into native/electron-<abi>/better_sqlite3.node,
// leaving node_modules' build (for plain Node: `berth serve`, tests) untouched. The store's
// loader picks that file when it runs inside Electron (process.versions.modules === abi).
// Needs Electron's headers (downloaded from https://electronjs.org/headers) and a C++ toolchain.
// Packaged builds do not use this: electron-builder rebuilds node_modules for Electron itself.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));
/** Compiling SQLite takes a few minutes on a slow machine; a header download that hangs must not block forever. */
const buildTimeoutMs = 15 * 60_000;

/** npm's bundled node-gyp: next to the running npm, next to this node, or under `npm root -g`. */
export function findNodeGyp(env = process.env) {
  const rel = join('node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  const candidates = [];
  if (env.npm_execpath) candidates.push(join(dirname(dirname(env.npm_execpath)), rel));
  const nodeDir = dirname(process.execPath);
  candidates.push(join(nodeDir, '..', 'lib', 'node_modules', 'npm', rel), join(nodeDir, 'node_modules', 'npm', rel));
  for (const c of candidates) if (existsSync(c)) return c;
  const npmRoot = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['root', '-g'], { encoding: 'utf8', shell: process.platform === 'win32' });
  const global = npmRoot.status === 0 ? join(npmRoot.stdout.trim(), 'npm', rel) : null;
  return global && existsSync(global) ? global : null;
}

/** The first line of node-gyp's output that names the failure. */
export function gypFailure(output) {
  const lines = String(output)
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  const line =
    lines.find((l) => /gyp ERR! stack .*\b(E[A-Z]{3,}|getaddrinfo|\d{3} status)\b/.test(l)) ??
    lines.find((l) => /gyp ERR! stack \w*Error/.test(l)) ??
    lines.find((l) => /\berror\b/i.test(l) && !/^gyp ERR! (cwd|node -v|node-gyp -v|command|System|not ok)/.test(l)) ??
    lines.at(-1) ??
    'no output';
  return line.replace(/^gyp ERR! \w+\s*/, '').replace(/^\w*Error:\s*/, '').slice(0, 300);
}

/** node-gyp reports a failed header download only as "network connectivity"; ask the URL itself why. */
export async function headerDownloadFailure(output, timeoutMs = 10_000) {
  const text = String(output);
  const url = /gyp http GET (\S+)/.exec(text)?.[1];
  if (!url || !/network connectivity/.test(text)) return null;
  try {
    const res = await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(timeoutMs) });
    return `downloading Electron's headers (${url}) failed: HTTP ${res.status}`;
  } catch (err) {
    return `downloading Electron's headers (${url}) failed: ${err?.cause?.message ?? err?.message ?? String(err)}`;
  }
}

/** node-gyp would use these npm settings over our flags (a `nodedir` points at Node's headers, not Electron's). */
export function buildEnv(env = process.env) {
  const out = {};
  for (const [k, v] of Object.entries(env)) {
    if (/^npm_config_(nodedir|target|runtime|disturl|dist_url|arch|build_from_source)$/i.test(k)) continue;
    out[k] = v;
  }
  return out;
}

class BuildFailure extends Error {}

function fail(message) {
  throw new BuildFailure(message);
}

async function main() {
  const electronPkg = join(repoRoot, 'node_modules', 'electron');
  const sqlitePkg = join(repoRoot, 'node_modules', 'better-sqlite3');
  if (!existsSync(join(electronPkg, 'package.json')) || !existsSync(join(sqlitePkg, 'binding.gyp'))) {
    fail('node_modules/electron or node_modules/better-sqlite3 is missing: run npm install first');
  }
  const electronVersion = JSON.parse(readFileSync(join(electronPkg, 'package.json'), 'utf8')).version;
  const abi = readFileSync(join(electronPkg, 'abi_version'), 'utf8').trim();
  const target = join(repoRoot, 'native', `electron-${abi}`, 'better_sqlite3.node');
  const what = `better-sqlite3 for Electron ${electronVersion} (ABI ${abi})`;

  const gyp = findNodeGyp();
  if (!gyp) fail(`cannot build ${what}: npm's node-gyp not found (looked next to npm and under \`npm root -g\`)`);

  const work = mkdtempSync(join(tmpdir(), 'berth-sqlite-electron-'));
  try {
    const src = join(work, 'better-sqlite3');
    // A private copy: node-gyp writes build/ in place, and node_modules keeps its Node build.
    cpSync(sqlitePkg, src, { recursive: true, filter: (p) => !(basename(p) === 'build' && dirname(p) === sqlitePkg) });
    console.log(`building ${what} with node-gyp (downloads headers from electronjs.org)…`);
    const result = spawnSync(
      process.execPath,
      [gyp, 'rebuild', '--release', `--target=${electronVersion}`, `--arch=${process.arch}`, '--dist-url=https://electronjs.org/headers', '--runtime=electron'],
      { cwd: src, env: buildEnv(), encoding: 'utf8', timeout: buildTimeoutMs, maxBuffer: 64 * 1024 * 1024 },
    );
    if (result.error?.code === 'ETIMEDOUT') fail(`cannot build ${what}: node-gyp took longer than ${buildTimeoutMs / 60_000} minutes`);
    if (result.error) fail(`cannot build ${what}: ${result.error.message}`);
    if (result.status !== 0) {
      const output = `${result.stderr}\n${result.stdout}`;
      fail(
        `cannot build ${what}: ${(await headerDownloadFailure(output)) ?? gypFailure(output)}\n` +
          'It needs network access to https://electronjs.org/headers and a C++ toolchain (python3, make, a C++ compiler); ' +
          'fix that and run `npm run rebuild:electron` again. Until then `npm start` runs headless.',
      );
    }
    const built = join(src, 'build', 'Release', 'better_sqlite3.node');
    if (!existsSync(built)) fail(`cannot build ${what}: node-gyp succeeded but ${built} is missing`);
    mkdirSync(dirname(target), { recursive: true });
    // Copy then rename, so a half-written file never sits where the loader looks.
    copyFileSync(built, `${target}.tmp`);
    renameSync(`${target}.tmp`, target);
    console.log(`built ${what}: ${target}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    await main();
  } catch (err) {
    if (!(err instanceof BuildFailure)) throw err;
    console.error(`rebuild-native-for-electron: ${err.message}`);
    process.exitCode = 1;
  }
}
