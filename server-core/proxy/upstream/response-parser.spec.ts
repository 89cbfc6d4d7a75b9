import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ResponseParser, type ResponseHead } from './response-parser.js';
import { UpstreamError } from './upstream-error.js';

interface Parsed {
  heads: ResponseHead[];
  body: string;
  ended: boolean;
  parser: ResponseParser;
}

function parse(method: string, pieces: Array<string | Buffer>, close = false): Parsed {
  const out: Parsed = { heads: [], body: '', ended: false, parser: null as unknown as ResponseParser };
  out.parser = new ResponseParser(method, {
    onHead: (h) => out.heads.push(h),
    onBody: (c) => (out.body += c.toString('latin1')),
    onEnd: () => (out.ended = true),
  });
  for (const p of pieces) out.parser.feed(typeof p === 'string' ? Buffer.from(p, 'latin1') : p);
  if (close) out.parser.finish();
  return out;
}

/** Every way of cutting `text` in two, plus one byte at a time. */
function splits(text: string): string[][] {
  const out: string[][] = [[...text]];
  for (let i = 1; i < text.length; i++) out.push([text.slice(0, i), text.slice(i)]);
  return out;
}

describe('upstream response parser', () => {
  it('reads a Content-Length body however the bytes arrive, and allows reuse', () => {
    const text = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\n\r\nhello';
    for (const pieces of splits(text)) {
      const r = parse('GET', pieces);
      assert.equal(r.body, 'hello');
      assert.ok(r.ended && r.parser.reusable);
      assert.deepEqual(r.heads[0]?.rawHeaders, ['Content-Length', '5', 'X-A', '1']);
    }
  });

  it('decodes chunked bodies split anywhere, with extensions and trailers', () => {
    const text = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n';
    for (const pieces of splits(text)) {
      const r = parse('GET', pieces);
      assert.equal(r.body, 'hello world');
      assert.ok(r.ended && r.parser.reusable, pieces.join('|'));
    }
  });

  it('reads until close without a length, and then refuses reuse', () => {
    const r = parse('GET', ['HTTP/1.1 200 OK\r\n\r\nab', 'cd'], true);
    const bare = parse('GET', ['HTTP/1.0 404\r\n\r\n'], true).heads[0];
    assert.equal(bare?.statusCode, 404);
    assert.equal(bare?.statusMessage, '');
    assert.equal(bare?.httpVersion, '1.0');
    assert.equal(r.body, 'abcd');
    assert.ok(r.ended && !r.parser.reusable);
  });

  it('has no body for HEAD, 204 and 304 whatever the headers say', () => {
    assert.ok(parse('HEAD', ['HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n']).parser.reusable);
    assert.ok(parse('GET', ['HTTP/1.1 204 No Content\r\n\r\n']).ended);
    assert.ok(parse('GET', ['HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n']).parser.reusable);
  });

  it('skips 1xx interim responses but stops at 101 with the bytes after it', () => {
    const r = parse('GET', ['HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok']);
    assert.deepEqual(r.heads.map((h) => h.statusCode), [200]);
    assert.equal(r.body, 'ok');
    const up = parse('GET', ['HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x02hi']);
    assert.ok(up.parser.upgraded);
    assert.equal(up.parser.leftover?.toString('latin1'), '\x81\x02hi');
  });

  it('never reuses after Connection: close, HTTP/1.0 without keep-alive, extra bytes, or TE with CL', () => {
    assert.ok(!parse('GET', ['HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n']).parser.reusable);
    assert.ok(!parse('GET', ['HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n']).parser.reusable);
    assert.ok(parse('GET', ['HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n']).parser.reusable);
    assert.ok(!parse('GET', ['HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxEXTRA']).parser.reusable);
    const both = parse('GET', ['HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n']);
    assert.equal(both.body, 'ab');
    assert.ok(both.ended && !both.parser.reusable);
  });

  it('keeps copies of what outlives a feed: every chunk read into one reused buffer (pool sharedReadBuffer)', () => {
    const text = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\nEXTRA';
    const shared = Buffer.alloc(256);
    for (const pieces of splits(text)) {
      let body = '';
      let head: ResponseHead | null = null;
      const parser = new ResponseParser('GET', { onHead: (h) => (head = h), onBody: (c) => (body += c.toString('latin1')), onEnd: () => undefined });
      for (const piece of pieces) {
        // Each read lands in the same bytes, overwriting the previous one, as with net's `onread`.
        const n = shared.write(piece, 0, 'latin1');
        parser.feed(shared.subarray(0, n));
        shared.fill(0x58);
      }
      assert.equal(body, 'hello world', JSON.stringify(pieces));
      assert.deepEqual((head as ResponseHead | null)?.rawHeaders, ['Transfer-Encoding', 'chunked', 'X-A', '1']);
      assert.equal(parser.leftover?.toString('latin1'), 'EXTRA');
    }
  });

  it('reads a higher minor version as 1.1 (RFC 9112 §2.3), and HTTP/2.0 from uWSGI too, as nginx does', () => {
    for (const version of ['1.2', '1.9', '2.0']) {
      let head: ResponseHead | null = null;
      let body = '';
      const parser = new ResponseParser('GET', {
        onHead: (h) => (head = h),
        onBody: (c) => {
          body += c.toString('latin1');
        },
        onEnd: () => undefined,
      });
      parser.feed(Buffer.from(`HTTP/${version} 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n`, 'latin1'));
      const h = head as ResponseHead | null;
      assert.equal(h?.statusCode, 201, version);
      assert.equal(h?.httpVersion, '1.1', version);
      assert.equal(h?.framing, 'chunked', version);
      assert.equal(h?.keepAlive, true, version);
      assert.equal(body, 'ok', version);
    }
  });

  it('refuses malformed heads and bodies as invalid upstream responses', () => {
    const invalid = (text: string) =>
      assert.throws(() => parse('GET', [text]), (e: unknown) => e instanceof UpstreamError && e.kind === 'invalid' && e.status === 502, text);
    invalid('HTTX/1.1 200 OK\r\n\r\n');
    invalid('HTTP/1.1 20 OK\r\n\r\n');
    invalid('HTTP/0.9 200 OK\r\n\r\n');
    invalid('HTTP/11.1 200 OK\r\n\r\n');
    invalid('HTTP/1.x 200 OK\r\n\r\n');
    invalid('HTTP/1 200 OK\r\n\r\n');
    invalid('HTTP/1.1 2x0 OK\r\n\r\n');
    invalid('HTTP/1.1 2000 OK\r\n\r\n');
    // A CR inside the reason would split the client's status line.
    invalid('HTTP/1.1 200 O\rK\r\n\r\n');
    invalid('HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n');
    invalid('HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n');
    invalid('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n');
    invalid('HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n');
    invalid('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n');
    invalid('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX');
    invalid(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(70_000)}`);
  });

  it('reads field lines by RFC 9110/9112: OWS trimmed, bare LF ends, obs-text kept, controls and folding refused', () => {
    const head = (text: string) => parse('GET', [text]).heads[0]?.rawHeaders;
    assert.deepEqual(head('HTTP/1.1 204 No Content\r\nX-A: \t one  two \t\r\nX-Empty:\r\nX-Sp:   \r\n\r\n'), ['X-A', 'one  two', 'X-Empty', '', 'X-Sp', '']);
    assert.deepEqual(head('HTTP/1.1 204 No Content\nX-A:1\nX-B: 2\r\n\n'), ['X-A', '1', 'X-B', '2']);
    assert.deepEqual(head('HTTP/1.1 204 No Content\r\nX-Latin: caf\xe9\r\n\r\n'), ['X-Latin', 'caf\xe9']);
    // The head is parsed up to its blank line; body bytes in the same read are not field lines.
    const p = parse('GET', ['HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nX-No: yes'], false);
    assert.deepEqual(p.heads[0]?.rawHeaders, ['Content-Length', '9']);
    assert.equal(p.body, 'X-No: yes');
    const invalid = (text: string) =>
      assert.throws(() => parse('GET', [text]), (e: unknown) => e instanceof UpstreamError && e.kind === 'invalid', JSON.stringify(text));
    invalid('HTTP/1.1 204 No Content\r\nX-A: 1\r\n folded\r\n\r\n');
    invalid('HTTP/1.1 204 No Content\r\nNoColon\r\n\r\n');
    invalid('HTTP/1.1 204 No Content\r\n: empty-name\r\n\r\n');
    invalid('HTTP/1.1 204 No Content\r\nX-A : space-before-colon\r\n\r\n');
    invalid('HTTP/1.1 204 No Content\r\nX-\xe9: non-ascii-name\r\n\r\n');
    invalid('HTTP/1.1 204 No Content\r\nX-A: nul\x00\r\n\r\n');
    invalid('HTTP/1.1 204 No Content\r\nX-A: del\x7f\r\n\r\n');
    invalid('HTTP/1.1 204 No Content\r\nX-A: cr\r\r\n\r\n');
    invalid('HTTP/1.1 204 No Content\r\nX-A: 1\r\n\rX\r\n\r\n');
  });

  it('reports a premature close in nginx words', () => {
    assert.throws(() => parse('GET', ['HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'], true), /upstream prematurely closed connection while reading upstream/);
    assert.throws(() => parse('GET', ['HTTP/1.1 200'], true), /upstream prematurely closed connection while reading response header from upstream/);
  });
});
