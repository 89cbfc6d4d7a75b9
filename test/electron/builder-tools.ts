// electron-builder's own pieces, loaded from app-builder-lib's resolution so the test uses the
// exact ajv, js-yaml and file matcher electron-builder packs with (they are its dependencies,
// not Berth's). Internal paths of app-builder-lib: if an update moves them, these loads fail loudly.
import { readdirSync, readFileSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This file compiles to <root>/dist/test/electron/builder-tools.js. */
export const repoRoot = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
export const builderConfigPath = join(repoRoot, 'build', 'electron-builder.yml');

const rootRequire = createRequire(join(repoRoot, 'package.json'));
const builderLibDir = dirname(rootRequire.resolve('app-builder-lib/package.json'));
const builderRequire = createRequire(join(builderLibDir, 'package.json'));

interface AjvError {
  instancePath: string;
  message?: string;
}
interface AjvValidate {
  (data: unknown): boolean;
  errors?: AjvError[] | null;
}
interface AjvInstance {
  compile(schema: unknown): AjvValidate;
}

export type BuilderConfig = Record<string, unknown> & { files?: unknown; directories?: { output?: string; buildResources?: string } };

export function loadBuilderConfig(): BuilderConfig {
  const yaml = builderRequire('js-yaml') as { load(text: string): unknown };
  return yaml.load(readFileSync(builderConfigPath, 'utf8')) as BuilderConfig;
}

/** Validates like electron-builder does (app-builder-lib/out/util/config/schemaValidator.js), minus type coercion. */
export function schemaErrors(config: unknown): string[] {
  const ajvModule = builderRequire('ajv') as { default: new (options: Record<string, unknown>) => AjvInstance };
  const ajv = new ajvModule.default({ allErrors: true, strict: false });
  const schema = JSON.parse(readFileSync(join(builderLibDir, 'scheme.json'), 'utf8')) as unknown;
  const validate = ajv.compile(schema);
  if (validate(config)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}

interface FileMatcherInstance {
  addPattern(pattern: string): void;
  createFilter(): (file: string, stat: Stats) => boolean;
}
interface FileMatcherModule {
  FileMatcher: new (from: string, to: string, macroExpander: (s: string) => string, patterns?: string[]) => FileMatcherInstance;
  excludedExts: string;
  excludedNames: string;
}

/**
 * The app files electron-builder would pack from `root` (posix paths, node_modules aside: it
 * collects production dependencies separately). Mirrors getMainFileMatchers in
 * app-builder-lib/out/fileMatcher.js: the `files` patterns, then its default exclusions.
 */
export function packagedFiles(config: BuilderConfig, root = repoRoot): string[] {
  const lib = builderRequire('./out/fileMatcher.js') as FileMatcherModule;
  const patterns = (Array.isArray(config.files) ? config.files : [config.files]).filter((p): p is string => typeof p === 'string');
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

  const out: string[] = [];
  // Walks like electron-builder's copier: a directory the filter rejects is not entered.
  const walk = (dir: string): void => {
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

/** Module specifiers a compiled file loads (static and dynamic imports, re-exports, require). */
export function importedSpecifiers(source: string): string[] {
  const found = new Set<string>();
  const patterns = [
    // Statements start a line in tsc output; anchoring keeps SQL or text in strings out.
    /^\s*(?:import|export)\s[^;]*?\sfrom\s*['"]([^'"\s]+)['"]/gm,
    /^\s*import\s*['"]([^'"\s]+)['"]/gm,
    /\bimport\(\s*['"]([^'"\s]+)['"]\s*\)/g,
    /\brequire\(\s*['"]([^'"\s]+)['"]\s*\)/g,
  ];
  for (const re of patterns) for (const m of source.matchAll(re)) if (m[1]) found.add(m[1]);
  return [...found];
}

/** The package name of a bare specifier (`@scope/name/sub` → `@scope/name`). */
export function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

/**
 * Packages electron-builder packs: package.json `dependencies` and, recursively, theirs
 * (optional ones when installed). devDependencies never ship.
 */
export function productionPackages(root = repoRoot): Set<string> {
  const seen = new Set<string>();
  const visit = (name: string, fromDir: string): void => {
    let pkgJson: string;
    try {
      pkgJson = createRequire(join(fromDir, 'package.json')).resolve(`${name}/package.json`);
    } catch {
      // Packages without an exported package.json: find the folder by walking node_modules.
      let dir = fromDir;
      for (;;) {
        const candidate = join(dir, 'node_modules', name, 'package.json');
        try {
          statSync(candidate);
          pkgJson = candidate;
          break;
        } catch {
          const up = dirname(dir);
          if (up === dir) return; // optional dependency not installed on this platform
          dir = up;
        }
      }
    }
    const key = `${name}@${dirname(pkgJson)}`;
    if (seen.has(key)) return;
    seen.add(key);
    const meta = JSON.parse(readFileSync(pkgJson, 'utf8')) as { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
    for (const dep of Object.keys({ ...meta.dependencies, ...meta.optionalDependencies })) visit(dep, dirname(pkgJson));
  };
  const rootMeta = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  for (const dep of Object.keys(rootMeta.dependencies ?? {})) visit(dep, root);
  return new Set([...seen].map((k) => k.slice(0, k.indexOf('@', 1))));
}
