import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { readSmallBody, readUnsizedBody } from './small-body.js';

describe('readSmallBody', () => {
  it('reads a body sent in pieces, exactly its length', async () => {
    const s = new PassThrough();
    const p = readSmallBody(s, 11);
    s.write('hello ');
    setTimeout(() => s.end('world'), 5);
    assert.equal((await p)?.toString(), 'hello world');
  });

  it('is null for a body that ends short, errors, or is destroyed', async () => {
    const short = new PassThrough();
    const a = readSmallBody(short, 10);
    short.end('abc');
    assert.equal(await a, null);

    const failing = new PassThrough();
    const b = readSmallBody(failing, 10);
    failing.destroy(new Error('client went away'));
    assert.equal(await b, null);

    const closed = new PassThrough();
    const c = readSmallBody(closed, 10);
    closed.write('ab');
    closed.destroy();
    assert.equal(await c, null);
  });

  it('leaves no listeners behind', async () => {
    const s = new PassThrough();
    const p = readSmallBody(s, 2);
    s.end('ok');
    await p;
    for (const e of ['data', 'end', 'error', 'close']) assert.equal(s.listenerCount(e), 0, e);
  });
});

describe('readUnsizedBody', () => {
  it('reads a body without a length whole when it ends within the limit', async () => {
    const s = new PassThrough();
    const p = readUnsizedBody(s, 16);
    s.write('hello ');
    setTimeout(() => s.end('world'), 5);
    const r = await p;
    assert.equal(r?.kind, 'whole');
    assert.equal(r?.kind === 'whole' ? r.data.toString() : '', 'hello world');
    for (const e of ['data', 'end', 'error', 'close']) assert.equal(s.listenerCount(e), 0, e);
  });

  it('past the limit: puts what it read back, paused, so the stream gives every byte from the first', async () => {
    const s = new PassThrough();
    const p = readUnsizedBody(s, 8);
    s.write('0123');
    setTimeout(() => s.write('456789ab'), 5);
    const r = await p;
    assert.deepEqual(r, { kind: 'longer' });
    assert.equal(s.isPaused(), true);
    s.end('cd');
    const parts: Buffer[] = [];
    for await (const c of s) parts.push(c as Buffer);
    assert.equal(Buffer.concat(parts).toString(), '0123456789abcd');
  });

  it('is null when the client goes away; an empty body is whole and empty', async () => {
    const gone = new PassThrough();
    const a = readUnsizedBody(gone, 8);
    gone.write('ab');
    gone.destroy();
    assert.equal(await a, null);
    const empty = new PassThrough();
    const b = readUnsizedBody(empty, 8);
    empty.end();
    const r = await b;
    assert.equal(r?.kind === 'whole' ? r.data.length : -1, 0);
  });
});
