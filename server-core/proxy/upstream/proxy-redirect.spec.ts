import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileLocation } from '../locations.js';
import { defaultRedirect, rewriteRedirects } from './proxy-redirect.js';

const prefix = compileLocation({ kind: 'prefix', path: '/app/' }, { type: 'proxy', upstream: 'x' } as never);
const regex = compileLocation({ kind: 'regex', path: '\\.php$' }, { type: 'proxy', upstream: 'x' } as never);
const absolute = (path: string) => `https://site.test:8443${path}`;

describe('proxy_redirect default', () => {
  it('is the proxy_pass URL → the location path, or URL/ → / without a URI part; none for a regex location with a URI', () => {
    assert.deepEqual(defaultRedirect('127.0.0.1:3000', '/app2/', prefix), { from: 'http://127.0.0.1:3000/app2/', to: '/app/' });
    assert.deepEqual(defaultRedirect('backend', null, prefix), { from: 'http://backend/', to: '/' });
    assert.deepEqual(defaultRedirect('backend', null, regex), { from: 'http://backend/', to: '/' });
    assert.equal(defaultRedirect('backend', '/x/', regex), null);
  });

  it('rewrites Location (made absolute) and the URL of Refresh; anything else passes as it came', () => {
    const r = { from: 'http://127.0.0.1:3000/app2/', to: '/app/' };
    const raw = ['Location', 'http://127.0.0.1:3000/app2/next?a=1', 'refresh', '5; URL=http://127.0.0.1:3000/app2/later', 'X-Other', 'http://127.0.0.1:3000/app2/'];
    assert.deepEqual(rewriteRedirects(raw, r, absolute), ['Location', 'https://site.test:8443/app/next?a=1', 'refresh', '5; URL=/app/later', 'X-Other', 'http://127.0.0.1:3000/app2/']);
    // Unmatched (another host, a relative path, a different case: nginx compares with case): the same array.
    for (const location of ['http://elsewhere/app2/x', '/app2/x', 'HTTP://127.0.0.1:3000/app2/x']) {
      const same = ['Location', location];
      assert.equal(rewriteRedirects(same, r, absolute), same);
    }
  });
});
