import assert from 'node:assert/strict';
import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { acceptedCodings, compressBuffer, isCompressibleType, negotiateEncoding, varyWithAcceptEncoding, weakEtag } from './compress.js';

describe('Accept-Encoding negotiation (RFC 9110 §12.5.3)', () => {
  it('prefers brotli on a tie and follows q-values otherwise', () => {
    assert.equal(negotiateEncoding('gzip, deflate, br'), 'br');
    assert.equal(negotiateEncoding('gzip;q=1.0, br;q=0.5'), 'gzip');
    assert.equal(negotiateEncoding('br;q=0.2, gzip;q=0.8'), 'gzip');
    assert.equal(negotiateEncoding('GZIP'), 'gzip');
    assert.equal(negotiateEncoding('x-gzip'), 'gzip');
    assert.equal(negotiateEncoding('deflate'), null);
  });

  it('treats q=0 as "not acceptable", also through *', () => {
    assert.equal(negotiateEncoding('br;q=0, gzip'), 'gzip');
    assert.equal(negotiateEncoding('gzip;q=0, br;q=0'), null);
    assert.equal(negotiateEncoding('*;q=0'), null);
    assert.equal(negotiateEncoding('*'), 'br');
    assert.equal(negotiateEncoding('gzip;q=0, *'), 'br');
    assert.equal(negotiateEncoding('br;q=0, *;q=0.5'), 'gzip');
    assert.equal(negotiateEncoding('gzip; q=0.000'), null);
  });

  it('means identity without a header, with an empty one, or when nothing offered is available', () => {
    assert.equal(negotiateEncoding(undefined), null);
    assert.equal(negotiateEncoding(''), null);
    assert.equal(negotiateEncoding('identity'), null);
    assert.equal(negotiateEncoding('br', ['gzip']), null);
    assert.equal(negotiateEncoding('br, gzip', ['gzip']), 'gzip');
    assert.deepEqual(acceptedCodings('gzip;q=0.1, br;q=0'), ['gzip']);
  });

  it('ignores malformed q parameters (weight stays 1)', () => {
    assert.equal(negotiateEncoding('gzip;q=abc'), 'gzip');
    assert.equal(negotiateEncoding('gzip;q=2'), 'gzip');
  });
});

describe('compressible types and encoders', () => {
  it('compresses text-like types only', () => {
    for (const t of ['text/html; charset=utf-8', 'text/css', 'application/javascript; charset=utf-8', 'application/json', 'image/svg+xml', 'application/ld+json', 'application/atom+xml', 'application/wasm', 'image/vnd.microsoft.icon', 'image/x-icon']) {
      assert.equal(isCompressibleType(t), true, t);
    }
    for (const t of ['image/png', 'image/jpeg', 'application/zip', 'video/mp4', 'application/octet-stream', 'font/woff2']) assert.equal(isCompressibleType(t), false, t);
  });

  it('round-trips gzip and brotli', async () => {
    const body = Buffer.from('hello compression '.repeat(200));
    assert.deepEqual(gunzipSync(await compressBuffer(body, 'gzip')), body);
    assert.deepEqual(brotliDecompressSync(await compressBuffer(body, 'br')), body);
    assert.ok((await compressBuffer(body, 'br')).length < body.length / 10);
  });

  it('weakens ETags once and adds Accept-Encoding to Vary once', () => {
    assert.equal(weakEtag('"a-1"'), 'W/"a-1"');
    assert.equal(weakEtag('W/"a-1"'), 'W/"a-1"');
    assert.equal(varyWithAcceptEncoding(undefined), 'Accept-Encoding');
    assert.equal(varyWithAcceptEncoding('Origin'), 'Origin, Accept-Encoding');
    assert.equal(varyWithAcceptEncoding('origin, accept-encoding'), 'origin, accept-encoding');
  });
});
