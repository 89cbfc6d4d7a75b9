// Dry runs for the dashboard's editor, so the renderer never needs server code:
// `POST /api/v1/config/validate` checks a draft (schema + semantic checks, with the certificate
// store's ids as PUT /config checks them) and changes nothing;
// `POST /api/v1/config/preview/nginx` renders a valid draft as the nginx config `berth export nginx`
// would write; `GET /api/v1/config/versions/:version` returns one stored version (for the diff).
import type { ConfigPreviewNginxResponse, ConfigValidateResponse, ConfigVersionResponse } from '../contract/api.js';
import { validateConfig } from '../config/validate.js';
import { DEFAULT_EXPORT_OPTIONS, exportNginx } from '../interop/nginx/export.js';
import type { AdminBackend } from './backend.js';
import { HttpError, readJsonBody, sendError, sendJson } from './http-util.js';
import type { Router } from './router.js';

/** Same limit as PUT /config: a draft is a whole config document. */
const DRAFT_BODY_LIMIT = 1024 * 1024;

/** Files of the export that are the same for every config (stock params, the MIME table): not shown. */
const STOCK_FILES = new Set(['mime.types', 'uwsgi_params', 'fastcgi_params']);

export function addPreviewRoutes(router: Router, backend: AdminBackend): Router {
  return router
    .add('POST', '/api/v1/config/validate', async ({ req, res }) => {
      const result = validateConfig(await readJsonBody(req, DRAFT_BODY_LIMIT), await backend.validationContext?.());
      const body: ConfigValidateResponse = result.ok ? { ok: true, issues: [], config: result.config } : { ok: false, issues: result.issues };
      sendJson(res, 200, body);
    })
    .add('POST', '/api/v1/config/preview/nginx', async ({ req, res }) => {
      const result = validateConfig(await readJsonBody(req, DRAFT_BODY_LIMIT), await backend.validationContext?.());
      if (!result.ok) {
        sendError(res, 422, 'BERTH_ERR_VALIDATION', `the draft has ${result.issues.length} problem(s); fix them to see the nginx config`, {
          ...(result.issues[0] ? { path: result.issues[0].path } : {}),
          issues: result.issues,
        });
        return;
      }
      const { files, notes } = exportNginx(result.config, { ...DEFAULT_EXPORT_OPTIONS, banner: '# Preview of `berth export nginx`.' });
      // nginx.conf first, then the sites in config order (the export's include order).
      const shown = [...files].filter(([path]) => !STOCK_FILES.has(path)).sort(([a], [b]) => Number(b === 'nginx.conf') - Number(a === 'nginx.conf'));
      const body: ConfigPreviewNginxResponse = {
        files: shown.map(([path, content]) => ({ path, content })),
        text: shown.map(([path, content]) => `# ---- ${path} ----\n${content.endsWith('\n') ? content : `${content}\n`}`).join('\n'),
        notes,
      };
      sendJson(res, 200, body);
    })
    .add('GET', '/api/v1/config/versions/:version', ({ res, params }) => {
      const version = Number(params.version);
      if (!Number.isInteger(version) || version < 1) throw new HttpError(400, 'BERTH_ERR_BAD_REQUEST', 'the version must be a positive whole number');
      const stored = backend.configVersion?.(version) ?? null;
      if (stored === null) throw new HttpError(404, 'BERTH_ERR_NOT_FOUND', `there is no config version ${version}; list them with GET /api/v1/config/versions`);
      const body: ConfigVersionResponse = stored;
      sendJson(res, 200, body);
    });
}
