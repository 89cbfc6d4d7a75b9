#!/usr/bin/env node
// `npm start` (after `npm run build`): the desktop app when Electron's binary is installed,
// otherwise the same stack headless (`berth serve`), saying why in one line.
// Extra arguments pass through: `npm start -- --data-dir /tmp/berth --admin-port 7800`.
// BERTH_HEADLESS=1 skips Electron on purpose.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** How long one attempt to fetch Electron's binary may take. */
const downloadTimeoutMs = 60_000;

/**
 * Where electron's package expects its binary: `path.txt` names it inside `dist/`
 * (see node_modules/electron/index.js). Returns the absolute path or why there is none.
 */
export function electronBinary(root = repoRoot) {
  const pkg = join(root, 'node_modules', 'electron');
  if (!existsSync(join(pkg, 'package.json'))) return { ok: false, reason: 'the electron package is not installed (run npm install)' };
  const pathTxt = join(pkg, 'path.txt');
  if (!existsSync(pathTxt)) return { ok: false, reason: 'node_modules/electron/path.txt missing: the binary was never downloaded' };
  const binary = join(pkg, 'dist', readFileSync(pathTxt, 'utf8').trim());
  if (!existsSync(binary)) return { ok: false, reason: `${binary} missing` };
  return { ok: true, path: binary };
}

/** The line of a failed command's output that says what went wrong, without the error class prefix. */
export function firstErrorLine(output) {
  const lines = String(output)
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  const line =
    lines.find((l) => /\b(E[A-Z]{3,}|getaddrinfo|HTTPError|RequestError|\d{3} )\b/.test(l)) ??
    lines.find((l) => /error/i.test(l)) ??
    lines[0] ??
    'no output';
  return line.replace(/^(?:\w*Error|gyp ERR! \w+):\s*/, '').slice(0, 240);
}

/** One bounded attempt at electron's own download step (node_modules/electron/install.js). */
export async function fetchElectron(root = repoRoot, timeoutMs = downloadTimeoutMs) {
  const result = spawnSync(process.execPath, [join(root, 'node_modules', 'electron', 'install.js')], {
    cwd: join(root, 'node_modules', 'electron'),
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  if (result.error?.code === 'ETIMEDOUT') return { ok: false, reason: `download timed out after ${timeoutMs / 1000} s` };
  if (result.error) return { ok: false, reason: `download failed: ${result.error.message}` };
  if (result.status === 0) return { ok: true };
  let line = firstErrorLine(`${result.stderr}\n${result.stdout}`);
  // install.js prints only the stack of undici's "fetch failed"; the network reason is in its cause.
  if (line === 'fetch failed') line = await networkReason(process.env.ELECTRON_MIRROR || 'https://github.com/electron/electron/releases/');
  return { ok: false, reason: `download failed: ${line}` };
}

/** Why `url` cannot be reached (`getaddrinfo ENOTFOUND github.com`), from the cause of a failed fetch. */
export async function networkReason(url, timeoutMs = 10_000) {
  try {
    await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(timeoutMs) });
    return `fetch failed, although ${new URL(url).host} answers now`;
  } catch (err) {
    const cause = err?.cause;
    return cause?.message ?? err?.message ?? String(err);
  }
}

/** Electron's Node ABI (NODE_MODULE_VERSION), which native modules must be built for. */
export function electronAbi(root = repoRoot) {
  return readFileSync(join(root, 'node_modules', 'electron', 'abi_version'), 'utf8').trim();
}

/** Where scripts/rebuild-native-for-electron.mjs puts better-sqlite3 and the store's loader looks for it. */
export function electronSqlitePath(root = repoRoot, abi = electronAbi(root)) {
  return join(root, 'native', `electron-${abi}`, 'better_sqlite3.node');
}

/** What to run: Electron on the repo, or `berth serve` with the reason it is headless. */
export async function chooseLaunch(env = process.env, root = repoRoot, steps = { fetchElectron, rebuildNative }) {
  if (env.BERTH_HEADLESS === '1') return { mode: 'headless', reason: 'BERTH_HEADLESS=1' };
  let binary = electronBinary(root);
  if (!binary.ok) {
    const fetched = await steps.fetchElectron(root);
    if (!fetched.ok) return { mode: 'headless', reason: `Electron binary not available (${fetched.reason})` };
    binary = electronBinary(root);
    if (!binary.ok) return { mode: 'headless', reason: `Electron binary not available (${binary.reason})` };
  }
  if (!existsSync(electronSqlitePath(root))) {
    const built = steps.rebuildNative(root);
    if (!built.ok) return { mode: 'headless', reason: `better-sqlite3 is not built for Electron (${built.reason})` };
  }
  return { mode: 'electron', binary: binary.path };
}

function rebuildNative(root) {
  const result = spawnSync(process.execPath, [join(root, 'scripts', 'rebuild-native-for-electron.mjs')], { cwd: root, stdio: 'inherit' });
  return result.status === 0 ? { ok: true } : { ok: false, reason: 'scripts/rebuild-native-for-electron.mjs failed, see above' };
}

/** Runs `command` with inherited stdio, forwards SIGINT/SIGTERM/SIGHUP once, exits with its code. */
function runForwarding(command, args, options) {
  // Own process group on POSIX, so a terminal Ctrl+C reaches the child once (through us), not twice.
  const child = spawn(command, args, { ...options, stdio: 'inherit', detached: process.platform !== 'win32' });
  const forward = (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  const signals = process.platform === 'win32' ? ['SIGINT', 'SIGTERM'] : ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, forward);
  child.once('error', (err) => {
    console.error(`berth: could not start ${command}: ${err.message}`);
    process.exit(1);
  });
  child.once('exit', (code, signal) => {
    if (code !== null) process.exit(code);
    process.exit(128 + (constants.signals[signal] ?? 1));
  });
}

async function main(args) {
  const launch = await chooseLaunch();
  if (launch.mode === 'headless') {
    console.log(`${launch.reason}; running headless: berth serve`);
    runForwarding(process.execPath, [join(repoRoot, 'bin', 'berth.js'), 'serve', ...args], { cwd: repoRoot });
    return;
  }
  const env = { ...process.env };
  // Would turn Electron into plain Node and skip the app.
  delete env.ELECTRON_RUN_AS_NODE;
  runForwarding(launch.binary, ['.', ...args], { cwd: repoRoot, env });
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await main(process.argv.slice(2));
