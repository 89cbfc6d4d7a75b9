// nginx ip_hash (ngx_http_upstream_ip_hash_module.c): hash = (hash * 113 + byte) % 6271 from 89,
// over the first three octets of an IPv4 client (a /24 sticks to one server) or all 16 bytes of
// an IPv6 one; the hash picks a server by weight; an ineligible pick rehashes, and after 20
// tries nginx falls back to round-robin.
import { isIP } from 'node:net';
import type { UpstreamPeer } from '../peer.js';
import type { PickContext, Selector } from '../selector.js';
import { smoothWeighted } from './round-robin.js';

const MAX_TRIES = 20;

/** The bytes nginx hashes for a client address (IPv4-mapped IPv6 counts as IPv4, as nginx does). */
export function ipHashBytes(address: string): number[] {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const v4 = mapped ? mapped[1] ?? '' : address;
  if (isIP(v4) === 4) return v4.split('.').slice(0, 3).map(Number);
  if (isIP(address) === 6) return ipv6Bytes(address);
  // Unix-socket clients and the like: nginx hashes nothing, so everyone lands on one server.
  return [];
}

function ipv6Bytes(address: string): number[] {
  const zone = address.indexOf('%');
  let text = zone >= 0 ? address.slice(0, zone) : address;
  let tail: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    tail = (dotted[1] ?? '').split('.').map(Number);
    text = text.slice(0, -((dotted[1] ?? '').length)) + '0:0';
  }
  const [head = '', rest] = text.split('::');
  const a = head === '' ? [] : head.split(':');
  const b = rest === undefined || rest === '' ? [] : rest.split(':');
  const groups = rest === undefined ? a : [...a, ...Array<string>(8 - a.length - b.length).fill('0'), ...b];
  const bytes: number[] = [];
  for (const g of groups) {
    const v = parseInt(g, 16);
    bytes.push((v >> 8) & 0xff, v & 0xff);
  }
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}

export const ipHash = {
  pick(ctx: PickContext): UpstreamPeer | null {
    const bytes = ipHashBytes(ctx.clientAddress);
    let total = 0;
    for (const p of ctx.peers) total += p.weight;
    if (total === 0) return null;
    let hash = 89;
    for (let tries = 0; tries <= MAX_TRIES; tries++) {
      for (const b of bytes) hash = (hash * 113 + b) % 6271;
      let w = hash % total;
      let i = 0;
      while (w >= (ctx.peers[i]?.weight ?? Infinity)) {
        w -= ctx.peers[i]?.weight ?? 0;
        i++;
      }
      const peer = ctx.peers[i];
      if (peer && ctx.eligible(peer)) return peer;
      // nginx: with nothing to hash the loop cannot move; it falls back to round-robin at once.
      if (bytes.length === 0) break;
    }
    return smoothWeighted(ctx.peers, ctx.eligible);
  },
} satisfies Selector;
