#!/usr/bin/env node
// The files electron-builder would put into the app (build/electron-builder.yml `files`, then its
// default exclusions), and which of them land outside app.asar (`asarUnpack`). Uses
// app-builder-lib's own FileMatcher, so the list is what packaging takes from the tree as it is now:
// run `npm run build` first. Production node_modules are collected by electron-builder separately
// (package.json `dependencies` and theirs) and are not listed.
//   node scripts/list-packaged-files.mjs            one path per line, `[unpacked]` marked
//   node scripts/list-packaged-files.mjs --json     { files, unpacked }
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const builderConfigPath = join(repoRoot, 'build', 'electron-builder.yml');

/** app-builder-lib's resolution (its dependencies are electron-builder's, not Berth's). */
export function builderRequire(root = repoRoot) {
  const rootRequire = createRequire(join(root, 'package.json'));
  const libDir = dirname(rootRequire.resolve('app-builder-lib/package.json'));
  return { require: createRequire(join(libDir, 'package.json')), libDir };
}

export function loadBuilderConfig(path = builderConfigPath) {
  const yaml = builderRequire().require('js-yaml');
  return yaml.load(readFileSync(path, 'utf8'));
}

function patternsOf(value) {
  return (Array.isArray(value) ? value : [value]).filter((p) => typeof p === 'string');
}

/**
 * The app files electron-builder would pack from `root` (posix paths). Mirrors getMainFileMatchers
 * in app-builder-lib/out/fileMatcher.js: the `files` patterns, then its default exclusions.
 */
export function packagedFiles(config, root = repoRoot) {
  const lib = builderRequire(root).require('./out/fileMatcher.js');
  const patterns = patternsOf(config.files);
  const matcher = new lib.FileMatcher(root, root, (s) => s, [...patterns]);
  if (!patterns.includes('package.json')) matcher.addPattern('package.json');
  matcher.addPattern('!**/node_modules/**');
  matcher.addPattern(`!${config.directories?.buildResources ?? 'build'}{,/**/*}`);
  matcher.addPattern(`!${config.directories?.output ?? 'dist'}{,/**/*}`);
  matcher.addPattern(`!**/*.{${lib.excludedExts},pdb}`);
  matcher.addPattern('!**/._*');
  matcher.addPattern('!**/electron-builder.{yaml,yml,json,json5,toml,ts}');
  matcher.addPattern(`!**/{${lib.excludedNames}}`);
  const filter = matcher.createFilter();

  const out = [];
  // Walks like electron-builder's copier: a directory the filter rejects is not entered.
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const abs = join(dir, name);
      if (name === 'node_modules' || name === '.git') continue;
      const stat = statSync(abs);
      if (!filter(abs, stat)) continue;
      if (stat.isDirectory()) walk(abs);
      else out.push(relative(root, abs).split('\\').join('/'));
    }
  };
  walk(root);
  return out;
}

/** Which of `files` match `asarUnpack` (platformPackager.js builds the same FileMatcher filter). */
export function unpackedFiles(config, files, root = repoRoot) {
  const patterns = patternsOf(config.asarUnpack);
  if (patterns.length === 0) return [];
  const lib = builderRequire(root).require('./out/fileMatcher.js');
  const filter = new lib.FileMatcher(root, root, (s) => s, patterns).createFilter();
  return files.filter((f) => {
    const abs = join(root, f);
    return filter(abs, statSync(abs));
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const config = loadBuilderConfig();
  const files = packagedFiles(config);
  const unpacked = unpackedFiles(config, files);
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify({ files, unpacked }, null, 2));
  } else {
    const out = new Set(unpacked);
    for (const f of files) console.log(out.has(f) ? `${f}  [unpacked]` : f);
    console.error(`${files.length} files (${unpacked.length} unpacked from app.asar), plus the production node_modules`);
  }
}
