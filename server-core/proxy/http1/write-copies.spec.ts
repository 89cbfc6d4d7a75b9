import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SLAB_BYTES, SMALL_SLAB_BYTES, copyForWrite, idleSlabs } from './write-copies.js';

describe('write copies', () => {
  it('copies a small chunk plainly (Node pools those), with nothing to give back', () => {
    const src = Buffer.from('abc');
    const copy = copyForWrite(src);
    src.fill(0);
    assert.equal(copy.data.toString(), 'abc');
    assert.equal(copy.release, undefined);
  });

  it('copies 4 KiB and more into a slab that is reused only after release', () => {
    const src = Buffer.alloc(10_000, 1);
    const first = copyForWrite(src);
    src.fill(2);
    assert.ok(first.data.every((b) => b === 1), 'the copy does not follow the source');
    assert.equal(first.data.length, 10_000);
    assert.equal(first.data.buffer.byteLength, SMALL_SLAB_BYTES, 'up to 16 KiB: the small slab');
    const large = copyForWrite(Buffer.alloc(40_000, 5));
    assert.equal(large.data.buffer.byteLength, SLAB_BYTES, 'larger: the 64 KiB slab');
    large.release?.();
    // Not released yet: a second copy gets another slab.
    const second = copyForWrite(src);
    assert.notEqual(second.data.buffer, first.data.buffer);
    assert.ok(first.data.every((b) => b === 1));
    const before = idleSlabs();
    first.release?.();
    assert.equal(idleSlabs(), before + 1);
    const third = copyForWrite(Buffer.alloc(12_000, 3));
    assert.equal(third.data.buffer, first.data.buffer, 'the released slab is taken again');
    assert.equal(idleSlabs(), before);
    second.release?.();
    third.release?.();
  });

  it('copies a chunk larger than a slab plainly', () => {
    const copy = copyForWrite(Buffer.alloc(SLAB_BYTES + 1, 4));
    assert.equal(copy.data.length, SLAB_BYTES + 1);
    assert.equal(copy.release, undefined);
  });
});
