import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { headersFromRaw } from './http1/request.js';
import { rawHeader, rawHeaderCount } from './raw-headers.js';

describe('raw header lookups', () => {
  const raw = ['Host', 'a.test', 'X-Forwarded-For', '1.2.3.4', 'content-length', '5', 'HOST', 'b.test', 'Transfer-Encoding', 'chunked'];

  it('finds the first value of a name in any case, as headers[name] does for single fields', () => {
    const headers = headersFromRaw(raw);
    for (const name of ['host', 'content-length', 'x-forwarded-for', 'transfer-encoding']) assert.equal(rawHeader(raw, name), headers[name], name);
    assert.equal(rawHeader(raw, 'referer'), undefined);
    // Same length as `host`, different name.
    assert.equal(rawHeader(['Hose', 'x'], 'host'), undefined);
  });

  it('counts repeated names case-insensitively', () => {
    assert.equal(rawHeaderCount(raw, 'host'), 2);
    assert.equal(rawHeaderCount(raw, 'content-length'), 1);
    assert.equal(rawHeaderCount(raw, 'upgrade'), 0);
  });
});
