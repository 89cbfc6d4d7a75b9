import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { etagListMatches, evaluatePreconditions, evaluateRange, httpDate, makeEtag, type Validators } from './conditional.js';

// 2026-11-21T11:00:00.750Z: sub-second part must not matter (HTTP dates are whole seconds).
const mtimeMs = Date.UTC(2026, 10, 21, 11, 0, 0, 750);
const v: Validators = { etag: makeEtag(mtimeMs, 1234), mtimeMs };
const lastModified = httpDate(mtimeMs);

describe('validators', () => {
  it('builds nginx-style ETags from mtime seconds and size in hex', () => {
    assert.equal(makeEtag(mtimeMs, 1234), `"${Math.floor(mtimeMs / 1000).toString(16)}-4d2"`);
    assert.equal(makeEtag(0x5f5e100 * 1000, 0), '"5f5e100-0"');
    assert.equal(lastModified, 'Sat, 21 Nov 2026 11:00:00 GMT');
  });

  it('compares entity tags strongly or weakly', () => {
    assert.equal(etagListMatches(`"x", ${v.etag}`, v.etag, 'strong'), true);
    assert.equal(etagListMatches(`W/${v.etag}`, v.etag, 'strong'), false);
    assert.equal(etagListMatches(`W/${v.etag}`, v.etag, 'weak'), true);
    assert.equal(etagListMatches('*', v.etag, 'strong'), true);
    assert.equal(etagListMatches('"other"', v.etag, 'weak'), false);
  });
});

describe('conditional requests', () => {
  it('If-None-Match with the current ETag → 304', () => {
    assert.equal(evaluatePreconditions({ method: 'GET', ifNoneMatch: v.etag }, v), 'not-modified');
    assert.equal(evaluatePreconditions({ method: 'HEAD', ifNoneMatch: '*' }, v), 'not-modified');
    assert.equal(evaluatePreconditions({ method: 'GET', ifNoneMatch: '"stale"' }, v), 'proceed');
  });

  it('with both, a 304 needs both to say "not modified" (nginx), not If-None-Match alone (RFC 9110)', () => {
    assert.equal(evaluatePreconditions({ method: 'GET', ifNoneMatch: '"stale"', ifModifiedSince: lastModified }, v), 'proceed');
    assert.equal(evaluatePreconditions({ method: 'GET', ifNoneMatch: v.etag, ifModifiedSince: 'Thu, 01 Jan 1970 00:00:00 GMT' }, v), 'proceed');
    assert.equal(evaluatePreconditions({ method: 'GET', ifNoneMatch: v.etag, ifModifiedSince: httpDate(mtimeMs + 60_000) }, v), 'proceed');
    assert.equal(evaluatePreconditions({ method: 'GET', ifNoneMatch: v.etag, ifModifiedSince: lastModified }, v), 'not-modified');
  });

  it('If-Modified-Since → 304 only for the mtime itself (nginx if_modified_since exact)', () => {
    assert.equal(evaluatePreconditions({ method: 'GET', ifModifiedSince: lastModified }, v), 'not-modified');
    assert.equal(evaluatePreconditions({ method: 'GET', ifModifiedSince: httpDate(mtimeMs + 60_000) }, v), 'proceed');
    assert.equal(evaluatePreconditions({ method: 'GET', ifModifiedSince: httpDate(mtimeMs + 1000) }, v), 'proceed');
    assert.equal(evaluatePreconditions({ method: 'GET', ifModifiedSince: httpDate(mtimeMs - 1000) }, v), 'proceed');
    assert.equal(evaluatePreconditions({ method: 'GET', ifModifiedSince: 'not a date' }, v), 'proceed');
    // Read as nginx reads dates: no zone, another case, trailing parameters are the same second.
    assert.equal(evaluatePreconditions({ method: 'GET', ifModifiedSince: 'Sat, 21 Nov 2026 11:00:00' }, v), 'not-modified');
    assert.equal(evaluatePreconditions({ method: 'GET', ifModifiedSince: `${lastModified}; length=1234` }, v), 'not-modified');
  });

  it('If-Match / If-Unmodified-Since failures → 412, each checked (nginx), an unreadable date too', () => {
    assert.equal(evaluatePreconditions({ method: 'GET', ifMatch: '"stale"' }, v), 'precondition-failed');
    assert.equal(evaluatePreconditions({ method: 'GET', ifMatch: v.etag }, v), 'proceed');
    assert.equal(evaluatePreconditions({ method: 'GET', ifMatch: `W/${v.etag}` }, v), 'precondition-failed');
    assert.equal(evaluatePreconditions({ method: 'GET', ifUnmodifiedSince: httpDate(mtimeMs - 1000) }, v), 'precondition-failed');
    assert.equal(evaluatePreconditions({ method: 'GET', ifUnmodifiedSince: lastModified }, v), 'proceed');
    assert.equal(evaluatePreconditions({ method: 'GET', ifUnmodifiedSince: 'garbage' }, v), 'precondition-failed');
    assert.equal(evaluatePreconditions({ method: 'GET', ifUnmodifiedSince: httpDate(mtimeMs - 1000), ifMatch: v.etag }, v), 'precondition-failed');
  });
});

describe('byte ranges', () => {
  const size = 1000;

  it('serves one range as 206 bounds', () => {
    assert.deepEqual(evaluateRange('bytes=0-99', undefined, size, v), { kind: 'partial', start: 0, end: 99 });
    assert.deepEqual(evaluateRange('bytes=900-', undefined, size, v), { kind: 'partial', start: 900, end: 999 });
    assert.deepEqual(evaluateRange('bytes=-100', undefined, size, v), { kind: 'partial', start: 900, end: 999 });
    assert.deepEqual(evaluateRange('bytes=-5000', undefined, size, v), { kind: 'partial', start: 0, end: 999 });
    assert.deepEqual(evaluateRange('bytes=990-5000', undefined, size, v), { kind: 'partial', start: 990, end: 999 });
    assert.deepEqual(evaluateRange('Bytes=5-5', undefined, size, v), { kind: 'partial', start: 5, end: 5 });
    assert.deepEqual(evaluateRange('bytes= 5 - 5 ', undefined, size, v), { kind: 'partial', start: 5, end: 5 });
  });

  it('416 for ranges that start past the end', () => {
    assert.deepEqual(evaluateRange('bytes=1000-', undefined, size, v), { kind: 'unsatisfiable' });
    assert.deepEqual(evaluateRange('bytes=-0', undefined, size, v), { kind: 'unsatisfiable' });
    assert.deepEqual(evaluateRange('bytes=5-1', undefined, size, v), { kind: 'unsatisfiable' });
  });

  it('an empty file: the whole (empty) file for a well-formed range, as nginx answers; 416 for a malformed one or a start past the end', () => {
    assert.deepEqual(evaluateRange('bytes=0-', undefined, 0, v), { kind: 'full' });
    assert.deepEqual(evaluateRange('bytes=-5', undefined, 0, v), { kind: 'full' });
    assert.deepEqual(evaluateRange('bytes=abc', undefined, 0, v), { kind: 'unsatisfiable' });
    assert.deepEqual(evaluateRange('bytes=5-2', undefined, 0, v), { kind: 'unsatisfiable' });
  });

  it('several ranges: multipart in the order asked; one left after the unsatisfiable ones: a single range; overlaps past the size: the whole file (nginx)', () => {
    assert.deepEqual(evaluateRange('bytes=0-1,5-6', undefined, size, v), { kind: 'multipart', ranges: [{ start: 0, end: 1 }, { start: 5, end: 6 }] });
    assert.deepEqual(evaluateRange('bytes=900-, -10, 3-3', undefined, size, v), { kind: 'multipart', ranges: [{ start: 900, end: 999 }, { start: 990, end: 999 }, { start: 3, end: 3 }] });
    assert.deepEqual(evaluateRange('bytes=0-1,5000-6000', undefined, size, v), { kind: 'partial', start: 0, end: 1 });
    assert.deepEqual(evaluateRange('bytes=5000-,6000-7000', undefined, size, v), { kind: 'unsatisfiable' });
    assert.deepEqual(evaluateRange('bytes=0-799,200-999', undefined, size, v), { kind: 'full' });
    assert.deepEqual(evaluateRange(`bytes=${Array.from({ length: 101 }, (_, i) => `${i}-${i}`).join(',')}`, undefined, size, v), { kind: 'full' });
  });

  it('ignores another unit, `bytes =` or `bytes=` alone, as nginx does', () => {
    assert.deepEqual(evaluateRange('items=0-1', undefined, size, v), { kind: 'full' });
    assert.deepEqual(evaluateRange('bytes = 0-1', undefined, size, v), { kind: 'full' });
    assert.deepEqual(evaluateRange('bytes=', undefined, size, v), { kind: 'full' });
    assert.deepEqual(evaluateRange(undefined, undefined, size, v), { kind: 'full' });
  });

  it('416 for a bytes= header nginx cannot parse (ngx_http_range_parse)', () => {
    for (const bad of ['bytes=a-b', 'bytes=abc', 'bytes=-', 'bytes=0-4x', 'bytes=1-2-3', 'bytes=0-4,', 'bytes=,0-4', 'bytes=0-1,,2-3', 'bytes=\t0-4', 'bytes=0-99999999999999999999', 'bytes=0-9223372036854775808']) {
      assert.deepEqual(evaluateRange(bad, undefined, size, v), { kind: 'unsatisfiable' }, bad);
    }
    // The largest off_t still parses (and is clipped to the file).
    assert.deepEqual(evaluateRange('bytes=0-9223372036854775807', undefined, size, v), { kind: 'partial', start: 0, end: 999 });
    // A reversed range is left out like one past the end.
    assert.deepEqual(evaluateRange('bytes=5-2,0-1', undefined, size, v), { kind: 'partial', start: 0, end: 1 });
  });

  it('If-Range is checked before the syntax: a stale one means the whole file even for a malformed range', () => {
    assert.deepEqual(evaluateRange('bytes=abc', '"old"', size, v), { kind: 'full' });
  });

  it('If-Range: the range applies only while the validator matches', () => {
    assert.deepEqual(evaluateRange('bytes=0-9', v.etag, size, v), { kind: 'partial', start: 0, end: 9 });
    assert.deepEqual(evaluateRange('bytes=0-9', lastModified, size, v), { kind: 'partial', start: 0, end: 9 });
    assert.deepEqual(evaluateRange('bytes=0-9', '"old"', size, v), { kind: 'full' });
    assert.deepEqual(evaluateRange('bytes=0-9', `W/${v.etag}`, size, v), { kind: 'full' });
    assert.deepEqual(evaluateRange('bytes=0-9', httpDate(mtimeMs - 1000), size, v), { kind: 'full' });
  });
});
