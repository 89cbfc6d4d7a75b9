import { createHash } from 'node:crypto';

/** SHA-256 of the DER, as colon-separated upper-case hex: the format of `openssl x509 -fingerprint -sha256`. */
export function fingerprintSha256(der: ArrayBuffer | Uint8Array): string {
  const hex = createHash('sha256').update(new Uint8Array(der)).digest('hex').toUpperCase();
  return hex.match(/../g)!.join(':');
}
