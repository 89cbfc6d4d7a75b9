import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EMPTY_FILTER, LogModel, compileFilter, type LogFilter } from '../src/logs/log-model.js';
import { parseAccessLine, parseErrorLine, sourceInfo } from '../src/logs/parse-line.js';

const access = (status: number, method = 'GET', path = '/') =>
  `127.0.0.1 - - [21/Nov/2026:11:00:00 +0100] "${method} ${path} HTTP/1.1" ${status} 512 "-" "curl/8.5.0"`;

describe('log line parsing', () => {
  it('reads nginx combined access lines, escapes included', () => {
    const a = parseAccessLine(`::1 - alice [21/Nov/2026:11:00:00 +0100] "POST /a\\x22b?q=1 HTTP/1.1" 201 0 "http://x/" "Mozilla \\x5C 5.0"`);
    assert.deepEqual(a, {
      remoteAddr: '::1',
      remoteUser: 'alice',
      time: '21/Nov/2026:11:00:00 +0100',
      request: 'POST /a"b?q=1 HTTP/1.1',
      method: 'POST',
      target: '/a"b?q=1',
      protocol: 'HTTP/1.1',
      status: 201,
      bytes: 0,
      referer: 'http://x/',
      userAgent: 'Mozilla \\ 5.0',
    });
    assert.equal(parseAccessLine('hello'), null);
  });

  it('reads nginx-style error lines with their context fields', () => {
    const e = parseErrorLine('2026/11/21 11:00:00 [error] 4242#0: *7 open() "/srv/x" failed (2: No such file or directory), client: 127.0.0.1, server: welcome.localhost, request: "GET /x HTTP/1.1", host: "welcome.localhost"');
    assert.equal(e?.level, 'error');
    assert.equal(e?.connection, '7');
    assert.equal(e?.message, 'open() "/srv/x" failed (2: No such file or directory)');
    assert.deepEqual(e?.context, { client: '127.0.0.1', server: 'welcome.localhost', request: 'GET /x HTTP/1.1', host: 'welcome.localhost' });
  });

  it('tells the kind and site from the source name', () => {
    assert.deepEqual(sourceInfo('access:welcome'), { kind: 'access', site: 'welcome', app: null });
    assert.deepEqual(sourceInfo('error'), { kind: 'error', site: null, app: null });
    assert.deepEqual(sourceInfo('app:demo'), { kind: 'app', site: null, app: 'demo' });
  });
});

describe('LogModel', () => {
  const filter = (f: Partial<LogFilter>) => {
    const c = compileFilter({ ...EMPTY_FILTER, ...f });
    assert.ok(c.ok);
    return c.test;
  };

  it('holds the newest lines in a ring and keeps the filtered view in step as old lines fall out', () => {
    const m = new LogModel(1000);
    m.setFilter(filter({ statusClass: 5 }));
    for (let i = 0; i < 2500; i++) m.append('access:a', [access(i % 10 === 0 ? 502 : 200, 'GET', `/${i}`)]);
    assert.equal(m.size, 1000);
    assert.equal(m.evicted, 1500);
    assert.equal(m.oldestSeq, 1500);
    // 1500…2499: every tenth is a 502.
    assert.equal(m.matchCount, 100);
    assert.ok(m.matchAt(0)?.text.includes('/1500 '));
    assert.ok(m.matchAt(99)?.text.includes('/2490 '));
    assert.equal(m.matchAt(100), undefined);
    assert.equal(m.indexOfSeq(2490), 99);
    assert.equal(m.indexOfSeq(2491), -1);
  });

  it('filters by kind, site, status class, method, text and regex', () => {
    const m = new LogModel(100);
    m.append('access:a', [access(200, 'GET', '/x'), access(404, 'POST', '/y')]);
    m.append('access:b', [access(500, 'GET', '/z')]);
    m.append('error', ['2026/11/21 11:00:00 [error] 1#0: *1 boom, client: 127.0.0.1']);
    m.append('app:demo', ['Traceback: ValueError']);
    const count = (f: Partial<LogFilter>) => {
      m.setFilter(filter(f));
      return m.matchCount;
    };
    assert.equal(count({}), 5);
    assert.equal(count({ kind: 'access' }), 3);
    assert.equal(count({ site: 'a' }), 2);
    assert.equal(count({ statusClass: 4 }), 1);
    assert.equal(count({ method: 'get' }), 2);
    assert.equal(count({ text: 'VALUEERROR' }), 1);
    assert.equal(count({ text: '"(GET|POST) /[xz] ', regex: true }), 2);
    assert.deepEqual([...m.sites].sort(), ['a', 'b']);
    assert.deepEqual([...m.methods].sort(), ['GET', 'POST']);
    const bad = compileFilter({ ...EMPTY_FILTER, text: '(', regex: true });
    assert.equal(bad.ok, false);
  });

  it('holds 100,000 lines and filters all of them', () => {
    const m = new LogModel();
    const batch = Array.from({ length: 1000 }, (_, i) => access(i % 7 === 0 ? 500 : 200, i % 2 ? 'GET' : 'POST', `/p${i}`));
    for (let i = 0; i < 101; i++) m.append('access:a', batch);
    assert.equal(m.size, 100_000);
    m.setFilter(filter({ statusClass: 5, method: 'POST' }));
    // 5xx POSTs are the lines with i % 14 === 0: 72 per thousand.
    assert.equal(m.matchCount, 7200);
  });
});
