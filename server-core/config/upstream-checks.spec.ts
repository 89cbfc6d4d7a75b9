import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BerthConfigInput } from './schema.js';
import { validateConfig } from './validate.js';

type Loc = NonNullable<NonNullable<BerthConfigInput['sites']>[number]['locations']>[number];

function cfg(locations: Loc[], upstreams: BerthConfigInput['upstreams'] = []): BerthConfigInput {
  return { schemaVersion: 1, sites: [{ id: 's', names: ['s.test'], locations }], upstreams };
}

function issues(input: BerthConfigInput): Array<{ path: string; message: string }> {
  const r = validateConfig(input);
  return r.ok ? [] : r.issues;
}

const proxy = (handler: Record<string, unknown>, path = '/a/'): Loc => ({ match: { kind: 'prefix', path }, handler: { type: 'proxy', ...handler } as Loc['handler'] });

describe('proxy and upstream checks', () => {
  it('accepts a proxy location to a known http upstream or a URL', () => {
    const ok = validateConfig(cfg([proxy({ upstream: 'app' }), proxy({ url: 'http://127.0.0.1:3000/x/' }, '/b/'), proxy({ url: 'http://unix:/run/app.sock:' }, '/c/'), proxy({ url: 'http://app/v2/' }, '/d/')], [{ id: 'app', servers: [{ address: '127.0.0.1:3000' }, { address: '[::1]:3001' }, { address: 'unix:/run/a.sock' }] }]));
    assert.equal(ok.ok, true, JSON.stringify(ok));
  });

  it('refuses an unknown upstream, both or neither target, and a non-http upstream', () => {
    const found = issues(cfg([proxy({ upstream: 'nope' }), proxy({ upstream: 'app', url: 'http://127.0.0.1:1' }, '/b/'), proxy({}, '/c/'), proxy({ upstream: 'py' }, '/d/')], [{ id: 'app', servers: [{ address: '127.0.0.1:1' }] }, { id: 'py', protocol: 'uwsgi', servers: [{ address: '127.0.0.1:2' }] }]));
    assert.deepEqual(
      found.map((i) => i.path),
      ['sites.0.locations.0.handler.upstream', 'sites.0.locations.1.handler', 'sites.0.locations.2.handler', 'sites.0.locations.3.handler.upstream'],
    );
    assert.match(found[0]?.message ?? '', /no upstream "nope"; known upstreams: "app", "py"/);
    assert.match(found[3]?.message ?? '', /speaks uwsgi/);
  });

  it('refuses https URLs and a URL path in a regex location, like nginx', () => {
    const found = issues(cfg([proxy({ url: 'https://127.0.0.1:1' }), { match: { kind: 'regex', path: '\\.php$' }, handler: { type: 'proxy', url: 'http://127.0.0.1:1/x' } }]));
    assert.deepEqual(found.map((i) => i.path), ['sites.0.locations.0.handler.url', 'sites.0.locations.1.handler.url']);
    assert.match(found[1]?.message ?? '', /regex location/);
  });

  it('refuses bad addresses, duplicate ids and servers, and backup with ip_hash / random_two', () => {
    const found = issues(
      cfg(
        [proxy({ upstream: 'u' })],
        [
          { id: 'u', servers: [{ address: 'not a host:x' }, { address: '::1:80' }, { address: '127.0.0.1:1' }, { address: '127.0.0.1:1' }] },
          { id: 'u', method: 'ip_hash', servers: [{ address: '127.0.0.1:2', backup: true }] },
        ],
      ),
    );
    assert.deepEqual(found.map((i) => i.path), ['upstreams.0.servers.0.address', 'upstreams.0.servers.1.address', 'upstreams.0.servers.3.address', 'upstreams.1.id', 'upstreams.1.servers.0.backup']);
  });
});

describe('upstream keepalive default', () => {
  const keepalive = (upstream: Record<string, unknown>): number | undefined => {
    const r = validateConfig({ schemaVersion: 1, upstreams: [{ id: 'u', servers: [{ address: '127.0.0.1:9000' }], ...upstream }] as BerthConfigInput['upstreams'] });
    assert.ok(r.ok, JSON.stringify(r));
    return r.config.upstreams[0]?.keepalive;
  };

  it('is 32 for http and uwsgi, 0 for fastcgi (a kept connection holds a PHP-FPM child), and a given value stays', () => {
    assert.equal(keepalive({}), 32);
    assert.equal(keepalive({ protocol: 'uwsgi' }), 32);
    assert.equal(keepalive({ protocol: 'fastcgi' }), 0);
    assert.equal(keepalive({ protocol: 'fastcgi', keepalive: 8 }), 8);
    assert.equal(keepalive({ protocol: 'http', keepalive: 0 }), 0);
  });
});
