import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChunkedDecoder, LengthDecoder, BodyFramingError } from './body-decoder.js';
import { parseHead, type HeadResult } from './head-parser.js';

const parse = (text: string): HeadResult => parseHead(Buffer.from(text, 'latin1'));
const status = (text: string): number | string => {
  const r = parse(text);
  return r.kind === 'error' ? r.status : r.kind;
};

describe('http1 head parser', () => {
  it('parses a request line, raw headers and framing', () => {
    const r = parse('\r\nPOST /a?b=1 HTTP/1.1\r\nHost: a.test\r\nContent-Length: 5\r\nX-A:  spaced \t\r\n\r\nhello');
    assert.equal(r.kind, 'head');
    if (r.kind !== 'head') return;
    assert.equal(r.head.method, 'POST');
    assert.equal(r.head.target, '/a?b=1');
    assert.equal(r.head.httpVersion, '1.1');
    assert.deepEqual(r.head.rawHeaders, ['Host', 'a.test', 'Content-Length', '5', 'X-A', 'spaced']);
    assert.equal(r.head.contentLength, 5);
    assert.equal(r.head.keepAlive, true);
    assert.equal(r.head.consumed, r.head.consumed > 0 ? Buffer.byteLength('\r\nPOST /a?b=1 HTTP/1.1\r\nHost: a.test\r\nContent-Length: 5\r\nX-A:  spaced \t\r\n\r\n') : -1);
  });

  it('is incomplete until the empty line', () => {
    assert.equal(status('GET / HTTP/1.1\r\nHost: a'), 'incomplete');
  });

  it('keep-alive rules: 1.0 opts in, close wins', () => {
    const ka = (t: string) => {
      const r = parse(t);
      return r.kind === 'head' ? r.head.keepAlive : null;
    };
    assert.equal(ka('GET / HTTP/1.0\r\n\r\n'), false);
    assert.equal(ka('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n'), true);
    assert.equal(ka('GET / HTTP/1.1\r\nConnection: keep-alive, close\r\n\r\n'), false);
    assert.equal(ka('GET / HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n'), true);
  });

  it('refuses smuggling and malformed heads with the right status', () => {
    const cases: Array<[string, number]> = [
      ['POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n', 400],
      ['POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n', 400],
      ['POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n', 400],
      ['POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 4\r\n\r\n', 400],
      ['POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n', 400],
      ['POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n', 400],
      ['POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n', 501],
      ['GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n  folded\r\n\r\n', 400],
      ['GET / HTTP/1.1\r\nHost : a\r\n\r\n', 400],
      ['GET / HTTP/1.1\r\nHo\x00st: a\r\n\r\n', 400],
      ['GET / HTTP/1.1\r\nHost: a\x00b\r\n\r\n', 400],
      ['GET / HTTP/1.1\nHost: a\n\n', 400],
      ['GET  / HTTP/1.1\r\n\r\n', 400],
      ['GET / HTTP/2.0\r\n\r\n', 505],
      ['GET / HTTP/1.1\r\nExpect: magic\r\n\r\n', 417],
      [`GET /${'a'.repeat(9000)} HTTP/1.1\r\n`, 414],
      [`GET / HTTP/1.1\r\nX-Big: ${'a'.repeat(9000)}\r\n\r\n`, 431],
      [`GET / HTTP/1.1\r\n${'X-A: 0123456789012345678901234567890123456789\r\n'.repeat(800)}`, 431],
    ];
    for (const [text, want] of cases) assert.equal(status(text), want, JSON.stringify(text.slice(0, 80)));
  });

  it('reads the request line by RFC 9112 §3: token method, SP, target without controls, SP, HTTP/d.d', () => {
    const line = (text: string) => {
      const r = parse(`${text}\r\nHost: a\r\n\r\n`);
      return r.kind === 'head' ? [r.head.method, r.head.target, r.head.httpVersion] : r.kind === 'error' ? r.status : r.kind;
    };
    assert.deepEqual(line('GET / HTTP/1.1'), ['GET', '/', '1.1']);
    assert.deepEqual(line("M-SEARCH!#$%&'*+.^_`|~ * HTTP/1.0"), ["M-SEARCH!#$%&'*+.^_`|~", '*', '1.0']);
    assert.deepEqual(line('OPTIONS http://a.test:80/x?y=\xe9 HTTP/1.1'), ['OPTIONS', 'http://a.test:80/x?y=\xe9', '1.1']);
    // Only a request line: the head's end is right after it.
    const bare = parse('GET /only HTTP/1.1\r\n\r\nGET /next HTTP/1.1\r\n\r\n');
    assert.ok(bare.kind === 'head' && bare.head.target === '/only' && bare.head.rawHeaders.length === 0 && bare.head.consumed === 22);
    for (const bad of ['GET', 'GET /', 'GET / ', ' GET / HTTP/1.1', 'GET\t/ HTTP/1.1', 'GET /\tx HTTP/1.1', 'GET /a b HTTP/1.1', 'GET /\x7f HTTP/1.1', 'G\xe9T / HTTP/1.1', 'GE(T / HTTP/1.1', 'GET / http/1.1', 'GET / HTTP/1.1 ', 'GET / HTTP/1', 'GET / HTTP/11.1', 'GET / HTTP/1.x', 'GET / HTTP/1,1', 'GET / HTTPS/1.1']) {
      assert.equal(line(bad), 400, JSON.stringify(bad));
    }
    assert.equal(line('GET / HTTP/3.0'), 505);
  });

  it('counts header fields only as a CPU guard: 300 short fields pass (nginx has no count limit), 1,001 are a 431', () => {
    const fields = (n: number) => Array.from({ length: n }, (_, i) => `X-Trace-${i}: abcdefghij\r\n`).join('');
    const r = parse(`GET / HTTP/1.1\r\nHost: a\r\n${fields(300)}\r\n`);
    assert.ok(r.kind === 'head' && r.head.rawHeaders.length === 2 * 301);
    assert.equal(status(`GET / HTTP/1.1\r\nHost: a\r\n${fields(999)}\r\n`), 'head');
    assert.equal(status(`GET / HTTP/1.1\r\nHost: a\r\n${fields(1000)}\r\n`), 431);
  });

  it('refuses a Content-Length list or a second Content-Length field, even with equal values (nginx: 400)', () => {
    for (const text of [
      'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc',
      'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\n\r\nabc',
      'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3,3\r\n\r\nabc',
      'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\ncontent-length: 3, 3\r\n\r\nabc',
    ]) {
      assert.equal(status(text), 400, JSON.stringify(text));
    }
    // One field with one value, OWS around it, is the length.
    const r = parse('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \t3 \r\n\r\nabc');
    assert.ok(r.kind === 'head' && r.head.contentLength === 3 && r.head.rawHeaders[3] === '3');
  });

  it('refuses a second field of those nginx takes once (client sent duplicate header line), any case; lets the others repeat', () => {
    for (const name of ['If-Modified-Since', 'If-Unmodified-Since', 'If-Match', 'If-None-Match', 'Content-Range', 'If-Range', 'Transfer-Encoding', 'Expect', 'Authorization']) {
      const r = parse(`GET / HTTP/1.1\r\nHost: a\r\n${name}: x\r\nX-Between: 1\r\n${name.toLowerCase()}: x\r\n\r\n`);
      assert.deepEqual(r, { kind: 'error', status: 400, reason: `a duplicate ${name.toLowerCase()} header line` }, name);
    }
    for (const name of ['Range', 'User-Agent', 'Cookie', 'Accept-Encoding', 'X-Forwarded-For', 'Cache-Control', 'Accept-Ranges', 'Content-Type']) {
      assert.equal(status(`GET / HTTP/1.1\r\nHost: a\r\n${name}: x\r\n${name}: y\r\n\r\n`), 'head', name);
    }
  });
});

describe('http1 body decoders', () => {
  const decode = (d: LengthDecoder | ChunkedDecoder, pieces: string[]): { data: string; used: number[] } => {
    let data = '';
    const used: number[] = [];
    for (const p of pieces) used.push(d.feed(Buffer.from(p, 'latin1'), 0, (c) => (data += c.toString('latin1'))));
    return { data, used };
  };

  it('length: stops at the length, leaves the next request', () => {
    const d = new LengthDecoder(5);
    const r = decode(d, ['hel', 'loGET /']);
    assert.equal(r.data, 'hello');
    assert.deepEqual(r.used, [3, 2]);
    assert.ok(d.done);
  });

  it('chunked: sizes, extensions, trailers, split anywhere', () => {
    const body = '5;ext=1\r\nhello\r\nA\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\nNEXT';
    for (let split = 1; split < body.length; split += 3) {
      const d = new ChunkedDecoder();
      const r = decode(d, [body.slice(0, split), body.slice(split)]);
      assert.equal(r.data, 'hello0123456789', `split at ${split}`);
      assert.equal(r.used.reduce((a, b) => a + b, 0), body.length - 4);
      assert.ok(d.done);
      assert.equal(d.received, 15);
    }
  });

  it('chunked: refuses bad sizes, missing CRLF, bare LF, huge sizes', () => {
    for (const bad of ['x\r\n', '5\r\nhelloX', '5\nhello\r\n', 'fffffffffffffff\r\n', '5;a\nb\r\n', '0\r\nX: 1\n\r\n']) {
      assert.throws(() => new ChunkedDecoder().feed(Buffer.from(bad, 'latin1'), 0, () => undefined), BodyFramingError, bad);
    }
  });
});
