// Apache's `$apr1$` password hash: Poul-Henning Kamp's FreeBSD MD5-crypt with the magic `$apr1$`
// (Apache APR apr_md5.c, `htpasswd -m`, `openssl passwd -apr1`). MD5 from node:crypto; the rest
// is the published algorithm: 1000 rounds and a custom base-64 with bytes in a fixed order.
import { createHash } from 'node:crypto';

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const MAGIC = '$apr1$';

function md5(...parts: (Buffer | string)[]): Buffer {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return h.digest();
}

function to64(value: number, count: number): string {
  let out = '';
  let v = value;
  for (let i = 0; i < count; i++) {
    out += ITOA64[v & 0x3f];
    v >>>= 6;
  }
  return out;
}

/** `$apr1$<salt>$<hash>` for `password` with `salt` (at most 8 characters are used, up to a `$`). */
export function apr1Hash(password: string | Buffer, salt: string): string {
  const pw = typeof password === 'string' ? Buffer.from(password, 'utf8') : password;
  const s = salt.split('$')[0]?.slice(0, 8) ?? '';
  const ctx = createHash('md5');
  ctx.update(pw);
  ctx.update(MAGIC);
  ctx.update(s);
  let alt = md5(pw, s, pw);
  for (let left = pw.length; left > 0; left -= 16) ctx.update(alt.subarray(0, Math.min(16, left)));
  // Odd spec detail kept for compatibility: a zero byte for 1 bits, the first password byte for 0 bits.
  for (let i = pw.length; i > 0; i >>>= 1) ctx.update(i & 1 ? Buffer.alloc(1) : pw.subarray(0, 1));
  alt = ctx.digest();
  for (let i = 0; i < 1000; i++) {
    const round = createHash('md5');
    round.update(i & 1 ? pw : alt);
    if (i % 3) round.update(s);
    if (i % 7) round.update(pw);
    round.update(i & 1 ? alt : pw);
    alt = round.digest();
  }
  const b = (i: number): number => alt[i] ?? 0;
  const encoded =
    to64((b(0) << 16) | (b(6) << 8) | b(12), 4) +
    to64((b(1) << 16) | (b(7) << 8) | b(13), 4) +
    to64((b(2) << 16) | (b(8) << 8) | b(14), 4) +
    to64((b(3) << 16) | (b(9) << 8) | b(15), 4) +
    to64((b(4) << 16) | (b(10) << 8) | b(5), 4) +
    to64(b(11), 2);
  return `${MAGIC}${s}$${encoded}`;
}

/** The salt of a `$apr1$salt$hash` string, or null when it is not one. */
export function apr1Salt(hash: string): string | null {
  const m = /^\$apr1\$([^$]{0,8})\$[./0-9A-Za-z]{22}$/.exec(hash);
  return m ? (m[1] ?? '') : null;
}
