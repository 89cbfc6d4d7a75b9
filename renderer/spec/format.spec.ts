import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { splitDuration } from '../src/format/duration.js';
import { listenUrl, listeningUrls } from '../src/format/listening.js';
import { siteNameLinks } from '../src/format/site-links.js';

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
    access: { rules: [] },
    limits: { maxBodyBytes: 1_048_576, headerTimeoutS: 60, bodyTimeoutS: 60, keepaliveTimeoutS: 75 },
  };

  it('links exact names on the stack HTTP port when the site has no listen', () => {
    const links = siteNameLinks({ ...base, names: ['welcome.localhost', '*.welcome.localhost', 'app.*', '~^api\\.', '_'], listen: [] }, 41234);
    assert.deepEqual(links, [
      { name: 'welcome.localhost', url: 'http://welcome.localhost:41234/' },
      { name: '*.welcome.localhost', url: null },
      { name: 'app.*', url: null },
      { name: '~^api\\.', url: null },
      { name: '_', url: null },
    ]);
  });

  it('prefers a plain HTTP listen entry, then a TLS one, and drops default ports', () => {
    const tlsFirst = [
      { port: 8443, tls: true, http2: true, defaultServer: false },
      { port: 9000, tls: false, http2: true, defaultServer: false },
    ];
    assert.equal(siteNameLinks({ ...base, names: ['a.test'], listen: tlsFirst }, 8080)[0]?.url, 'http://a.test:9000/');
    const tlsOnly = [{ port: 443, tls: true, http2: true, defaultServer: false }];
    assert.equal(siteNameLinks({ ...base, names: ['a.test'], listen: tlsOnly }, 8080)[0]?.url, 'https://a.test/');
    const port80 = [{ port: 80, tls: false, http2: true, defaultServer: true }];
    assert.equal(siteNameLinks({ ...base, names: ['a.test'], listen: port80 }, 8080)[0]?.url, 'http://a.test/');
  });

  it('gives no link while the port is unknown or still 0 (any free port)', () => {
    assert.equal(siteNameLinks({ ...base, names: ['a.test'], listen: [] }, null)[0]?.url, null);
    assert.equal(siteNameLinks({ ...base, names: ['a.test'], listen: [{ port: 0, tls: false, http2: true, defaultServer: false }] }, 8080)[0]?.url, null);
  });
});
