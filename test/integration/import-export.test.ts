// `berth import` / `berth export` end to end: into a stopped data dir's store, through a running
// Berth's admin API (config version source `import`), and an export real `nginx -t` accepts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ConfigVersionsResponse } from '../../server-core/contract/api.js';
import type { BerthConfig } from '../../server-core/config/schema.js';
import { freePort } from '../conformance/harness.js';
import { makeTempDir, repoRoot, runBerth, startBerth, waitFor, type BerthProcess } from '../helpers/berth-process.js';

const seeds = join(repoRoot, 'server-core', 'interop', 'testdata', 'seeds');
const NGINX = ['/usr/sbin/nginx', '/usr/local/sbin/nginx'].find((p) => existsSync(p)) ?? null;

describe('berth import / export', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const tempDir = () => {
    const d = makeTempDir('berth-import-');
    dirs.push(d);
    return d;
  };

  it('lists import and export in --help', async () => {
    const r = await runBerth(['--help']);
    assert.match(r.stdout, /import {4}Add sites, upstreams and apps from nginx configs or uwsgi\.ini files/);
    assert.match(r.stdout, /export {4}Write production nginx/);
    const help = await runBerth(['help', 'import']);
    assert.match(help.stdout, /--dry-run/);
  });

  it('--dry-run prints the mapped config and the warnings, and changes nothing', async () => {
    const dataDir = tempDir();
    const r = await runBerth(['import', 'nginx', join(seeds, '004-br_api.conf'), join(seeds, '004-uwsgi.ini'), '--map-port', '80=8080', '--dry-run', '--data-dir', dataDir]);
    assert.equal(r.code, 0, r.stderr);
    const printed = JSON.parse(r.stdout) as { sites: Array<{ id: string }>; apps: Array<{ id: string; entry: string }> };
    assert.deepEqual(printed.sites.map((s) => s.id), ['127-0-0-1']);
    assert.deepEqual(printed.apps.map((a) => a.entry), ['br_api.wsgi:application']);
    assert.match(r.stderr, /warning: .*004-br_api\.conf:38: charset: /);
    assert.match(r.stderr, /dry run: would add 1 site\(s\) \[127-0-0-1\], 0 upstream\(s\) \[\], 1 app\(s\) \[br_api\]; 13 warning\(s\); nothing was changed/);
    const status = await runBerth(['export', 'nginx', '--out', join(dataDir, 'out'), '--data-dir', dataDir]);
    assert.equal(status.code, 1, 'nothing was stored, so there is nothing to export');
    assert.match(status.stderr, /there is no config/);
  });

  it('reports a syntax error like nginx -t and exits 1', async () => {
    const r = await runBerth(['import', 'nginx', join(seeds, '003-nginx.conf.orig'), '--data-dir', tempDir()]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /berth: unexpected "}" in .*003-nginx\.conf\.orig:30:1/);
    const usage = await runBerth(['import', 'apache', 'x.conf']);
    assert.equal(usage.code, 2);
  });

  describe('with a running Berth', () => {
    let berth: BerthProcess;
    let sitePort = 0;
    before(async () => {
      berth = await startBerth();
      sitePort = await freePort();
    });
    after(async () => {
      await berth.stop();
      berth.cleanup();
    });

    it('applies through the admin API as a new config version with source import', async () => {
      const r = await runBerth(['import', 'nginx', join(seeds, '004-br_api.conf'), join(seeds, '004-uwsgi.ini'), '--map-port', `80=${sitePort}`, '--data-dir', berth.dataDir]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /imported 1 site\(s\) \[127-0-0-1\], 0 upstream\(s\) \[\], 1 app\(s\) \[br_api\] into the running Berth \(pid \d+\): config version \d+; 13 warning\(s\)/);
      const config = await berth.api<{ config: BerthConfig }>('/api/v1/config');
      assert.ok(config.body.config.sites.some((s) => s.id === '127-0-0-1' && s.listen[0]?.port === sitePort));
      assert.ok(config.body.config.sites.some((s) => s.id === 'welcome'), 'the existing site is kept');
      const versions = await berth.api<ConfigVersionsResponse>('/api/v1/config/versions');
      assert.equal(versions.body.versions[0]?.source, 'import');
    });

    it('refuses a bad import request body with 400', async () => {
      const res = await berth.api<{ error: { code: string } }>('/api/v1/import', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ files: [{ path: 'relative.conf', content: '' }] }) });
      assert.equal(res.status, 400);
      const syntax = await berth.api<{ error: { code: string; message: string } }>('/api/v1/import', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ nginx: ['/x/a.conf'], files: [{ path: '/x/a.conf', content: 'server {\n listen 80\n}' }] }),
      });
      assert.equal(syntax.status, 400);
      assert.equal(syntax.body.error.code, 'BERTH_ERR_NGINX_SYNTAX');
      assert.match(syntax.body.error.message, /unexpected "}" in \/x\/a\.conf:3:1/);
    });

    it('exports what runs; real nginx -t accepts it', async (t) => {
      const out = join(berth.dataDir, 'export');
      const logs = join(berth.dataDir, 'nginx-logs');
      mkdirSync(logs, { recursive: true });
      // The first-run demo has TLS (auto): give nginx its Berth leaf where the export points.
      const certDir = join(berth.dataDir, 'nginx-certs');
      const leaf = join(berth.dataDir, 'certs', 'store', 'auto-welcome');
      await waitFor('the demo leaf', () => (existsSync(join(leaf, 'key.pem')) ? true : undefined), 20_000);
      mkdirSync(join(certDir, 'welcome'), { recursive: true });
      copyFileSync(join(leaf, 'fullchain.pem'), join(certDir, 'welcome', 'fullchain.pem'));
      copyFileSync(join(leaf, 'key.pem'), join(certDir, 'welcome', 'privkey.pem'));
      const r = await runBerth(['export', 'nginx', '--out', out, '--log-dir', logs, '--cert-dir', certDir, '--data-dir', berth.dataDir]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /sites\/127-0-0-1\.conf/);
      assert.match(r.stdout, /uwsgi\/br_api\.ini/);
      if (!NGINX) {
        t.diagnostic('nginx is not installed: nginx -t not run (apt-get install nginx)');
        return;
      }
      const test = spawnSync(NGINX, ['-t', '-c', join(out, 'nginx.conf'), '-p', out, '-g', `pid ${join(out, 'nginx.pid')};`], { encoding: 'utf8' });
      console.log(`nginx -t on the export:\n${test.stderr.trim()}`);
      assert.equal(test.status, 0, test.stderr);
      assert.match(test.stderr, /test is successful/);
    });
  });
});
