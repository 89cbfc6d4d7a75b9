import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import bcrypt from 'bcryptjs';
import { BLOWFISH_PI_HEX, bcryptRaw, bcryptVerify } from './bcrypt-bytes.js';

/** π's hexadecimal digits after the point, by Machin's formula in BigInt fixed point. */
function piHexDigits(count: number): string {
  const bits = BigInt(count * 4 + 64);
  const one = 1n << bits;
  const atanInv = (x: bigint): bigint => {
    let term = one / x;
    let sum = term;
    for (let n = 1n, sign = -1n; ; n++, sign = -sign) {
      term /= x * x;
      const t = term / (2n * n + 1n);
      if (t === 0n) return sum;
      sum += sign * t;
    }
  };
  const pi = 16n * atanInv(5n) - 4n * atanInv(239n);
  return ((pi - (3n << bits)) >> 64n).toString(16).padStart(count, '0');
}

describe('bcrypt over bytes', () => {
  it("starts from Blowfish's constants: the first 8,336 hex digits of π", async () => {
    assert.equal(BLOWFISH_PI_HEX.length, 8336);
    assert.equal(BLOWFISH_PI_HEX, piHexDigits(8336));
    // And as used: a zero salt and an empty password give bcryptjs's hash (its tables are literal).
    const hash = bcrypt.hashSync('', '$2b$04$......................');
    assert.equal(await bcryptVerify(Buffer.alloc(0), hash), true);
  });

  it('agrees with bcryptjs on UTF-8 passwords of every length class and on $2a$/$2b$/$2y$', async () => {
    const passwords = ['', 'a', 'hunter2', 'Pässwörd 日本 🙂', 'x'.repeat(71), 'y'.repeat(72), 'z'.repeat(100)];
    for (const pw of passwords) {
      for (const cost of [4, 5]) {
        const hash = bcrypt.hashSync(pw, cost);
        for (const label of ['$2a$', '$2b$', '$2y$']) {
          const h = label + hash.slice(4);
          assert.equal(await bcryptVerify(Buffer.from(pw), h), true, `${pw.slice(0, 12)} ${h}`);
          assert.equal(await bcryptVerify(Buffer.from(`${pw}!`), h), pw.length >= 72, `${pw.slice(0, 12)}! ${h}`);
        }
      }
    }
  });

  it('hashes the bytes it is given: a Latin-1 password made by htpasswd -B matches, its UTF-8 form does not', async () => {
    // htpasswd -nbB x $'p\xe4ss' (apache2-utils 2.4).
    const hash = '$2y$05$KXdSyipPWBq6Mb4/YdgfI.zQSvv9RPmtnVguBnlG7.jdgtJ9E4a.6';
    assert.equal(await bcryptVerify(Buffer.from([0x70, 0xe4, 0x73, 0x73]), hash), true);
    assert.equal(await bcryptVerify(Buffer.from('päss', 'utf8'), hash), false);
    assert.equal(await bcryptVerify(Buffer.from('p\ufffdss', 'utf8'), hash), false);
    let fresh: string | null;
    try {
      // printf makes the raw bytes (node would pass an argument as UTF-8).
      fresh = execFileSync('sh', ['-c', `htpasswd -nbB u "$(printf 'w\\374rd\\377')"`], { encoding: 'latin1', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      fresh = null;
    }
    if (fresh !== null && fresh.startsWith('u:$2')) {
      const h = fresh.slice(2);
      assert.equal(await bcryptVerify(Buffer.from([0x77, 0xfc, 0x72, 0x64, 0xff]), h), true, fresh);
      assert.equal(await bcryptVerify(Buffer.from('würd\xff', 'utf8'), h), false, fresh);
    }
  });

  it('refuses malformed hashes and costs out of range rather than throwing', async () => {
    const good = bcrypt.hashSync('pw', 4);
    for (const bad of ['', good.slice(0, -1), good.replace('$04$', '$03$'), good.replace('$04$', '$32$'), good.replace('$2b$', '$2x$')]) {
      assert.equal(await bcryptVerify(Buffer.from('pw'), bad), false, bad);
    }
  });

  it('gives the event loop a turn during an expensive hash', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const salt = Buffer.alloc(16, 7);
    const raw = await bcryptRaw(Buffer.from('pw'), salt, 11);
    clearInterval(timer);
    assert.equal(raw.length, 24);
    assert.ok(ticks > 0, 'no timer ran while hashing');
  });
});
