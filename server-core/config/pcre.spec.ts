// PCRE patterns as nginx users write them, read into JavaScript regexes that match the same
// strings, and the PCRE-only constructs refused with their name.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compilePcre, pcreProblem } from './pcre.js';

function regex(source: string): RegExp {
  const r = compilePcre(source);
  if (!r.ok) throw new Error(r.problem);
  return r.regex;
}

describe('compilePcre', () => {
  it('keeps what both dialects read alike', () => {
    const r = regex('^/blog/(\\d{4})/(\\d{2})/([^/]+)/?$');
    assert.deepEqual(Array.from(r.exec('/blog/2024/05/hello/') ?? []), ['/blog/2024/05/hello/', '2024', '05', 'hello']);
    assert.equal(regex('\\.(png|jpe?g)$').test('/a.jpeg'), true);
  });

  it('reads PCRE spellings: (?P<name>), (?\'name\'), (?P=name), a leading (?i)', () => {
    assert.equal(regex('^/(?P<id>\\d+)$').exec('/12')?.groups?.id, '12');
    assert.equal(regex("^/(?'id'\\d+)$").exec('/12')?.groups?.id, '12');
    assert.equal(regex('^/(?P<w>a)(?P=w)$').test('/aa'), true);
    assert.equal(regex('(?i)^/ABC$').test('/abc'), true);
  });

  it('a ] first in a class is a literal, as in PCRE (JavaScript would read an empty class)', () => {
    assert.equal(regex('^[]a]+$').test(']a]'), true);
    assert.equal(regex('^[^]a]+$').test('bc'), true);
  });

  it('translates the POSIX classes JavaScript can spell', () => {
    assert.equal(regex('^[[:alpha:]]+[[:digit:]]$').test('abc1'), true);
    assert.equal(regex('^[[:alpha:]]+$').test('ab1'), false);
  });

  it('names the PCRE-only construct it refuses', () => {
    const cases: Array<[string, RegExp]> = [
      ['^/(?>a+)b', /atomic group/],
      ['^/a++b', /possessive quantifier `\+\+`/],
      ['^/a{2}+', /possessive quantifier `\{2\}\+`/],
      ['\\A/x', /`\\A`/],
      ['/x\\z', /`\\z`/],
      ['^/(?s)x', /inline option `\(\?s\)`/],
      ['^/(?i:x)', /inline option `\(\?i:`/],
      ['(?#note)x', /comment group/],
      ['^(a|b(?1))$', /recursion/],
      ['[[:punct:]]', /POSIX class `\[:punct:\]`/],
      ['(*UTF8)x', /verb/],
      ['\\Qa.b\\E', /`\\Q/],
    ];
    for (const [source, message] of cases) {
      const problem = pcreProblem(source);
      assert.ok(problem !== null, `${source} should be refused`);
      assert.match(problem, message, source);
      assert.match(problem, /PCRE-only/, source);
    }
  });

  it('reports a regex that compiles in neither dialect', () => {
    assert.match(pcreProblem('^/(a') ?? '', /does not compile/);
  });
});
