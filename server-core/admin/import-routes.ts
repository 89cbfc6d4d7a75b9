// `POST /api/v1/import`: nginx configs and uwsgi.ini files, sent as text (the CLI sends every file
// a config includes; the dashboard sends what the user picked). The files are read from the request
// only, never from the disk here, so a request cannot make Berth read arbitrary files.
// `dryRun` maps and validates; otherwise the result is applied like any config (source `import`).
import { posix } from 'node:path';
import type { ImportRequestBody, ImportResponse } from '../contract/api.js';
import { isBerthError } from '../errors.js';
import { memorySource } from '../interop/nginx/file-source.js';
import { runImport } from '../interop/run-import.js';
import type { AdminBackend } from './backend.js';
import { HttpError, readJsonBody, sendError, sendJson, sendRefusal } from './http-util.js';
import type { Router } from './router.js';

/** Configs are small; 8 MiB leaves room for a big sites-enabled folder. */
const IMPORT_BODY_LIMIT = 8 * 1024 * 1024;
const MAX_FILES = 500;

const IMPORT_ERROR_CODES = new Set(['BERTH_ERR_NGINX_SYNTAX', 'BERTH_ERR_NGINX_INCLUDE', 'BERTH_ERR_INI_SYNTAX', 'BERTH_ERR_IMPORT_FILE'] as const);
type ImportErrorCode = typeof IMPORT_ERROR_CODES extends Set<infer T> ? T : never;

export function addImportRoutes(router: Router, backend: AdminBackend): Router {
  return router.add('POST', '/api/v1/import', async ({ req, res }) => {
    const body = parseBody(await readJsonBody(req, IMPORT_BODY_LIMIT));
    const files = new Map(body.files.map((f) => [posix.normalize(f.path), f.content]));
    const portMap = new Map(Object.entries(body.portMap ?? {}).map(([from, to]) => [Number(from), to]));
    const context = await backend.validationContext?.();
    let outcome;
    try {
      outcome = runImport(backend.currentConfig().config, {
        nginx: (body.nginx ?? []).map((p) => posix.normalize(p)),
        uwsgi: (body.uwsgi ?? []).map((p) => posix.normalize(p)),
        source: memorySource(files),
        portMap,
        ...(body.runtime ? { runtime: body.runtime } : {}),
        ...(context ? { context } : {}),
      });
    } catch (e) {
      if (isBerthError(e) && IMPORT_ERROR_CODES.has(e.code as ImportErrorCode)) {
        sendError(res, 400, e.code as ImportErrorCode, e.hint ? `${e.message} (${e.hint})` : e.message);
        return;
      }
      throw e;
    }
    const answer: ImportResponse = { version: null, added: outcome.added, warnings: outcome.warnings, issues: outcome.issues };
    if (body.dryRun) {
      sendJson(res, 200, { ...answer, config: outcome.valid ?? outcome.config });
      return;
    }
    if (outcome.valid === null) {
      sendJson(res, 422, {
        ...answer,
        error: { code: 'BERTH_ERR_VALIDATION', message: `the imported config has ${outcome.issues.length} problem(s); nothing was changed`, issues: outcome.issues },
      });
      return;
    }
    const names = [...(body.nginx ?? []), ...(body.uwsgi ?? [])].map((p) => posix.basename(p)).join(', ');
    const result = await backend.applyConfig(outcome.valid, `import ${names}`.slice(0, 200), 'import');
    if (!result.ok && 'refused' in result) return sendRefusal(res, result.refused);
    if (!result.ok) {
      sendJson(res, 422, { ...answer, issues: result.issues, error: { code: 'BERTH_ERR_VALIDATION', message: 'the imported config does not validate; nothing was changed', issues: result.issues } });
      return;
    }
    sendJson(res, 200, { ...answer, version: result.version });
  });
}

function parseBody(raw: unknown): ImportRequestBody {
  const bad = (message: string) => new HttpError(400, 'BERTH_ERR_BAD_REQUEST', message);
  if (typeof raw !== 'object' || raw === null) throw bad('send { files: [{ path, content }], nginx?: [path], uwsgi?: [path] }');
  const b = raw as Record<string, unknown>;
  if (!Array.isArray(b.files) || b.files.length > MAX_FILES) throw bad(`files must be a list of at most ${MAX_FILES} { path, content } objects`);
  for (const f of b.files as unknown[]) {
    const file = f as Record<string, unknown>;
    if (typeof file?.path !== 'string' || !file.path.startsWith('/') || typeof file.content !== 'string') {
      throw bad('every file needs an absolute path ("/etc/nginx/nginx.conf") and its content as text');
    }
  }
  const paths = (key: 'nginx' | 'uwsgi'): string[] | undefined => {
    const v = b[key];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || !v.every((p) => typeof p === 'string' && p.startsWith('/'))) throw bad(`${key} must be a list of absolute paths among files`);
    return v as string[];
  };
  const nginx = paths('nginx');
  const uwsgi = paths('uwsgi');
  if ((nginx?.length ?? 0) + (uwsgi?.length ?? 0) === 0) throw bad('name at least one nginx or uwsgi file to import');
  if (b.runtime !== undefined && b.runtime !== 'wsgi' && b.runtime !== 'uwsgi') throw bad('runtime is "wsgi" or "uwsgi"');
  if (b.portMap !== undefined) {
    const pm = b.portMap as Record<string, unknown>;
    if (typeof pm !== 'object' || pm === null || !Object.entries(pm).every(([k, v]) => /^\d{1,5}$/.test(k) && Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 65535)) {
      throw bad('portMap maps port numbers to port numbers, e.g. { "80": 8080 }');
    }
  }
  return {
    files: b.files as ImportRequestBody['files'],
    ...(nginx ? { nginx } : {}),
    ...(uwsgi ? { uwsgi } : {}),
    dryRun: b.dryRun === true,
    ...(b.runtime ? { runtime: b.runtime as 'wsgi' | 'uwsgi' } : {}),
    ...(b.portMap ? { portMap: b.portMap as Record<string, number> } : {}),
  };
}
