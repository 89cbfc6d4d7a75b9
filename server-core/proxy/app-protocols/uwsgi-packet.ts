// The uwsgi packet (https://uwsgi-docs.readthedocs.io/en/latest/Protocol.html): a 4-byte header
// — modifier1 (0 = WSGI/CGI vars), datasize (16-bit little-endian), modifier2 (0) — then each
// variable as key size (16-bit LE), key, value size (16-bit LE), value. The request body follows.
import type { CgiParams } from './cgi-params.js';

/** datasize is 16 bits: the variables of one request cannot exceed 64 KiB - 1 (nginx's limit too). */
export const MAX_UWSGI_VARS = 0xffff;

export class UwsgiPacketTooBig extends Error {
  constructor(readonly size: number) {
    super(`the uwsgi variables take ${size} bytes, over the protocol's limit of ${MAX_UWSGI_VARS}`);
  }
}

/** Params are byte strings (latin1): one char = one byte. */
export function encodeUwsgiPacket(params: CgiParams, modifier1 = 0, modifier2 = 0): Buffer {
  let size = 0;
  for (const [k, v] of params) {
    if (k.length > 0xffff || v.length > 0xffff) throw new UwsgiPacketTooBig(k.length + v.length);
    size += 4 + k.length + v.length;
  }
  if (size > MAX_UWSGI_VARS) throw new UwsgiPacketTooBig(size);
  const buf = Buffer.allocUnsafe(4 + size);
  buf.writeUInt8(modifier1, 0);
  buf.writeUInt16LE(size, 1);
  buf.writeUInt8(modifier2, 3);
  let o = 4;
  for (const [k, v] of params) {
    buf.writeUInt16LE(k.length, o);
    o += 2;
    o += buf.write(k, o, 'latin1');
    buf.writeUInt16LE(v.length, o);
    o += 2;
    o += buf.write(v, o, 'latin1');
  }
  return buf;
}

/** Decodes the variables of a packet (tests, and a uwsgi server in specs). */
export function decodeUwsgiVars(packet: Buffer): { modifier1: number; modifier2: number; vars: Map<string, string>; size: number } {
  const size = packet.readUInt16LE(1);
  const vars = new Map<string, string>();
  let o = 4;
  const end = 4 + size;
  while (o < end) {
    const kl = packet.readUInt16LE(o);
    o += 2;
    const k = packet.toString('latin1', o, o + kl);
    o += kl;
    const vl = packet.readUInt16LE(o);
    o += 2;
    vars.set(k, packet.toString('latin1', o, o + vl));
    o += vl;
  }
  return { modifier1: packet.readUInt8(0), modifier2: packet.readUInt8(3), vars, size };
}
