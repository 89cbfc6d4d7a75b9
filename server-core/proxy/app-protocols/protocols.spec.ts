import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCgiHead, CgiResponseParser } from './cgi-response.js';
import { decodeParams, encodeParams, FCGI_END_REQUEST, FCGI_PARAMS, FCGI_STDOUT, record, RecordReader, requestHead, streamRecords } from './fastcgi-records.js';
import { mapScript } from './fastcgi-script.js';
import { decodeUwsgiVars, encodeUwsgiPacket, UwsgiPacketTooBig } from './uwsgi-packet.js';

describe('uwsgi packet', () => {
  test('modifier1 0, little-endian 16-bit sizes, key/value pairs', () => {
    const p = encodeUwsgiPacket([['REQUEST_METHOD', 'GET'], ['PATH_INFO', '/\xe4\xb8\xad']]);
    assert.equal(p.readUInt8(0), 0);
    assert.equal(p.readUInt16LE(1), 2 + 14 + 2 + 3 + 2 + 9 + 2 + 4);
    assert.equal(p.readUInt8(3), 0);
    assert.deepEqual(p.subarray(4, 8), Buffer.from([14, 0, ...Buffer.from('RE')]));
    const back = decodeUwsgiVars(p);
    assert.equal(back.vars.get('REQUEST_METHOD'), 'GET');
    assert.equal(Buffer.from(back.vars.get('PATH_INFO') ?? '', 'latin1').toString('utf8'), '/中');
  });
  test('refuses variables past the 16-bit size', () => {
    assert.throws(() => encodeUwsgiPacket([['HTTP_COOKIE', 'x'.repeat(70_000)]]), UwsgiPacketTooBig);
  });
});

describe('FastCGI records', () => {
  test('header, content and padding to 8 bytes', () => {
    const r = record(FCGI_STDOUT, 1, Buffer.from('hello'));
    assert.deepEqual([...r.subarray(0, 8)], [1, FCGI_STDOUT, 0, 1, 0, 5, 3, 0]);
    assert.equal(r.length, 16);
  });
  test('name-value lengths: 1 byte under 128, 4 bytes with the top bit set above', () => {
    const long = 'v'.repeat(300);
    const enc = encodeParams([['A', 'b'], ['LONG', long]]);
    assert.deepEqual([...enc.subarray(0, 4)], [1, 1, 65, 98]);
    assert.deepEqual([...enc.subarray(4, 9)], [4, 0x80, 0, 1, 44]);
    assert.deepEqual(decodeParams(enc), new Map([['A', 'b'], ['LONG', long]]));
  });
  test('a request head is BEGIN_REQUEST (keep-conn flag), PARAMS and the empty PARAMS', () => {
    const head = requestHead(1, [['SCRIPT_FILENAME', '/srv/index.php']], true);
    const seen: Array<[number, number]> = [];
    new RecordReader().feed(head, (r) => seen.push([r.type, r.content.length]));
    assert.deepEqual(seen.map((s) => s[0]), [1, FCGI_PARAMS, FCGI_PARAMS]);
    assert.equal(head.readUInt8(8 + 2), 1, 'FCGI_KEEP_CONN');
    assert.equal(seen[2]?.[1], 0);
  });
  test('streams split at 65535 bytes; the reader reassembles records split across chunks', () => {
    const recs = streamRecords(FCGI_STDOUT, 1, Buffer.alloc(70_000, 120));
    assert.equal(recs.length, 2);
    const all = Buffer.concat([...recs, record(FCGI_END_REQUEST, 1, Buffer.alloc(8))]);
    const reader = new RecordReader();
    const types: number[] = [];
    for (let i = 0; i < all.length; i += 7) reader.feed(all.subarray(i, i + 7), (r) => types.push(r.type));
    assert.deepEqual(types, [FCGI_STDOUT, FCGI_STDOUT, FCGI_END_REQUEST]);
  });
});

describe('CGI response', () => {
  test('Status sets the code; Location alone means 302; otherwise 200', () => {
    assert.deepEqual(parseCgiHead('Status: 404 Not Found\r\nContent-Type: text/html'), { status: 404, statusMessage: 'Not Found', rawHeaders: ['Content-Type', 'text/html'] });
    assert.equal(parseCgiHead('Location: /x').status, 302);
    assert.equal(parseCgiHead('X-Powered-By: PHP').status, 200);
    assert.throws(() => parseCgiHead('no colon here'));
  });
  test('the head may arrive in pieces; the rest is body', () => {
    const p = new CgiResponseParser();
    assert.equal(p.feed(Buffer.from('Content-Type: text/plain\r\n')), null);
    const body = p.feed(Buffer.from('\r\nhello'));
    assert.equal(body?.toString(), 'hello');
    assert.equal(p.head?.status, 200);
  });
});

describe('FastCGI script mapping (fastcgi_split_path_info)', () => {
  const split = '^(.+?\\.php)(/.*)$';
  test('script and PATH_INFO', () => {
    assert.deepEqual(mapScript('/index.php/a/b', '/srv', 'index.php', split), { name: '/index.php', filename: '/srv/index.php', pathInfo: '/a/b' });
  });
  test('a directory gets the index', () => {
    assert.equal(mapScript('/admin/', '/srv', 'index.php', split).filename, '/srv/admin/index.php');
  });
  test('/uploads/a.jpg/x.php maps to the whole URI, which is not an existing .php file', () => {
    assert.deepEqual(mapScript('/uploads/a.jpg/x.php', '/srv', 'index.php', split), { name: '/uploads/a.jpg/x.php', filename: '/srv/uploads/a.jpg/x.php', pathInfo: '' });
  });
});
