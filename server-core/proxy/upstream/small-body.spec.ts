import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { readSmallBody } from './small-body.js';

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
