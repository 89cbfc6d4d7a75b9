// IP addresses as the bytes X.509 stores (4 or 16 octets, RFC 5280 4.2.1.6) and address
// ranges as address + mask (8 or 32 octets, RFC 5280 4.2.1.10).
import { isIPv4, isIPv6 } from 'node:net';

export interface IpRange {
  address: Uint8Array;
  mask: Uint8Array;
}

/** The address bytes, or undefined when the text is not a plain IPv4/IPv6 address. */
export function parseIp(text: string): Uint8Array | undefined {
  if (isIPv4(text)) return Uint8Array.from(text.split('.').map(Number));
  if (!isIPv6(text)) return undefined;
  // The WHATWG URL parser rewrites any IPv6 form (embedded IPv4, upper case, zero runs)
  // into the canonical RFC 5952 text, which has only hex groups and at most one "::".
  const canonical = new URL(`http://[${text}]/`).hostname.slice(1, -1);
  const [head = '', tail] = canonical.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    bytes[i * 2] = v >> 8;
    bytes[i * 2 + 1] = v & 0xff;
  });
  return bytes;
}

/** Canonical text of address bytes (dotted quad, or RFC 5952 IPv6). */
export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

/** `10.0.0.0/8`, `::1/128` → range; undefined when it is not CIDR notation. */
export function parseCidr(text: string): IpRange | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const address = parseIp(m[1]!);
  const prefix = Number(m[2]);
  if (!address || prefix > address.length * 8) return undefined;
  const mask = new Uint8Array(address.length);
  for (let bit = 0; bit < prefix; bit++) mask[bit >> 3]! |= 0x80 >> (bit & 7);
  // Store the network address, so 127.0.0.1/8 and 127.0.0.0/8 are the same range.
  return { address: address.map((b, i) => b & mask[i]!), mask };
}

export function formatCidr(range: IpRange): string {
  let prefix = 0;
  for (const b of range.mask) for (let bit = 7; bit >= 0; bit--) if (b & (1 << bit)) prefix++;
  return `${formatIp(range.address)}/${prefix}`;
}

/** An IPv4 address matches only IPv4 ranges and IPv6 only IPv6, as in certificate path validation. */
export function ipInRange(address: Uint8Array, range: IpRange): boolean {
  if (address.length !== range.address.length) return false;
  return address.every((b, i) => (b & range.mask[i]!) === range.address[i]);
}
