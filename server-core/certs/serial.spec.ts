import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { randomSerial } from './serial.js';

describe('randomSerial', () => {
  it('is 16 octets with the first in 0x40–0x7f (positive, no zero byte to drop), and does not repeat', () => {
    const seen = new Set<string>();
    // 2,000 draws: a first byte of 0x00 or ≥ 0x80 (what this guards against) would show in ~8 of 1,000.
    for (let i = 0; i < 2000; i++) {
      const s = randomSerial();
      assert.match(s, /^[4-7][0-9a-f]{31}$/);
      seen.add(s);
    }
    assert.equal(seen.size, 2000);
  });
});
