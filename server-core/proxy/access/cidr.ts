// IPv4/IPv6 addresses and CIDR blocks for nginx `allow`/`deny`. Families stay apart like nginx's
// access module (ngx_http_access_handler): IPv4 rules match IPv4 clients, IPv6 rules IPv6 clients,
// and an IPv4-mapped IPv6 client (`::ffff:a.b.c.d`, RFC 4291 §2.5.5.2) is checked as IPv4.
// `all` matches every client.

export type IpFamily = 4 | 6;

export interface IpAddress {
  family: IpFamily;
  /** 4 or 16 bytes, network order. */
  bytes: Uint8Array;
}

export type CidrBlock = { kind: 'all' } | { kind: 'net'; family: IpFamily; bytes: Uint8Array; prefix: number };

export function parseIPv4(s: string): Uint8Array | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i] ?? '';
    // Dotted-quad decimal only: no octal/hex forms, no leading zeros (RFC 6943 §3.1.1).
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out[i] = n;
  }
  return out;
}

/** RFC 4291 §2.2 text forms, including `::` and a trailing dotted IPv4. No zone id. */
export function parseIPv6(s: string): Uint8Array | null {
  if (s.length === 0 || s.length > 45) return null;
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const groups = (text: string): number[] | null => {
    if (text === '') return [];
    const out: number[] = [];
    const items = text.split(':');
    for (let i = 0; i < items.length; i++) {
      const item = items[i] ?? '';
      if (i === items.length - 1 && item.includes('.')) {
        const v4 = parseIPv4(item);
        if (!v4) return null;
        out.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(item)) return null;
        out.push(parseInt(item, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0] ?? '');
  const tail = halves.length === 2 ? groups(halves[1] ?? '') : [];
  if (!head || !tail) return null;
  const total = head.length + tail.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return null;
  const all = [...head, ...new Array<number>(8 - total).fill(0), ...tail];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  return out;
}

/**
 * A client address as the socket reports it. IPv4-mapped IPv6 becomes IPv4; a zone id
 * (`fe80::1%eth0`) is dropped. Null for anything else (a Unix socket has no address).
 */
export function parseClientAddress(s: string): IpAddress | null {
  const v4 = parseIPv4(s);
  if (v4) return { family: 4, bytes: v4 };
  const pct = s.indexOf('%');
  const v6 = parseIPv6(pct === -1 ? s : s.slice(0, pct));
  if (!v6) return null;
  if (isV4Mapped(v6)) return { family: 4, bytes: v6.slice(12) };
  return { family: 6, bytes: v6 };
}

function isV4Mapped(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

export type CidrParse = { ok: true; block: CidrBlock; hostBitsSet: boolean } | { ok: false; message: string };

/**
 * `all`, an address (a /32 or /128) or `address/prefix`. Host bits below the prefix are cleared,
 * as nginx does (it warns "low address bits of … are meaningless"); `hostBitsSet` reports it.
 */
export function parseCidr(source: string): CidrParse {
  const s = source.trim();
  if (s === 'all') return { ok: true, block: { kind: 'all' }, hostBitsSet: false };
  const slash = s.indexOf('/');
  const addr = slash === -1 ? s : s.slice(0, slash);
  const prefixText = slash === -1 ? null : s.slice(slash + 1);
  const v4 = parseIPv4(addr);
  const bytes = v4 ?? parseIPv6(addr);
  if (!bytes) {
    return { ok: false, message: `"${source}" is not an address or CIDR block; write all, 192.168.1.0/24, 10.0.0.1, 2001:db8::/32 or ::1 (host names are not allowed)` };
  }
  const family: IpFamily = v4 ? 4 : 6;
  const maxPrefix = family === 4 ? 32 : 128;
  let prefix = maxPrefix;
  if (prefixText !== null) {
    if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > maxPrefix) {
      return { ok: false, message: `"${source}": the prefix length of an IPv${family} block is a number from 0 to ${maxPrefix}` };
    }
    prefix = Number(prefixText);
  }
  const masked = bytes.slice();
  let hostBitsSet = false;
  for (let i = 0; i < masked.length; i++) {
    const keep = Math.max(0, Math.min(8, prefix - i * 8));
    const mask = keep === 0 ? 0 : (0xff << (8 - keep)) & 0xff;
    if (((masked[i] ?? 0) & ~mask & 0xff) !== 0) hostBitsSet = true;
    masked[i] = (masked[i] ?? 0) & mask;
  }
  return { ok: true, block: { kind: 'net', family, bytes: masked, prefix }, hostBitsSet };
}

export function cidrContains(block: CidrBlock, addr: IpAddress): boolean {
  if (block.kind === 'all') return true;
  if (block.family !== addr.family) return false;
  let bits = block.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((addr.bytes[i] ?? 0) & mask) !== (block.bytes[i] ?? 0)) return false;
  }
  return true;
}
