// The packaging config: valid for electron-builder, secure settings in place, and the packed file
// list holds every module the app loads at run time (and nothing from tests or sources).
// Needs `npm run build` first (dist/ and dist/renderer).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { before, describe, it } from 'node:test';
import { importedSpecifiers, loadBuilderConfig, packageName, packagedFiles, productionPackages, repoRoot, schemaErrors, unpackedFiles } from './builder-tools.js';
import type { BuilderConfig } from './builder-tools.js';

describe('build/electron-builder.yml', () => {
  let config: BuilderConfig;
  let files: string[];
  let fileSet: Set<string>;

  before(() => {
    config = loadBuilderConfig();
    files = packagedFiles(config);
    fileSet = new Set(files);
  });

  it("validates against app-builder-lib's JSON schema", () => {
    assert.deepEqual(schemaErrors(config), []);
  });

  it('the schema check catches a wrong config', () => {
    assert.notDeepEqual(schemaErrors({ ...config, electronFuses: { runAsNode: 'no' } }), []);
    assert.notDeepEqual(schemaErrors({ ...config, nsis: { perMachine: false, elevate: true } }), []);
  });

  it('names the app and keeps build output out of dist/', () => {
    assert.equal(config.appId, 'dev.berth.app');
    assert.equal(config.productName, 'Berth');
    assert.deepEqual(config.directories, { output: 'release', buildResources: 'build' });
    assert.equal(config.npmRebuild, true);
    assert.deepEqual(config.asarUnpack, ['**/*.node', 'server-core/appserver/python/**']);
  });

  it('documents what the deb target needs instead of inventing a maintainer', () => {
    const linux = config.linux as Record<string, unknown>;
    assert.equal(linux.maintainer, undefined);
    const meta = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { author?: unknown; homepage?: unknown };
    assert.equal(meta.author, undefined);
    assert.match(readFileSync(join(repoRoot, 'build', 'electron-builder.yml'), 'utf8'), /-c\.linux\.maintainer=/);
    assert.match(readFileSync(join(repoRoot, 'README.md'), 'utf8'), /linux\.maintainer/);
  });

  it('burns the hardening fuses', () => {
    assert.deepEqual(config.electronFuses, {
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('installs per user on Windows and signs with the hardened runtime on macOS', () => {
    assert.deepEqual(config.nsis, { oneClick: false, perMachine: false, allowElevation: false, allowToChangeInstallationDirectory: true });
    const mac = config.mac as Record<string, unknown>;
    assert.equal(mac.hardenedRuntime, true);
    assert.equal(mac.entitlements, 'build/entitlements.mac.plist');
    assert.deepEqual(mac.target, ['dmg', 'zip']);
    const plist = readFileSync(join(repoRoot, 'build', 'entitlements.mac.plist'), 'utf8');
    assert.match(plist, /<key>com\.apple\.security\.cs\.allow-jit<\/key>\s*<true\/>/);
    assert.doesNotMatch(plist, /<key>[^<]*disable-library-validation<\/key>/);
    assert.deepEqual((config.linux as Record<string, unknown>).target, ['AppImage', 'deb']);
  });

  it('packs every module the app loads at run time', () => {
    const required = [
      'package.json',
      'bin/berth.js',
      'dist/electron/main.js',
      'dist/electron/preload.cjs',
      'dist/server-core/proxy/worker.js',
      'dist/server-core/appserver/main.js',
      'dist/server-core/certs/main.js',
      'dist/server-core/stack.js',
      'dist/renderer/index.html',
      'assets/icon.png',
      'assets/tray-running.png',
      'assets/tray-failed.png',
      'assets/tray-stopped.png',
    ];
    const missing = required.filter((f) => !fileSet.has(f));
    assert.deepEqual(missing, [], `not packed (did \`npm run build\` run?): ${missing.join(', ')}`);
    assert.ok(
      files.some((f) => f.startsWith('assets/welcome/')),
      'assets/welcome/ is not packed',
    );
  });

  it('unpacks native modules and the Python WSGI worker from app.asar', () => {
    const unpacked = unpackedFiles(config, files);
    const python = files.filter((f) => f.startsWith('server-core/appserver/python/'));
    assert.ok(python.some((f) => f.endsWith('.py')), 'the WSGI worker is packed');
    assert.deepEqual(unpacked, python, 'only the Python worker is unpacked among app files (native modules live in node_modules)');
    assert.ok(!files.some((f) => f.endsWith('.pyc') || f.includes('__pycache__')));
  });

  it('the script prints the same list the checks use', () => {
    const out = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'list-packaged-files.mjs'), '--json'], { encoding: 'utf8' });
    assert.equal(out.status, 0, out.stderr);
    assert.deepEqual(JSON.parse(out.stdout), { files, unpacked: unpackedFiles(config, files) });
  });

  it('leaves tests, specs, sources, maps and build resources out', () => {
    const leaked = files.filter(
      (f) =>
        f.startsWith('dist/test/') ||
        f.startsWith('dist/renderer-spec/') ||
        f.startsWith('dist/.tsbuildinfo/') ||
        f.endsWith('.spec.js') ||
        f.endsWith('.map') ||
        f.endsWith('.ts') ||
        f.endsWith('.cts') ||
        f.startsWith('build/') ||
        f.startsWith('release/') ||
        f.startsWith('native/') ||
        f.startsWith('electron/') ||
        (f.startsWith('server-core/') && !f.startsWith('server-core/appserver/python/')) ||
        f.startsWith('renderer/') ||
        f.startsWith('scripts/') ||
        f.startsWith('test/'),
    );
    assert.deepEqual(leaked, []);
  });

  it('every import in packed code resolves to a packed file, a shipped package or a built-in', () => {
    const shipped = productionPackages();
    const builtins = new Set(builtinModules);
    const problems: string[] = [];
    for (const file of files) {
      if (!/\.(c|m)?js$/.test(file) || file.startsWith('dist/renderer/')) continue;
      for (const spec of importedSpecifiers(readFileSync(join(repoRoot, file), 'utf8'))) {
        if (spec.startsWith('.')) {
          const target = posix.normalize(posix.join(posix.dirname(file), spec));
          if (!fileSet.has(target)) problems.push(`${file} → ${spec} (not packed)`);
        } else if (!(spec === 'electron' || spec.startsWith('node:') || builtins.has(spec) || shipped.has(packageName(spec)))) {
          problems.push(`${file} → ${spec} (not shipped: only package.json dependencies and theirs are packed)`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });
});
