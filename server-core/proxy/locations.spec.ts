import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LocationMatch } from '../config/schema.js';
import { compileLocation, selectLocation, type CompiledLocation } from './locations.js';

function loc(kind: LocationMatch['kind'], path: string, label: string): CompiledLocation {
  // The label rides in the return body so a test can tell which location won.
  return compileLocation({ kind, path }, { type: 'return', status: 200, body: label });
}

function pick(locations: CompiledLocation[], uri: string): string | null {
  const hit = selectLocation(locations, uri);
  if (!hit) return null;
  return hit.location.handler.type === 'return' ? hit.location.handler.body : null;
}

describe('location selection (nginx order)', () => {
  // The example from https://nginx.org/en/docs/http/ngx_http_core_module.html#location.
  const docs = [
    loc('exact', '/', 'A'),
    loc('prefix', '/', 'B'),
    loc('prefix', '/documents/', 'C'),
    loc('prefix-stop', '/images/', 'D'),
    loc('regex-i', '\\.(gif|jpg|jpeg)$', 'E'),
  ];

  it('matches the nginx documentation example', () => {
    assert.equal(pick(docs, '/'), 'A');
    assert.equal(pick(docs, '/index.html'), 'B');
    assert.equal(pick(docs, '/documents/document.html'), 'C');
    assert.equal(pick(docs, '/images/1.gif'), 'D');
    assert.equal(pick(docs, '/documents/1.jpg'), 'E');
  });

  it('~* is case-insensitive, ~ is not', () => {
    assert.equal(pick(docs, '/documents/1.JPG'), 'E');
    const sensitive = [loc('prefix', '/', 'P'), loc('regex', '\\.php$', 'R')];
    assert.equal(pick(sensitive, '/x.php'), 'R');
    assert.equal(pick(sensitive, '/x.PHP'), 'P');
  });

  it('reads regexes as PCRE, as nginx does: POSIX classes, (?P<name>…), a leading (?i)', () => {
    // JavaScript alone reads `[[:digit:]]` as a class of `[:digt` followed by a `]`.
    const locations = [loc('prefix', '/', 'P'), loc('regex', '^/n/[[:digit:]]+$', 'digits'), loc('regex', '^/u/(?P<user>[a-z]+)$', 'named'), loc('regex', '(?i)\\.TXT$', 'caseless')];
    assert.equal(pick(locations, '/n/123'), 'digits');
    assert.equal(pick(locations, '/n/d:]'), 'P');
    assert.equal(pick(locations, '/u/ann'), 'named');
    assert.deepEqual(selectLocation(locations, '/u/ann')?.captures.named, { user: 'ann' });
    assert.equal(pick(locations, '/a.txt'), 'caseless');
  });

  it('the first matching regex in config order wins, not the longest', () => {
    const locations = [loc('regex', '^/a', 'first'), loc('regex', '^/a/b/c', 'second'), loc('prefix', '/a/b/c/d', 'prefix')];
    assert.equal(pick(locations, '/a/b/c/d/e'), 'first');
  });

  it('a regex beats a longer plain prefix, but not a ^~ prefix', () => {
    const locations = [loc('prefix', '/static/', 'plain'), loc('prefix-stop', '/static/fixed/', 'stop'), loc('regex', '\\.css$', 'css')];
    assert.equal(pick(locations, '/static/site.css'), 'css');
    assert.equal(pick(locations, '/static/fixed/site.css'), 'stop');
    assert.equal(pick(locations, '/static/site.js'), 'plain');
  });

  it('a ^~ prefix only stops regexes when it is the longest prefix', () => {
    const locations = [loc('prefix-stop', '/a/', 'stop'), loc('prefix', '/a/b/', 'longer'), loc('regex', '\\.txt$', 'txt')];
    assert.equal(pick(locations, '/a/b/x.txt'), 'txt');
    assert.equal(pick(locations, '/a/x.txt'), 'stop');
  });

  it('= matches only the exact URI', () => {
    const locations = [loc('exact', '/exact', 'exact'), loc('prefix', '/', 'root')];
    assert.equal(pick(locations, '/exact'), 'exact');
    assert.equal(pick(locations, '/exact/'), 'root');
    assert.equal(pick(locations, '/exactly'), 'root');
  });

  it('returns regex captures, positional and named', () => {
    const hit = selectLocation([loc('regex', '^/users/(?P<name>\\w+)/(\\d+)$', 'u')], '/users/bob/42');
    assert.ok(hit);
    assert.deepEqual(hit.captures.positional, ['/users/bob/42', 'bob', '42']);
    assert.deepEqual(hit.captures.named, { name: 'bob' });
  });

  it('a passing prefix location answers its path without the slash with a redirect (nginx auto_redirect), before regexes, not over `=`', () => {
    const pass = compileLocation({ kind: 'prefix', path: '/app/' }, { type: 'proxy', upstream: 'u' } as never);
    const stat = compileLocation({ kind: 'prefix', path: '/files/' }, { type: 'static' } as never);
    const all = [loc('prefix', '/', 'root'), pass, stat, loc('regex', '^/app$', 'regex')];
    assert.deepEqual(selectLocation(all, '/app'), { location: pass, captures: { positional: [], named: {} }, slashRedirect: true });
    assert.equal(selectLocation(all, '/app/x')?.slashRedirect, undefined);
    assert.equal(pick(all, '/files'), 'root', 'a static location gets no such redirect (the file handler redirects directories itself)');
    assert.equal(pick([loc('exact', '/app', 'exact'), pass], '/app'), 'exact');
  });

  it('returns null when nothing matches', () => {
    assert.equal(selectLocation([loc('prefix', '/only/', 'x')], '/other'), null);
  });
});
