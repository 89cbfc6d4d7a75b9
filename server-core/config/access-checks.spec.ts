import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BerthConfigInput } from './schema.js';
import { validateConfig } from './validate.js';

type SiteInput = NonNullable<BerthConfigInput['sites']>[number];
const config = (extra: Partial<SiteInput>, settings?: BerthConfigInput['settings']): BerthConfigInput => ({
  schemaVersion: 1,
  ...(settings ? { settings } : {}),
  sites: [{ id: 'a', names: ['a.localhost'], root: '/srv/a', ...extra }],
});

function issues(input: BerthConfigInput): { path: string; message: string }[] {
  const r = validateConfig(input);
  return r.ok ? [] : r.issues;
}

describe('access, rate-limit, add_header and log settings validation', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-access-checks-'));
    await writeFile(join(dir, 'good'), 'carol:{SHA}JauGvtFJymypwcDV23yakTiN3qs=\n');
    await writeFile(join(dir, 'plain'), 'dave:plain\n');
    await writeFile(join(dir, 'empty'), '# nobody yet\n');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('accepts served access features (no longer gated)', () => {
    const r = validateConfig(
      config({
        access: { rules: [{ action: 'allow', source: '192.168.0.0/16' }, { action: 'allow', source: '::1' }, { action: 'deny', source: 'all' }], basicAuth: { realm: 'r', htpasswdFile: join(dir, 'good') } },
        limits: { rateLimit: { perSecond: 10, burst: 20 } },
      }),
    );
    assert.equal(r.ok, true, r.ok ? '' : JSON.stringify(r.issues));
  });

  it('points at a bad CIDR source', () => {
    assert.deepEqual(
      issues(config({ access: { rules: [{ action: 'allow', source: '10.0.0.1' }, { action: 'deny', source: 'example.com' }] } })).map((i) => i.path),
      ['sites.0.access.rules.1.source'],
    );
    assert.match(issues(config({ access: { rules: [{ action: 'deny', source: '10.0.0.0/40' }] } }))[0]?.message ?? '', /prefix length .* 0 to 32/);
  });

  it('refuses a missing, relative, plain-text or empty htpasswd file with the fix', () => {
    const at = (file: string) => issues(config({ access: { basicAuth: { realm: 'r', htpasswdFile: file } } }));
    assert.match(at(join(dir, 'missing'))[0]?.message ?? '', /does not exist; create it with "htpasswd -cB /);
    assert.match(at('users.txt')[0]?.message ?? '', /absolute file path/);
    assert.match(at(dir)[0]?.message ?? '', /is not a file/);
    assert.match(at(join(dir, 'plain'))[0]?.message ?? '', /line 1 \(user "dave"\): a plain-text password.*"htpasswd -B /);
    assert.match(at(join(dir, 'empty'))[0]?.message ?? '', /has no users/);
    assert.equal(at(join(dir, 'plain'))[0]?.path, 'sites.0.access.basicAuth.htpasswdFile');
  });

  it('checks add_header names and values', () => {
    const loc = (addHeaders: Record<string, string>) => config({ locations: [{ match: { kind: 'prefix', path: '/' }, handler: { type: 'static', addHeaders } }] });
    assert.deepEqual(issues(loc({ 'X-Ok': 'fine', 'Content-Security-Policy': "default-src 'self'" })), []);
    assert.match(issues(loc({ 'Bad Name': 'x' }))[0]?.message ?? '', /not a header name/);
    assert.match(issues(loc({ 'Content-Length': '5' }))[0]?.message ?? '', /set by the static handler/);
    assert.match(issues(loc({ 'X-Split': 'a\r\nSet-Cookie: x' }))[0]?.message ?? '', /line breaks/);
  });

  it('accepts log settings and refuses unknown levels', () => {
    const ok = validateConfig(config({}, { logs: { errorLevel: 'info' } }));
    assert.ok(ok.ok);
    assert.deepEqual(ok.ok ? ok.config.settings.logs : null, { errorLevel: 'info', rotateBytes: 10_485_760, keep: 5 });
    assert.equal(issues(config({}, { logs: { errorLevel: 'debug' as 'info' } }))[0]?.path, 'settings.logs.errorLevel');
  });
});
