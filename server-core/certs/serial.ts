// Certificate serial numbers: 16 random bytes as a positive DER INTEGER of exactly 16 octets.
// RFC 5280 §4.1.2.2 wants a positive serial of at most 20 octets; the CA/Browser Forum baseline
// asks for at least 64 random bits. A first byte of 0x00 would be dropped by the DER encoding
// (a 15-octet serial, one leaf in 256) and a first bit of 1 would need a 0x00 pad: so the first
// byte is kept in 0x40–0x7f, which leaves 126 random bits.
import { randomBytes } from 'node:crypto';

/** A fresh serial as 32 lower-case hex digits. */
export function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x3f) | 0x40;
  return bytes.toString('hex');
}
