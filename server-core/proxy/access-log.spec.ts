import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { AccessLog, accessLogPath, escapeLogValue, formatCombined, formatTimeLocal } from './access-log.js';
import { ErrorLog, formatErrorLine } from './error-log.js';
import { LogFiles } from './log-files.js';

const savedTz = process.env.TZ;
afterEach(() => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

// 2026-11-21 10:00:00 UTC.
const at = new Date(Date.UTC(2026, 10, 21, 10, 0, 0));

describe('access log (nginx combined)', () => {
  it('formats $time_local with the local offset', () => {
    process.env.TZ = 'UTC';
    assert.equal(formatTimeLocal(at), '21/Nov/2026:10:00:00 +0000');
    process.env.TZ = 'Europe/Berlin';
    assert.equal(formatTimeLocal(at), '21/Nov/2026:11:00:00 +0100');
    process.env.TZ = 'America/St_Johns';
    assert.equal(formatTimeLocal(at), '21/Nov/2026:06:30:00 -0330');
  });

  it('writes the combined format', () => {
    process.env.TZ = 'UTC';
    const line = formatCombined({
      remoteAddr: '127.0.0.1',
      remoteUser: null,
      time: at,
      request: 'GET /index.html?x=1 HTTP/1.1',
      status: 200,
      bodyBytes: 612,
      referer: 'http://a.test/',
      userAgent: 'curl/8.5.0',
    });
    assert.equal(line, '127.0.0.1 - - [21/Nov/2026:10:00:00 +0000] "GET /index.html?x=1 HTTP/1.1" 200 612 "http://a.test/" "curl/8.5.0"');
    const bare = formatCombined({ remoteAddr: '::1', remoteUser: null, time: at, request: 'GET / HTTP/1.0', status: 404, bodyBytes: 0, referer: undefined, userAgent: undefined });
    assert.equal(bare, '::1 - - [21/Nov/2026:10:00:00 +0000] "GET / HTTP/1.0" 404 0 "-" "-"');
    // Sent but empty is not absent: nginx logs `""` for it.
    const empty = formatCombined({ remoteAddr: '::1', remoteUser: null, time: at, request: 'GET / HTTP/1.1', status: 200, bodyBytes: 1, referer: '', userAgent: '' });
    assert.equal(empty, '::1 - - [21/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "" ""');
  });

  it('escapes quotes, backslashes, control and non-ASCII bytes like nginx', () => {
    assert.equal(escapeLogValue('a"b\\c'), 'a\\x22b\\x5Cc');
    assert.equal(escapeLogValue('line\nbreak\t'), 'line\\x0Abreak\\x09');
    assert.equal(escapeLogValue('caf\u00e9'), 'caf\\xE9');
    assert.equal(escapeLogValue('\u20ac'), '\\xE2\\x82\\xAC');
  });
});

describe('error log (nginx format)', () => {
  it('formats a request error with the request facts', () => {
    process.env.TZ = 'Europe/Berlin';
    const line = formatErrorLine({
      time: at,
      level: 'error',
      pid: 4242,
      message: 'open() "/srv/www/x" failed (2: No such file or directory)',
      request: { connection: 7, client: '127.0.0.1', server: 'a.test', request: 'GET /x HTTP/1.1', host: 'a.test' },
    });
    assert.equal(
      line,
      '2026/11/21 11:00:00 [error] 4242#0: *7 open() "/srv/www/x" failed (2: No such file or directory), client: 127.0.0.1, server: a.test, request: "GET /x HTTP/1.1", host: "a.test"',
    );
  });

  it('formats a process-level message and keeps client text on one line', () => {
    process.env.TZ = 'UTC';
    assert.equal(formatErrorLine({ time: at, level: 'warn', pid: 1, message: 'address ::1 is not available' }), '2026/11/21 10:00:00 [warn] 1#0: address ::1 is not available');
    const line = formatErrorLine({
      time: at,
      level: 'error',
      pid: 1,
      message: 'bad\nthing',
      request: { connection: 1, client: '127.0.0.1', server: '', request: 'GET /"x HTTP/1.1', host: undefined },
    });
    assert.equal(line, '2026/11/21 10:00:00 [error] 1#0: *1 bad\\x0Athing, client: 127.0.0.1, server: , request: "GET /\\x22x HTTP/1.1"');
  });

  it('writes a UTF-8 request line and Host as the client sent them, not re-encoded from latin1', () => {
    process.env.TZ = 'UTC';
    // The engines hand bytes over one latin1 character each: `/café` in UTF-8 arrives as `/cafÃ©`.
    const wire = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');
    const line = formatErrorLine({
      time: at,
      level: 'error',
      pid: 1,
      message: 'open() "/srv/www/café" failed (2: No such file or directory)',
      request: { connection: 3, client: '127.0.0.1', server: 'a.test', request: wire('GET /café HTTP/1.1'), host: wire('bücher.test') },
    });
    assert.equal(
      line,
      '2026/11/21 10:00:00 [error] 1#0: *3 open() "/srv/www/café" failed (2: No such file or directory), client: 127.0.0.1, server: a.test, request: "GET /café HTTP/1.1", host: "bücher.test"',
    );
    // Bytes that are no UTF-8 cannot be written as text: escaped like the access log does.
    const bad = formatErrorLine({ time: at, level: 'error', pid: 1, message: 'm', request: { connection: 3, client: '127.0.0.1', server: '', request: 'GET /\xff\xe9 HTTP/1.1', host: undefined } });
    assert.equal(bad, '2026/11/21 10:00:00 [error] 1#0: *3 m, client: 127.0.0.1, server: , request: "GET /\\xFF\\xE9 HTTP/1.1"');
  });
});

describe('buffered log files', () => {
  let dir = '';
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('appends lines per site and per worker error log, only on flush', async () => {
    process.env.TZ = 'UTC';
    dir = await mkdtemp(join(tmpdir(), 'berth-logs-'));
    const logDir = join(dir, 'logs');
    const problems: string[] = [];
    const files = new LogFiles((m) => problems.push(m));
    const access = new AccessLog(files);
    const entry = { remoteAddr: '127.0.0.1', remoteUser: null, time: at, request: 'GET / HTTP/1.1', status: 200, bodyBytes: 5, referer: undefined, userAgent: 'ua' };
    access.write(logDir, 'site-a', entry);
    access.write(logDir, 'site-a', { ...entry, status: 304, bodyBytes: 0 });
    access.write(logDir, 'site-b', entry);
    const errors = new ErrorLog(files, logDir, () => at, 99);
    errors.write('error', 'something broke');
    await assert.rejects(readFile(accessLogPath(logDir, 'site-a'), 'utf8'), { code: 'ENOENT' });
    await files.close();
    assert.equal(
      await readFile(accessLogPath(logDir, 'site-a'), 'utf8'),
      '127.0.0.1 - - [21/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "ua"\n127.0.0.1 - - [21/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 304 0 "-" "ua"\n',
    );
    assert.equal((await readFile(join(logDir, 'site-b.access.log'), 'utf8')).split('\n').length, 2);
    assert.equal(await readFile(join(logDir, 'error.log'), 'utf8'), '2026/11/21 10:00:00 [error] 99#0: something broke\n');
    assert.deepEqual(problems, []);
  });
});
