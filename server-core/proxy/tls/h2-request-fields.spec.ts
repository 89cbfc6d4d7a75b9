import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { duplicateUniqueField } from '../unique-fields.js';
import { http1FieldsOf } from './h2-request-fields.js';

describe('HTTP/2 request fields as HTTP/1.1 fields', () => {
  it('drops the pseudo-header fields and makes Host from :authority, first', () => {
    const raw = [':method', 'GET', ':path', '/p?q=1', ':scheme', 'https', ':authority', 'app.test:8443', 'user-agent', 'curl/8', 'accept', '*/*'];
    assert.deepEqual(http1FieldsOf(raw), ['host', 'app.test:8443', 'user-agent', 'curl/8', 'accept', '*/*']);
  });

  it('keeps a Host field the client sent and adds none when it names the :authority', () => {
    const raw = [':method', 'GET', ':authority', 'A.test:8443', ':path', '/', 'Host', 'a.test:8443'];
    assert.deepEqual(http1FieldsOf(raw), ['Host', 'a.test:8443']);
    assert.deepEqual(http1FieldsOf([':method', 'GET', ':path', '/', 'host', 'b.test']), ['host', 'b.test']);
  });

  it('a Host naming another entity than :authority becomes a second Host (the pipeline answers 400, as nginx; RFC 9113 §8.3.1)', () => {
    const raw = [':method', 'GET', ':authority', 'a.test', ':path', '/', 'Host', 'b.test'];
    assert.deepEqual(http1FieldsOf(raw), ['host', 'a.test', 'Host', 'b.test']);
  });

  it('adds no Host without :authority (or with an empty one)', () => {
    assert.deepEqual(http1FieldsOf([':method', 'GET', ':path', '/', ':scheme', 'https', 'x-a', '1']), ['x-a', '1']);
    assert.deepEqual(http1FieldsOf([':method', 'GET', ':authority', '', ':path', '/']), []);
  });

  it('joins cookie crumbs into one field with "; " where the first was (RFC 9113 §8.2.3)', () => {
    const raw = [':method', 'GET', ':authority', 'a.test', 'cookie', 'a=1', 'accept', '*/*', 'cookie', 'b=2', 'Cookie', 'c=3'];
    assert.deepEqual(http1FieldsOf(raw), ['host', 'a.test', 'cookie', 'a=1; b=2; c=3', 'accept', '*/*']);
  });

  it('returns the list itself when there is nothing to change', () => {
    const raw = ['host', 'a.test', 'cookie', 'a=1', 'x-b', '2'];
    assert.equal(http1FieldsOf(raw), raw);
  });

  it('keeps repeated fields other than Cookie as they are (the pipeline joins or refuses them)', () => {
    const raw = [':authority', 'a.test', 'x-forwarded-for', '10.0.0.1', 'x-forwarded-for', '10.0.0.2', 'accept', 'text/html', 'accept', '*/*'];
    assert.deepEqual(http1FieldsOf(raw), ['host', 'a.test', 'x-forwarded-for', '10.0.0.1', 'x-forwarded-for', '10.0.0.2', 'accept', 'text/html', 'accept', '*/*']);
  });

  it('finds a repeated field nginx takes once (its HTTP/2 module answers 400 too); Cookie, Range and the others may repeat', () => {
    assert.equal(duplicateUniqueField(['host', 'a.test', 'if-match', '"a"', 'accept', '*/*', 'if-match', '"b"']), 'if-match');
    assert.equal(duplicateUniqueField(['authorization', 'Basic eDp5', 'Authorization', 'Basic eDp5']), 'Authorization');
    assert.equal(duplicateUniqueField(['if-match', '"a"', 'if-none-match', '"a"', 'if-range', '"a"', 'range', 'bytes=0-1', 'range', 'bytes=2-3', 'cookie', 'a=1', 'cookie', 'b=2']), null);
  });
});
