import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { splitDuration } from '../src/format/duration.js';
import { listenUrl, listeningUrls } from '../src/format/listening.js';
import { siteListenPorts, siteNameLinks } from '../src/format/site-links.js';
import { siteListens } from '../../server-core/config/site-listens.js';

describe('splitDuration', () => {
  it('keeps the two largest units', () => {
    assert.deepEqual(splitDuration(0), { unit: 'seconds', s: 0 });
    assert.deepEqual(splitDuration(59_999), { unit: 'seconds', s: 59 });
    assert.deepEqual(splitDuration(60_000), { unit: 'minutes', m: 1, s: 0 });
    assert.deepEqual(splitDuration(192_000), { unit: 'minutes', m: 3, s: 12 });
    assert.deepEqual(splitDuration(3_723_000), { unit: 'hours', h: 1, m: 2 });
    assert.deepEqual(splitDuration(90_061_000), { unit: 'days', d: 1, h: 1 });
  });

  it('treats negative and non-finite input as zero', () => {
    assert.deepEqual(splitDuration(-5_000), { unit: 'seconds', s: 0 });
    assert.deepEqual(splitDuration(Number.NaN), { unit: 'seconds', s: 0 });
    assert.deepEqual(splitDuration(Number.POSITIVE_INFINITY), { unit: 'seconds', s: 0 });
  });
});

describe('listeningUrls', () => {
  it('formats the proxy listen addresses, IPv6 in brackets', () => {
    assert.equal(listenUrl({ address: '127.0.0.1', port: 8080, protocol: 'http' }), 'http://127.0.0.1:8080');
    assert.equal(listenUrl({ address: '::1', port: 8443, protocol: 'https' }), 'https://[::1]:8443');
  });

  it('reads ListenAddress objects and strings, and skips anything else', () => {
    const detail = {
      listening: [
        { address: '127.0.0.1', port: 41234, protocol: 'http' },
        { address: '::1', port: 41234, protocol: 'http' },
        'unix:/tmp/berth.sock',
        { address: '127.0.0.1', port: '80', protocol: 'http' },
        { address: '127.0.0.1', port: 80, protocol: 'gopher' },
        '',
        null,
      ],
    };
    assert.deepEqual(listeningUrls(detail), ['http://127.0.0.1:41234', 'http://[::1]:41234', 'unix:/tmp/berth.sock']);
  });

  it('returns nothing when the child reported no listen list', () => {
    assert.deepEqual(listeningUrls({}), []);
    assert.deepEqual(listeningUrls({ listening: 'http://127.0.0.1:8080' }), []);
  });
});

describe('siteNameLinks', () => {
  const base = {
    id: 's',
    root: '/srv/s',
    index: ['index.html'],
    accessLog: true,
    locations: [],
    errorPages: [],
    access: { rules: [] },
    limits: { maxBodyBytes: 1_048_576, headerTimeoutS: 60, bodyTimeoutS: 60, keepaliveTimeoutS: 75 },
  };

  it('links exact names on the stack HTTP port when the site has no listen', () => {
    const links = siteNameLinks({ ...base, names: ['welcome.localhost', '*.welcome.localhost', 'app.*', '~^api\\.', '_'], listen: [] }, { httpPort: 41234, httpsPort: 41443 });
    assert.deepEqual(links, [
      { name: 'welcome.localhost', url: 'http://welcome.localhost:41234/', secureUrl: null },
      { name: '*.welcome.localhost', url: null, secureUrl: null },
      { name: 'app.*', url: null, secureUrl: null },
      { name: '~^api\\.', url: null, secureUrl: null },
      { name: '_', url: null, secureUrl: null },
    ]);
  });

  const ports = { httpPort: 8080, httpsPort: 8443 };
  const tls = { certificate: 'auto', redirectHttp: false, hstsMaxAgeS: 0 };

  it('links a TLS site with no listen on the stack HTTP port, with its HTTPS port as the secure link', () => {
    const links = siteNameLinks({ ...base, names: ['welcome.localhost', '*.welcome.localhost'], listen: [], tls }, { httpPort: 41234, httpsPort: 41443 });
    assert.deepEqual(links, [
      { name: 'welcome.localhost', url: 'http://welcome.localhost:41234/', secureUrl: 'https://welcome.localhost:41443/' },
      { name: '*.welcome.localhost', url: null, secureUrl: null },
    ]);
    // A site that redirects HTTP to HTTPS links HTTPS directly.
    const redirecting = siteNameLinks({ ...base, names: ['a.localhost'], listen: [], tls: { ...tls, redirectHttp: true } }, ports);
    assert.deepEqual(redirecting, [{ name: 'a.localhost', url: 'https://a.localhost:8443/', secureUrl: null }]);
  });

  it('mirrors server-core siteListens (the one default-listen rule) port for port', () => {
    const cases = [
      { listen: [], tls: undefined },
      { listen: [], tls },
      { listen: [{ port: 9000, tls: false, http2: true, defaultServer: true }], tls: undefined },
      { listen: [{ port: 9443, tls: true, http2: false, defaultServer: false }, { port: 9000, tls: false, http2: true, defaultServer: false }], tls },
    ];
    for (const c of cases) {
      for (const p of [ports, { httpPort: 18080, httpsPort: 18443 }]) {
        const server = siteListens(c, p).map((l) => ({ port: l.port, tls: l.tls, defaultServer: l.defaultServer, implicit: l.implicit }));
        assert.deepEqual(siteListenPorts(c, p), server, JSON.stringify(c));
      }
    }
  });

  it('prefers a plain HTTP listen entry, then a TLS one, and drops default ports', () => {
    const tlsFirst = [
      { port: 8443, tls: true, http2: true, defaultServer: false },
      { port: 9000, tls: false, http2: true, defaultServer: false },
    ];
    assert.equal(siteNameLinks({ ...base, names: ['a.test'], listen: tlsFirst }, ports)[0]?.url, 'http://a.test:9000/');
    const tlsOnly = [{ port: 443, tls: true, http2: true, defaultServer: false }];
    assert.equal(siteNameLinks({ ...base, names: ['a.test'], listen: tlsOnly }, ports)[0]?.url, 'https://a.test/');
    const port80 = [{ port: 80, tls: false, http2: true, defaultServer: true }];
    assert.equal(siteNameLinks({ ...base, names: ['a.test'], listen: port80 }, ports)[0]?.url, 'http://a.test/');
  });

  it('gives no link while the port is unknown or still 0 (any free port)', () => {
    assert.equal(siteNameLinks({ ...base, names: ['a.test'], listen: [] }, { httpPort: null, httpsPort: null })[0]?.url, null);
    assert.equal(siteNameLinks({ ...base, names: ['a.test'], listen: [{ port: 0, tls: false, http2: true, defaultServer: false }] }, ports)[0]?.url, null);
  });
});
