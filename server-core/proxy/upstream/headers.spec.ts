import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildRequestHead, forwardedElement, relayedHeaderLines, responseHeaders, type UpstreamRequestSpec } from './headers.js';

function spec(over: Partial<UpstreamRequestSpec> = {}): UpstreamRequestSpec {
  return {
    method: 'GET',
    target: '/p?q=1',
    rawHeaders: ['Host', 'site.test:8080', 'User-Agent', 'ua'],
    proxyHost: 'backend',
    clientAddress: '10.0.0.9',
    scheme: 'http',
    clientHost: 'site.test:8080',
    body: { kind: 'none' },
    upgrade: null,
    keepAlive: true,
    setHeaders: new Map(),
    ...over,
  };
}

const lines = (head: string) => head.split('\r\n');

describe('upstream request head', () => {
  it('sends $proxy_host as Host and adds the forwarding headers', () => {
    const head = buildRequestHead(spec());
    assert.ok(head.startsWith('GET /p?q=1 HTTP/1.1\r\nHost: backend\r\n'));
    assert.ok(head.endsWith('\r\n\r\n'));
    const l = lines(head);
    for (const want of ['User-Agent: ua', 'X-Real-IP: 10.0.0.9', 'X-Forwarded-For: 10.0.0.9', 'X-Forwarded-Proto: http', 'X-Forwarded-Host: site.test:8080', 'Forwarded: for=10.0.0.9;host="site.test:8080";proto=http']) {
      assert.ok(l.includes(want), `${want} in ${head}`);
    }
    assert.ok(!/Connection:/i.test(head), 'keep-alive needs no Connection header on HTTP/1.1');
  });

  it('appends to X-Forwarded-For and Forwarded, and replaces spoofable ones', () => {
    const head = buildRequestHead(
      spec({ rawHeaders: ['Host', 'h', 'X-Forwarded-For', '1.1.1.1', 'x-forwarded-for', '2.2.2.2', 'Forwarded', 'for=1.1.1.1', 'X-Real-IP', '6.6.6.6', 'X-Forwarded-Proto', 'https'] }),
    );
    const l = lines(head);
    assert.ok(l.includes('X-Forwarded-For: 1.1.1.1, 2.2.2.2, 10.0.0.9'));
    assert.ok(l.includes('Forwarded: for=1.1.1.1, for=10.0.0.9;host="site.test:8080";proto=http'));
    assert.ok(l.includes('X-Real-IP: 10.0.0.9') && !head.includes('6.6.6.6'));
    assert.equal(l.filter((x) => x.startsWith('X-Forwarded-Proto')).length, 1);
  });

  it('strips hop-by-hop headers and those named in Connection', () => {
    const head = buildRequestHead(
      spec({
        rawHeaders: ['Host', 'h', 'Connection', 'keep-alive, X-Secret', 'Keep-Alive', 'timeout=5', 'TE', 'trailers', 'Trailer', 'X-T', 'Upgrade', 'h2c', 'Proxy-Authorization', 'Basic x', 'Proxy-Connection', 'keep-alive', 'X-Secret', 's', 'X-Kept', 'k', 'Expect', '100-continue'],
      }),
    );
    for (const gone of ['Connection: keep', 'Keep-Alive', 'TE:', 'Trailer', 'Upgrade', 'Proxy-', 'X-Secret', 'Expect']) assert.ok(!head.includes(gone), `${gone} in ${head}`);
    assert.ok(head.includes('X-Kept: k'));
  });

  it('applies setHeaders last (empty removes), frames the body, and asks for close without a pool', () => {
    const setHeaders = new Map([
      ['host', { name: 'Host', value: 'example.test' }],
      ['x-forwarded-for', { name: 'X-Forwarded-For', value: '' }],
      ['x-extra', { name: 'X-Extra', value: 'yes' }],
    ]);
    const head = buildRequestHead(spec({ setHeaders, body: { kind: 'chunked' }, keepAlive: false, rawHeaders: ['Host', 'h', 'Transfer-Encoding', 'chunked', 'Content-Length', '3'] }));
    const l = lines(head);
    assert.ok(l.includes('Host: example.test') && !l.includes('Host: backend'));
    assert.ok(!head.includes('X-Forwarded-For'));
    assert.ok(l.includes('X-Extra: yes') && l.includes('Transfer-Encoding: chunked') && l.includes('Connection: close'));
    assert.ok(!head.includes('Content-Length'));
    const up = buildRequestHead(spec({ upgrade: 'websocket', body: { kind: 'length', length: 0 } }));
    assert.ok(lines(up).includes('Connection: upgrade') && lines(up).includes('Upgrade: websocket') && lines(up).includes('Content-Length: 0'));
  });

  it('quotes IPv6 nodes in Forwarded (RFC 7239 §6)', () => {
    assert.equal(forwardedElement('::1', null, 'https'), 'for="[::1]";proto=https');
  });
});

describe('upstream response headers', () => {
  it('drops hop-by-hop, Connection-named, nginx-hidden and configured hidden headers; keeps repeats', () => {
    const out = responseHeaders(
      ['Connection', 'close, X-Hop', 'X-Hop', '1', 'Keep-Alive', 'x', 'Transfer-Encoding', 'chunked', 'Server', 'gunicorn', 'Date', 'd', 'X-Powered-By', 'php', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2', 'Content-Length', '5', 'X-Accel-Redirect', '/x'],
      new Set(['x-powered-by']),
      true,
    );
    assert.deepEqual([...out.keys()], ['set-cookie', 'content-length']);
    assert.deepEqual(out.get('set-cookie')?.values, ['a=1', 'b=2']);
    assert.ok(!responseHeaders(['Content-Length', '5'], new Set(), false).has('content-length'));
  });

  it('relays the same fields as lines, in order, Content-Length once', () => {
    const raw = ['Connection', 'close, X-Hop', 'X-Hop', '1', 'Server', 'gunicorn', 'Set-Cookie', 'a=1', 'X-Powered-By', 'php', 'Set-Cookie', 'b=2', 'Content-Length', '5', 'content-length', '5'];
    const out = relayedHeaderLines(raw, new Set(['x-powered-by']), true, new Set(['server', 'set-cookie']));
    assert.equal(out.lines, 'Set-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 5\r\n');
    assert.equal(out.hasLength, true);
    assert.deepEqual(out.overrides, ['set-cookie', 'set-cookie']);
    assert.deepEqual(relayedHeaderLines(['Content-Length', '5'], new Set(), false), { lines: '', hasLength: false, overrides: [] });
    // The same rules without any per-response set (the path most responses take): names in any case.
    const plain = relayedHeaderLines(['SERVER', 'x', 'date', 'd', 'Proxy-Foo', '1', 'X-Accel-Buffering', 'no', 'TE', 't', 'Content-Type', 'text/plain', 'CONTENT-LENGTH', '3', 'Keep-Alive', '5', 'X-Up', '1'], new Set(), true);
    assert.equal(plain.lines, 'Content-Type: text/plain\r\nCONTENT-LENGTH: 3\r\nX-Up: 1\r\n');
    assert.equal(plain.hasLength, true);
    assert.deepEqual(plain.overrides, []);
    // A hidden Content-Length does not count as sent.
    assert.equal(relayedHeaderLines(['Content-Length', '3'], new Set(['content-length']), true).hasLength, false);
  });
});
