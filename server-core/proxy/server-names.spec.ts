import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../errors.js';
import { buildNameIndex, normalizeHost, selectByHost, type NameEntry } from './server-names.js';

function entry(value: string, names: string[], defaultServer = false): NameEntry<string> {
  return { names, defaultServer, value };
}

describe('server name selection (nginx precedence)', () => {
  // The order from https://nginx.org/en/docs/http/server_names.html#regex_names.
  const index = buildNameIndex([
    entry('first', ['first.test']),
    entry('regex', ['~^(?P<user>\\w+)\\.example\\.net$', '~^www\\d+\\.example\\.org$']),
    entry('trailing', ['mail.*']),
    entry('trailing-long', ['mail.example.*']),
    entry('leading', ['*.example.org']),
    entry('leading-long', ['*.sub.example.org']),
    entry('exact', ['www.example.org', 'Example.ORG']),
    entry('dot', ['.dot.test']),
  ]);

  it('prefers an exact name', () => {
    assert.equal(selectByHost(index, 'www.example.org'), 'exact');
    assert.equal(selectByHost(index, 'example.org'), 'exact');
  });

  it('then the longest leading wildcard', () => {
    assert.equal(selectByHost(index, 'a.example.org'), 'leading');
    assert.equal(selectByHost(index, 'x.y.example.org'), 'leading');
    assert.equal(selectByHost(index, 'a.sub.example.org'), 'leading-long');
    // The wildcard needs at least one label before it.
    assert.equal(selectByHost(index, 'sub.example.org'), 'leading');
  });

  it('then the longest trailing wildcard', () => {
    assert.equal(selectByHost(index, 'mail.foo.test'), 'trailing');
    assert.equal(selectByHost(index, 'mail.example.co.uk'), 'trailing-long');
    assert.equal(selectByHost(index, 'mail'), 'first');
  });

  it('then the first matching regex, with PCRE named groups accepted', () => {
    assert.equal(selectByHost(index, 'alice.example.net'), 'regex');
  });

  it('a leading wildcard beats a regex that also matches', () => {
    // www12.example.org matches both `*.example.org` and `~^www\d+\.example\.org$`: the wildcard wins.
    assert.equal(selectByHost(index, 'www12.example.org'), 'leading');
  });

  it('a ".name" matches the name itself and its subdomains', () => {
    assert.equal(selectByHost(index, 'dot.test'), 'dot');
    assert.equal(selectByHost(index, 'a.dot.test'), 'dot');
  });

  it('falls back to the first site, or the default_server', () => {
    assert.equal(selectByHost(index, 'unknown.test'), 'first');
    assert.equal(selectByHost(index, null), 'first');
    const withDefault = buildNameIndex([entry('one', ['one.test']), entry('two', ['two.test'], true)]);
    assert.equal(selectByHost(withDefault, 'unknown.test'), 'two');
    assert.equal(selectByHost(withDefault, 'one.test'), 'one');
    assert.equal(selectByHost(buildNameIndex<string>([]), 'a.test'), null);
  });

  it('keeps the first of two sites with the same name, like nginx', () => {
    const dup = buildNameIndex([entry('one', ['same.test']), entry('two', ['same.test'])]);
    assert.equal(selectByHost(dup, 'same.test'), 'one');
  });

  it('refuses misplaced wildcards and bad regexes', () => {
    assert.throws(() => buildNameIndex([entry('x', ['a.*.test'])]), (e) => isBerthError(e, 'BERTH_ERR_CONFIG_INVALID'));
    assert.throws(() => buildNameIndex([entry('x', ['*'])]), (e) => isBerthError(e, 'BERTH_ERR_CONFIG_INVALID'));
    assert.throws(() => buildNameIndex([entry('x', ['~(unclosed'])]), (e) => isBerthError(e, 'BERTH_ERR_CONFIG_INVALID'));
  });
});

describe('Host header normalisation', () => {
  it('lowercases and strips the port and a trailing dot', () => {
    assert.equal(normalizeHost('WWW.Example.ORG:8080'), 'www.example.org');
    assert.equal(normalizeHost('example.org.'), 'example.org');
    assert.equal(normalizeHost('example.org.:80'), 'example.org');
  });

  it('keeps an IPv6 literal with brackets', () => {
    assert.equal(normalizeHost('[::1]:8080'), '[::1]');
    assert.equal(normalizeHost('[FE80::1]'), '[fe80::1]');
  });

  it('refuses hosts nginx answers with 400', () => {
    assert.equal(normalizeHost(''), null);
    assert.equal(normalizeHost(':8080'), null);
    assert.equal(normalizeHost('a..b'), null);
    assert.equal(normalizeHost('a/b'), null);
    assert.equal(normalizeHost('a\\b'), null);
    assert.equal(normalizeHost('a b'), null);
    assert.equal(normalizeHost('[::1'), null);
  });
});
