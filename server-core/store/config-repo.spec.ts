import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigValidationError } from '../config/validate.js';
import { isBerthError } from '../errors.js';
import { openStore, type Store } from './database.js';

describe('ConfigRepo', () => {
  let dir: string;
  let store: Store;
  // An injectable clock the tests set.
  let clock = new Date('2026-01-01T12:00:00.000Z');
  const now = () => clock;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-config-repo-'));
    store = openStore(dir, { now });
  });
  after(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const alpha = { schemaVersion: 1, sites: [{ id: 'alpha', names: ['alpha.localhost'], root: '/srv/alpha' }] };
  const beta = {
    schemaVersion: 1,
    settings: { httpPort: 9080, httpsPort: 9443 },
    sites: [{ id: 'beta', names: ['beta.localhost'], root: '/srv/beta', index: ['home.html'] }],
  };

  it('has no current config before the first apply', () => {
    assert.equal(store.config.currentVersion(), null);
    assert.equal(store.config.current(), null);
    assert.deepEqual(store.config.list(10), []);
  });

  it('apply stores the parsed config with defaults filled in as a new current version', () => {
    clock = new Date('2026-01-01T12:30:00.000Z');
    const v1 = store.config.apply(alpha, 'first-run', 'demo');
    assert.deepEqual(v1, { version: 1, appliedAt: '2026-01-01T12:30:00.000Z', source: 'first-run', note: 'demo' });
    const current = store.config.current();
    assert.equal(current?.version, 1);
    assert.deepEqual(current?.config, {
      schemaVersion: 1,
      settings: { httpPort: 8080, httpsPort: 8443 },
      sites: [
        {
          id: 'alpha',
          names: ['alpha.localhost'],
          listen: [],
          root: '/srv/alpha',
          index: ['index.html'],
          accessLog: true,
          locations: [],
          errorPages: [],
          access: { rules: [] },
          limits: { maxBodyBytes: 1_048_576, headerTimeoutS: 60, bodyTimeoutS: 60, keepaliveTimeoutS: 75 },
        },
      ],
      upstreams: [],
      apps: [],
    });

    clock = new Date('2026-01-01T13:00:00.000Z');
    const v2 = store.config.apply(beta, 'api', '');
    assert.equal(v2.version, 2);
    assert.equal(v2.appliedAt, '2026-01-01T13:00:00.000Z');
    assert.equal(store.config.currentVersion(), 2);
    assert.equal(store.config.current()?.config.settings.httpPort, 9080);
  });

  it('list returns the newest versions first, up to the limit', () => {
    assert.deepEqual(
      store.config.list(10).map((v) => [v.version, v.source]),
      [
        [2, 'api'],
        [1, 'first-run'],
      ],
    );
    assert.deepEqual(
      store.config.list(1).map((v) => v.version),
      [2],
    );
  });

  it('get returns one version with its config, or null', () => {
    assert.equal(store.config.get(1)?.config.sites[0]?.id, 'alpha');
    assert.equal(store.config.get(2)?.config.sites[0]?.index[0], 'home.html');
    assert.equal(store.config.get(42), null);
  });

  it('restore writes a NEW version with the old content and source restore', () => {
    const restored = store.config.restore(1);
    assert.deepEqual(restored, { version: 3, appliedAt: restored.appliedAt, source: 'restore', note: 'restored version 1' });
    assert.equal(store.config.currentVersion(), 3);
    assert.deepEqual(store.config.get(3)?.config, store.config.get(1)?.config);
    // History is kept: version 2 is still there.
    assert.equal(store.config.get(2)?.config.sites[0]?.id, 'beta');
  });

  it('restore of a version that does not exist is BERTH_ERR_NOT_FOUND', () => {
    assert.throws(() => store.config.restore(99), (e: unknown) => isBerthError(e, 'BERTH_ERR_NOT_FOUND') && e.message.includes('99'));
  });

  it('apply refuses an invalid config with every issue and changes nothing', () => {
    const bad = {
      schemaVersion: 1,
      sites: [
        { id: 'a', names: ['same.localhost'], root: '/srv/a' },
        { id: 'a', names: ['same.localhost'], root: 'relative/dir' },
      ],
    };
    assert.throws(
      () => store.config.apply(bad, 'api', 'bad'),
      (e: unknown) =>
        e instanceof ConfigValidationError &&
        e.code === 'BERTH_ERR_VALIDATION' &&
        JSON.stringify(e.issues.map((i) => i.path)) === JSON.stringify(['sites.1.id', 'sites.1.names.0', 'sites.1.root']),
    );
    assert.equal(store.config.currentVersion(), 3);
    assert.equal(store.config.list(100).length, 3);
  });

  it('a stored config that no longer parses gives one readable error, not a zod dump', () => {
    const broken = JSON.stringify({ schemaVersion: 1, sites: [{ id: 'Not Valid', names: [], root: '/x' }] });
    const { lastInsertRowid } = store.db
      .prepare(`INSERT INTO config_versions (applied_at, source, note, schema_version, config) VALUES ('2026-01-01T00:00:00.000Z', 'import', 'hand edit', 1, ?)`)
      .run(broken);
    const version = Number(lastInsertRowid);
    assert.throws(
      () => store.config.get(version),
      (e: unknown) =>
        isBerthError(e, 'BERTH_ERR_CONFIG_UNREADABLE') &&
        e.message.includes(`version ${version}`) &&
        e.message.includes('sites.0.id: use lowercase letters') &&
        e.message.includes('sites.0.names: a site needs at least one name') &&
        !e.message.includes('"code"'),
    );
    // The list still works: only reading that version's content fails.
    assert.equal(store.config.list(1)[0]?.version, version);
  });
});
