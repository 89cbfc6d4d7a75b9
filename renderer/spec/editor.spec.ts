// The editor's DOM-free parts: the line diff, issue paths → fields, text lists, new objects.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { configSchema } from '../../server-core/config/schema.js';
import { countChanges, diffHunks, diffLines } from '../src/editor/line-diff.js';
import { countByIndex, indexUnder, issuesAt, nearestField } from '../src/editor/issue-paths.js';
import { formatPairs, formatWords, parsePairs, parseWords } from '../src/editor/text-lists.js';
import { HANDLER_TYPES, PASSING_TYPES, freeId, newErrorPage, newHandler, newLocation, newSite, newUpstream } from '../src/editor/defaults.js';

/** Applying the diff's new side must give the new text, its old side the old text. */
function sides(lines: ReturnType<typeof diffLines>): { old: string[]; new: string[] } {
  return { old: lines.filter((l) => l.op !== 'add').map((l) => l.text), new: lines.filter((l) => l.op !== 'del').map((l) => l.text) };
}

describe('line diff', () => {
  it('marks an inserted and a removed line, with both line numbers', () => {
    const lines = diffLines('a\nb\nc\nd\n', 'a\nc\nx\nd\n');
    assert.deepEqual(
      lines.map((l) => `${l.op}:${l.text}:${l.oldNo ?? '-'}:${l.newNo ?? '-'}`),
      ['same:a:1:1', 'del:b:2:-', 'same:c:3:2', 'add:x:-:3', 'same:d:4:4'],
    );
    assert.deepEqual(countChanges(lines), { added: 1, removed: 1 });
  });

  it('is minimal (LCS) and reproduces both texts on random edits', () => {
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648) % n);
    for (let round = 0; round < 200; round++) {
      const a = Array.from({ length: rnd(30) }, () => `l${rnd(8)}`);
      const b = a.filter(() => rnd(4) !== 0);
      for (let k = rnd(5); k > 0; k--) b.splice(rnd(b.length + 1), 0, `n${rnd(8)}`);
      const lines = diffLines(a.join('\n'), b.join('\n'));
      const s = sides(lines);
      assert.deepEqual(s.old, a);
      assert.deepEqual(s.new, b);
      // LCS length check against a plain DP.
      const dp: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
      for (let i = a.length - 1; i >= 0; i--) for (let j = b.length - 1; j >= 0; j--) dp[i]![j] = a[i] === b[j] ? dp[i + 1]![j + 1]! + 1 : Math.max(dp[i + 1]![j]!, dp[i]![j + 1]!);
      assert.equal(lines.filter((l) => l.op === 'same').length, dp[0]![0]);
    }
  });

  it('equal texts give no hunks; hunks keep 3 lines of context and split far changes', () => {
    assert.deepEqual(diffHunks(diffLines('a\nb\n', 'a\nb\n')), []);
    const a = Array.from({ length: 30 }, (_, i) => `line ${i}`);
    const b = [...a];
    b[2] = 'changed 2';
    b[25] = 'changed 25';
    const hunks = diffHunks(diffLines(a.join('\n'), b.join('\n')));
    assert.equal(hunks.length, 2);
    assert.equal(hunks[0]?.lines.length, 2 + 2 + 3); // lines 0-1, del+add, 3 after
    assert.equal(hunks[1]?.lines[0]?.text, 'line 22');
  });

  it('handles empty sides', () => {
    assert.deepEqual(countChanges(diffLines('', 'a\nb')), { added: 2, removed: 0 });
    assert.deepEqual(countChanges(diffLines('a\nb', '')), { added: 0, removed: 2 });
  });
});

describe('issue paths', () => {
  const issues = [
    { path: 'sites.0.locations.1.handler.upstream', message: 'unknown upstream' },
    { path: 'sites.0.names', message: 'a site needs at least one name' },
    { path: 'sites.2.id', message: 'duplicate id' },
    { path: 'upstreams.0.servers.1.address', message: 'bad address' },
  ];

  it('picks the issues of a field, or of everything inside it', () => {
    assert.deepEqual(issuesAt(issues, 'sites.0.names').map((i) => i.message), ['a site needs at least one name']);
    assert.equal(issuesAt(issues, 'sites.0.locations.1').length, 0);
    assert.equal(issuesAt(issues, 'sites.0.locations.1', true).length, 1);
    assert.equal(issuesAt(issues, 'sites.1', true).length, 0);
  });

  it('maps an issue to the nearest input that exists', () => {
    const known = new Set(['sites.0.locations.1.handler.upstream', 'sites.0.names', 'sites.0.locations.1.match.path']);
    assert.equal(nearestField('sites.0.locations.1.handler.upstream', known), 'sites.0.locations.1.handler.upstream');
    assert.equal(nearestField('sites.0.names.3', known), 'sites.0.names');
    assert.equal(nearestField('upstreams.0.id', known), null);
  });

  it('finds the list index of a path and counts issues per row', () => {
    assert.equal(indexUnder('sites.12.locations.0', 'sites'), 12);
    assert.equal(indexUnder('sites', 'sites'), null);
    assert.equal(indexUnder('upstreams.3', 'upstreams'), 3);
    assert.deepEqual([...countByIndex(issues, 'sites')], [[0, 2], [2, 1]]);
  });
});

describe('text lists', () => {
  it('parses words separated by spaces, commas and lines', () => {
    assert.deepEqual(parseWords(' a.localhost, *.a.localhost\nb '), ['a.localhost', '*.a.localhost', 'b']);
    assert.equal(formatWords(['a', 'b']), 'a b');
  });

  it('parses Name: value lines and formats them back', () => {
    const pairs = parsePairs('X-Real-IP: $remote_addr\n\nHost:  $host \nX-Empty:');
    assert.deepEqual(pairs, { 'X-Real-IP': '$remote_addr', Host: '$host', 'X-Empty': '' });
    assert.deepEqual(parsePairs(formatPairs(pairs)), pairs);
  });
});

describe('new objects', () => {
  it('are exactly what the schema fills in (no diff noise after a round trip)', () => {
    const upstream = newUpstream('backend');
    const sites = [newSite('demo')];
    sites[0]!.locations = HANDLER_TYPES.map((type, i) => ({ ...newLocation(`/${i}`), handler: newHandler(type, 'backend') }));
    // An error page of the site's and one of a location's own.
    sites[0]!.errorPages = [newErrorPage()];
    sites[0]!.locations[0]!.errorPages = [{ ...newErrorPage(), response: 'page' }];
    // An app location starts without an app: the user must choose one (the schema refuses an empty id).
    for (const l of sites[0]!.locations) if (l.handler.type === 'app') l.handler.app = 'demo-app';
    const config = { schemaVersion: 1 as const, settings: { httpPort: 8080, httpsPort: 8443 }, sites, upstreams: [upstream], apps: [] };
    const parsed = configSchema.parse(JSON.parse(JSON.stringify(config)));
    assert.deepEqual(JSON.parse(JSON.stringify(parsed)), JSON.parse(JSON.stringify(config)));
  });

  it('passing handler types are the ones the validator lets intercept upstream errors', () => {
    assert.deepEqual([...PASSING_TYPES].sort(), ['app', 'fastcgi', 'proxy', 'uwsgi']);
  });

  it('freeId adds -2, -3… to a taken id', () => {
    assert.equal(freeId('site', new Set()), 'site');
    assert.equal(freeId('site', new Set(['site', 'site-2'])), 'site-3');
  });
});
