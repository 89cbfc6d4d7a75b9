import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LogTail, MAX_LINE_LENGTH, parseLogLines } from './log-tail.js';

describe('log-lines payloads', () => {
  it('accepts { source, lines[] } from the proxy and the app server', () => {
    assert.deepEqual(parseLogLines({ source: 'access:welcome', lines: ['a', 'b'] }), { source: 'access:welcome', lines: ['a', 'b'] });
    assert.deepEqual(parseLogLines({ source: 'error', lines: ['x'] }), { source: 'error', lines: ['x'] });
    assert.deepEqual(parseLogLines({ source: 'app:demo', lines: ['y'] }), { source: 'app:demo', lines: ['y'] });
  });

  it('passes on how many lines the child skipped, and counts lines it cuts itself', () => {
    assert.deepEqual(parseLogLines({ source: 'access:welcome', lines: ['a'], skipped: 312 }), { source: 'access:welcome', lines: ['a'], skipped: 312 });
    assert.deepEqual(parseLogLines({ source: 'error', lines: [], skipped: 4 }), { source: 'error', lines: [], skipped: 4 });
    assert.deepEqual(parseLogLines({ source: 'error', lines: ['a'], skipped: 0 }), { source: 'error', lines: ['a'] });
    for (const skipped of [-1, 1.5, '3', null]) assert.equal(parseLogLines({ source: 'error', lines: ['a'], skipped }), null, String(skipped));
    const many = parseLogLines({ source: 'error', lines: Array.from({ length: 5003 }, () => 'x'), skipped: 2 });
    assert.equal(many?.lines.length, 5000);
    assert.equal(many?.skipped, 5);
  });

  it('refuses other shapes and odd sources, and cuts very long lines', () => {
    for (const bad of [null, 'x', { source: 'access:../etc', lines: ['a'] }, { source: 'error', lines: 'a' }, { source: 'error', lines: [1] }, { source: 'error', lines: [] }]) {
      assert.equal(parseLogLines(bad), null);
    }
    const long = parseLogLines({ source: 'error', lines: ['x'.repeat(MAX_LINE_LENGTH + 50)] });
    assert.equal(long?.lines[0]?.length, MAX_LINE_LENGTH);
  });
});

describe('LogTail', () => {
  it('keeps the newest lines in order, grouped by source', () => {
    const tail = new LogTail(5);
    tail.add({ source: 'access:a', lines: ['1', '2'] });
    tail.add({ source: 'error', lines: ['3'] });
    tail.add({ source: 'access:a', lines: ['4', '5', '6'] });
    assert.deepEqual(tail.recent(), [
      { source: 'access:a', lines: ['2'] },
      { source: 'error', lines: ['3'] },
      { source: 'access:a', lines: ['4', '5', '6'] },
    ]);
    assert.deepEqual(tail.recent(2), [{ source: 'access:a', lines: ['5', '6'] }]);
    assert.deepEqual(new LogTail(3).recent(), []);
  });
});
