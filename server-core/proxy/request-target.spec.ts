import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizePath, parseRequestTarget } from './request-target.js';

function path(raw: string): string {
  const r = parseRequestTarget(raw);
  assert.ok(r.ok, `expected ${raw} to parse, got: ${r.ok ? '' : r.reason}`);
  return r.path;
}

function rejected(raw: string): string {
  const r = parseRequestTarget(raw);
  assert.equal(r.ok, false, `expected ${raw} to be refused`);
  return r.ok ? '' : r.reason;
}

describe('request target: normalisation like nginx', () => {
  it('merges slashes and resolves . and .. segments', () => {
    assert.equal(path('/a//b///c'), '/a/b/c');
    assert.equal(path('/a/./b'), '/a/b');
    assert.equal(path('/a/b/../c'), '/a/c');
    assert.equal(path('/a/..'), '/');
    assert.equal(path('/a/.'), '/a/');
    assert.equal(path('/a/b/..'), '/a/');
    assert.equal(path('/'), '/');
    assert.equal(path('/dir/'), '/dir/');
    assert.equal(path('/...'), '/...');
  });

  it('refuses .. above the root, also when percent-encoded', () => {
    rejected('/..');
    rejected('/../etc/passwd');
    rejected('/a/../../etc/passwd');
    rejected('/%2e%2e/etc/passwd');
    rejected('/a/%2E%2E/%2e%2e/secret');
  });

  it('decodes exactly once', () => {
    assert.equal(path('/a%20b'), '/a b');
    assert.equal(path('/%252e%252e/x'), '/%2e%2e/x');
    assert.equal(path('/caf%C3%A9'), '/café');
  });

  it('decodes an encoded slash before normalising, and says it was there', () => {
    assert.deepEqual(parseRequestTarget('/api/group%2Fproject?x=1'), { ok: true, path: '/api/group/project', args: 'x=1', host: null, encodedSlash: true });
    // Decoded first, so `..%2F` is a `..` segment like any other: it cannot climb past the root.
    assert.match(rejected('/..%2Fsecret'), /climbs above the root/);
    assert.equal(path('/a/..%2Fb'), '/b');
  });

  it('refuses NUL, backslashes and bad escapes', () => {
    assert.match(rejected('/a%00.txt'), /NUL/);
    assert.match(rejected('/a\\..\\b'), /backslash/);
    assert.match(rejected('/a%5cb'), /backslash/);
    assert.match(rejected('/a%zz'), /percent/);
    assert.match(rejected('/a%2'), /percent/);
    assert.match(rejected('/%ff%fe'), /UTF-8/);
    assert.match(rejected('a/b'), /start with/);
  });

  it('splits the query string and keeps it encoded', () => {
    const r = parseRequestTarget('/s/../p?q=%2F..&x=1#frag');
    assert.deepEqual(r, { ok: true, path: '/p', args: 'q=%2F..&x=1', host: null, encodedSlash: false });
  });

  it('takes the host from an absolute-form target', () => {
    assert.deepEqual(parseRequestTarget('http://Example.test:8080/a/../b?x'), { ok: true, path: '/b', args: 'x', host: 'Example.test:8080', encodedSlash: false });
    assert.deepEqual(parseRequestTarget('http://example.test'), { ok: true, path: '/', args: '', host: 'example.test', encodedSlash: false });
  });

  it('normalizePath returns null for escapes', () => {
    assert.equal(normalizePath('/a/../..'), null);
    assert.equal(normalizePath('/index.html'), '/index.html');
  });
});
