// electron-builder's own pieces, loaded from app-builder-lib's resolution so the test uses the
// exact ajv, js-yaml and file matcher electron-builder packs with (they are its dependencies,
// not Berth's). Internal paths of app-builder-lib: if an update moves them, these loads fail loudly.
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

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
  return listScript.loadBuilderConfig(builderConfigPath);
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

interface ListScript {
  packagedFiles(config: BuilderConfig, root?: string): string[];
  unpackedFiles(config: BuilderConfig, files: string[], root?: string): string[];
  loadBuilderConfig(path?: string): BuilderConfig;
}
/** scripts/list-packaged-files.mjs holds the file matching, so the test checks what the script prints. */
const listScript = (await import(pathToFileURL(join(repoRoot, 'scripts', 'list-packaged-files.mjs')).href)) as ListScript;

/** The app files electron-builder would pack from `root` (posix paths, node_modules aside). */
export function packagedFiles(config: BuilderConfig, root = repoRoot): string[] {
  return listScript.packagedFiles(config, root);
}

/** The packed files that go to app.asar.unpacked (`asarUnpack`). */
export function unpackedFiles(config: BuilderConfig, files: string[], root = repoRoot): string[] {
  return listScript.unpackedFiles(config, files, root);
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
