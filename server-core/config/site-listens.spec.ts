import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configSchema } from './schema.js';
import { listensAreImplicit, siteListens, withSiteListens } from './site-listens.js';

const ports = { httpPort: 8080, httpsPort: 8443 };
const tls = { certificate: 'auto', redirectHttp: false, hstsMaxAgeS: 0 } as const;

describe('siteListens', () => {
  it('no listen and no tls: the stack HTTP port only (nginx: listen 80)', () => {
    assert.deepEqual(siteListens({ listen: [] }, ports), [{ port: 8080, tls: false, http2: false, defaultServer: false, implicit: true }]);
  });

  it('no listen with a tls block: the HTTP port and the HTTPS port with TLS and h2', () => {
    assert.deepEqual(siteListens({ listen: [], tls }, { httpPort: 18080, httpsPort: 18443 }), [
      { port: 18080, tls: false, http2: false, defaultServer: false, implicit: true },
      { port: 18443, tls: true, http2: true, defaultServer: false, implicit: true },
    ]);
  });

  it('explicit listens are kept as written, tls block or not', () => {
    const listen = [{ port: 9443, tls: true, http2: false, defaultServer: true }];
    assert.deepEqual(siteListens({ listen, tls }, ports), [{ ...listen[0], implicit: false }]);
  });
});

describe('listensAreImplicit', () => {
  it('recognises exactly the default pair, in any order', () => {
    const pair = [
      { port: 8443, tls: true, http2: true, defaultServer: false },
      { port: 8080, tls: false, http2: true, defaultServer: false },
    ];
    assert.equal(listensAreImplicit(pair, true, ports), true);
    assert.equal(listensAreImplicit(pair, true, { httpPort: 8080, httpsPort: 9443 }), false);
    assert.equal(listensAreImplicit([pair[0] as (typeof pair)[0]], true, ports), false);
    assert.equal(listensAreImplicit([{ ...pair[0], http2: false } as (typeof pair)[0], pair[1] as (typeof pair)[0]], true, ports), false);
    assert.equal(listensAreImplicit([{ ...pair[0], defaultServer: true } as (typeof pair)[0], pair[1] as (typeof pair)[0]], true, ports), false);
  });
});

describe('withSiteListens', () => {
  it('makes implicit listens explicit and leaves explicit sites untouched', () => {
    const config = configSchema.parse({
      schemaVersion: 1,
      sites: [
        { id: 'a', names: ['a.localhost'], tls: { certificate: 'auto' } },
        { id: 'b', names: ['b.localhost'], listen: [{ port: 9000 }] },
      ],
    });
    const out = withSiteListens(config, { httpPort: 1, httpsPort: 2 });
    assert.deepEqual(out.sites[0]?.listen, [
      { port: 1, tls: false, http2: false, defaultServer: false },
      { port: 2, tls: true, http2: true, defaultServer: false },
    ]);
    assert.equal(out.sites[1], config.sites[1]);
    assert.deepEqual(config.sites[0]?.listen, [], 'the input config is not changed');
  });
});
