import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig } from './validate.js';

function issues(input: unknown): string[] {
  const r = validateConfig(input);
  return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`);
}

const base = { schemaVersion: 1 };
const flask = { id: 'flask', runtime: 'wsgi', workingDir: '/srv/flask', entry: 'app:app' };

describe('app checks', () => {
  test('a valid app and an app location pass', () => {
    assert.deepEqual(issues({ ...base, apps: [flask], sites: [{ id: 's', names: ['a.test'], locations: [{ match: { kind: 'prefix', path: '/' }, handler: { type: 'app', app: 'flask' } }] }] }), []);
  });
  test('processes 0 and an unknown runtime: the field paths', () => {
    const found = issues({ ...base, apps: [{ ...flask, processes: 0 }, { ...flask, id: 'b', runtime: 'cobol' }] });
    assert.ok(found.some((i) => i.startsWith('apps.0.processes:')), found.join('\n'));
    assert.ok(found.some((i) => i.startsWith('apps.1.runtime:')), found.join('\n'));
  });
  test('duplicate ids, a relative working dir, a bad entry, bad sockets', () => {
    const found = issues({
      ...base,
      apps: [
        flask,
        { ...flask, workingDir: 'srv', entry: 'not a module' },
        { ...flask, id: 'web', runtime: 'node', entry: 'server.js', socket: 'unix:/tmp/x.sock' },
        { ...flask, id: 'w2', socket: '127.0.0.1:9000' },
        { ...flask, id: 'w3', runtime: 'uwsgi', socket: 'unix:relative.sock' },
      ],
    });
    for (const p of ['apps.1.id', 'apps.1.workingDir', 'apps.1.entry', 'apps.2.socket', 'apps.3.socket', 'apps.4.socket']) {
      assert.ok(found.some((i) => i.startsWith(`${p}:`)), `${p} in\n${found.join('\n')}`);
    }
  });
  test('locations: unknown app, uwsgi/fastcgi upstream protocol, split_path_info groups', () => {
    const found = issues({
      ...base,
      upstreams: [{ id: 'web', protocol: 'http', servers: [{ address: '127.0.0.1:1' }] }],
      sites: [
        {
          id: 's',
          names: ['a.test'],
          root: '/srv',
          locations: [
            { match: { kind: 'prefix', path: '/a' }, handler: { type: 'app', app: 'ghost' } },
            { match: { kind: 'prefix', path: '/b' }, handler: { type: 'uwsgi', upstream: 'web' } },
            { match: { kind: 'regex', path: '\\.php$' }, handler: { type: 'fastcgi', upstream: 'nope', splitPathInfo: '^.+\\.php$' } },
          ],
        },
      ],
    });
    for (const p of ['sites.0.locations.0.handler.app', 'sites.0.locations.1.handler.upstream', 'sites.0.locations.2.handler.upstream', 'sites.0.locations.2.handler.splitPathInfo']) {
      assert.ok(found.some((i) => i.startsWith(`${p}:`)), `${p} in\n${found.join('\n')}`);
    }
  });
});
