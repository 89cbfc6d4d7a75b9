// The editor's dry-run endpoints against the real `berth serve`: POST /config/validate and
// POST /config/preview/nginx never change the running version; GET /config/versions/:v returns a
// stored version; a refused PUT leaves the previous version running.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ApiErrorBody, ConfigPreviewNginxResponse, ConfigValidateResponse, ConfigVersionResponse } from '../../server-core/contract/api.js';
import type { BerthConfig } from '../../server-core/config/schema.js';
import { startBerth, type BerthProcess } from '../helpers/berth-process.js';

describe('config validate / preview / versions API', { timeout: 60_000 }, () => {
  let berth: BerthProcess;
  let current: { version: number; config: BerthConfig };
  const post = <T>(path: string, body: unknown) =>
    berth.api<T>(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  before(async () => {
    berth = await startBerth();
    current = (await berth.api<{ version: number; config: BerthConfig }>('/api/v1/config')).body;
  });
  after(async () => {
    await berth.stop();
    berth.cleanup();
  });

  it('validate: a valid draft answers ok with defaults filled in; nothing is stored', async () => {
    const draft = structuredClone(current.config) as unknown as Record<string, unknown>;
    (draft.upstreams as unknown[]) = [{ id: 'pair', servers: [{ address: '127.0.0.1:9' }] }];
    const res = await post<ConfigValidateResponse>('/api/v1/config/validate', draft);
    assert.equal(res.status, 200);
    assert.equal(res.body.ok, true);
    assert.ok(res.body.ok);
    assert.deepEqual(res.body.config.upstreams[0], {
      id: 'pair',
      protocol: 'http',
      method: 'round_robin',
      keepalive: 32,
      servers: [{ address: '127.0.0.1:9', weight: 1, maxFails: 1, failTimeoutS: 10, backup: false, down: false }],
    });
    assert.equal((await berth.status()).config.version, current.version);
  });

  it('validate: every issue comes back with the path of its field', async () => {
    const draft = structuredClone(current.config);
    const site = draft.sites[0];
    assert.ok(site);
    site.locations = [{ match: { kind: 'prefix', path: '/api/' }, handler: { type: 'proxy', upstream: 'nope', setHeaders: {}, hideHeaders: [], connectTimeoutS: 60, readTimeoutS: 60, sendTimeoutS: 60, websocket: true }, internal: false, interceptErrors: false }];
    site.names = [];
    const res = await post<ConfigValidateResponse>('/api/v1/config/validate', draft);
    assert.equal(res.status, 200);
    assert.equal(res.body.ok, false);
    const paths = res.body.issues.map((i) => i.path);
    assert.ok(paths.includes('sites.0.names'), `no issue at sites.0.names in ${JSON.stringify(res.body.issues)}`);
    const afterNames = structuredClone(draft);
    afterNames.sites[0]!.names = ['x.localhost'];
    const res2 = await post<ConfigValidateResponse>('/api/v1/config/validate', afterNames);
    assert.deepEqual(
      res2.body.issues.map((i) => i.path),
      ['sites.0.locations.0.handler.upstream'],
    );
  });

  it('preview/nginx renders the draft; an invalid draft is 422 with its issues', async () => {
    const draft = structuredClone(current.config);
    draft.upstreams = [{ id: 'pair', protocol: 'http', method: 'least_conn', keepalive: 8, servers: [{ address: '127.0.0.1:9', weight: 3, maxFails: 1, failTimeoutS: 10, backup: false, down: false }] }];
    const ok = await post<ConfigPreviewNginxResponse>('/api/v1/config/preview/nginx', draft);
    assert.equal(ok.status, 200);
    assert.equal(ok.body.files[0]?.path, 'nginx.conf');
    assert.ok(!ok.body.files.some((f) => f.path === 'mime.types'), 'stock files are left out');
    assert.match(ok.body.text, /upstream pair \{[\s\S]*least_conn;[\s\S]*server 127\.0\.0\.1:9 weight=3;/);
    assert.match(ok.body.text, /# ---- sites\/.+\.conf ----/);

    draft.upstreams[0]!.servers = [];
    const bad = await post<ApiErrorBody>('/api/v1/config/preview/nginx', draft);
    assert.equal(bad.status, 422);
    assert.equal(bad.body.error.code, 'BERTH_ERR_VALIDATION');
    assert.ok(bad.body.error.issues?.some((i) => i.path === 'upstreams.0.servers'));
  });

  it('a refused PUT changes nothing; versions/:v returns a stored version, 404 for none', async () => {
    const draft = structuredClone(current.config);
    draft.sites[0]!.id = 'Bad Id';
    const put = await berth.api<ApiErrorBody>('/api/v1/config', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(draft) });
    assert.equal(put.status, 422);
    assert.equal(put.body.error.path, 'sites.0.id');
    assert.equal((await berth.status()).config.version, current.version);

    const v = await berth.api<ConfigVersionResponse>(`/api/v1/config/versions/${current.version}`);
    assert.equal(v.status, 200);
    assert.equal(v.body.version, current.version);
    assert.deepEqual(v.body.config, current.config);
    const missing = await berth.api<ApiErrorBody>('/api/v1/config/versions/999999');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'BERTH_ERR_NOT_FOUND');
    assert.equal((await berth.api<ApiErrorBody>('/api/v1/config/versions/zero')).status, 400);
  });
});
