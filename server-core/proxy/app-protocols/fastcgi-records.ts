// FastCGI 1.0 records (https://fastcgi-archives.github.io/FastCGI_Specification.html §3, §8):
// an 8-byte header (version 1, type, request id, content length, padding length, reserved),
// content, padding to a multiple of 8. Name-value pairs carry each length in 1 byte (< 128) or
// 4 bytes with the top bit set.
import type { CgiParams } from './cgi-params.js';

export const FCGI_VERSION_1 = 1;
export const FCGI_BEGIN_REQUEST = 1;
export const FCGI_ABORT_REQUEST = 2;
export const FCGI_END_REQUEST = 3;
export const FCGI_PARAMS = 4;
export const FCGI_STDIN = 5;
export const FCGI_STDOUT = 6;
export const FCGI_STDERR = 7;
export const FCGI_RESPONDER = 1;
/** flags of FCGI_BEGIN_REQUEST: keep the connection open after the request. */
export const FCGI_KEEP_CONN = 1;
/** protocolStatus of FCGI_END_REQUEST. */
export const FCGI_REQUEST_COMPLETE = 0;
export const FCGI_OVERLOADED = 2;
const MAX_CONTENT = 0xffff;

export function record(type: number, requestId: number, content: Buffer = Buffer.alloc(0)): Buffer {
  const padding = (8 - (content.length % 8)) % 8;
  const buf = Buffer.alloc(8 + content.length + padding);
  buf.writeUInt8(FCGI_VERSION_1, 0);
  buf.writeUInt8(type, 1);
  buf.writeUInt16BE(requestId, 2);
  buf.writeUInt16BE(content.length, 4);
  buf.writeUInt8(padding, 6);
  content.copy(buf, 8);
  return buf;
}

/** A stream's content split into records of at most 65535 bytes (an empty one ends the stream). */
export function streamRecords(type: number, requestId: number, data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let o = 0; o < data.length; o += MAX_CONTENT) out.push(record(type, requestId, data.subarray(o, Math.min(o + MAX_CONTENT, data.length))));
  return out;
}

export function beginRequest(requestId: number, keepConn: boolean): Buffer {
  const body = Buffer.alloc(8);
  body.writeUInt16BE(FCGI_RESPONDER, 0);
  body.writeUInt8(keepConn ? FCGI_KEEP_CONN : 0, 2);
  return record(FCGI_BEGIN_REQUEST, requestId, body);
}

function lengthBytes(n: number): Buffer {
  if (n < 128) return Buffer.from([n]);
  const b = Buffer.alloc(4);
  b.writeUInt32BE((n | 0x80000000) >>> 0);
  return b;
}

/** Name-value pairs; names and values are byte strings (latin1). */
export function encodeParams(params: CgiParams): Buffer {
  const parts: Buffer[] = [];
  for (const [k, v] of params) parts.push(lengthBytes(k.length), lengthBytes(v.length), Buffer.from(k, 'latin1'), Buffer.from(v, 'latin1'));
  return Buffer.concat(parts);
}

export function decodeParams(buf: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let o = 0;
  const len = (): number => {
    const first = buf.readUInt8(o);
    if (first < 128) {
      o += 1;
      return first;
    }
    const n = buf.readUInt32BE(o) & 0x7fffffff;
    o += 4;
    return n;
  };
  while (o < buf.length) {
    const kl = len();
    const vl = len();
    const k = buf.toString('latin1', o, o + kl);
    o += kl;
    out.set(k, buf.toString('latin1', o + 0, o + vl));
    o += vl;
  }
  return out;
}

/** The records that open a request: BEGIN_REQUEST, the params, and the empty PARAMS that ends them. */
export function requestHead(requestId: number, params: CgiParams, keepConn: boolean): Buffer {
  return Buffer.concat([beginRequest(requestId, keepConn), ...streamRecords(FCGI_PARAMS, requestId, encodeParams(params)), record(FCGI_PARAMS, requestId)]);
}

export interface FcgiRecord {
  type: number;
  requestId: number;
  content: Buffer;
}

/** Incremental record reader: bytes in, whole records out. */
export class RecordReader {
  private pending: Buffer | null = null;

  feed(chunk: Buffer, onRecord: (r: FcgiRecord) => void): void {
    let buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = null;
    while (buf.length >= 8) {
      if (buf.readUInt8(0) !== FCGI_VERSION_1) throw new Error(`FastCGI record with version ${buf.readUInt8(0)}`);
      const contentLength = buf.readUInt16BE(4);
      const total = 8 + contentLength + buf.readUInt8(6);
      if (buf.length < total) break;
      onRecord({ type: buf.readUInt8(1), requestId: buf.readUInt16BE(2), content: buf.subarray(8, 8 + contentLength) });
      buf = buf.subarray(total);
    }
    if (buf.length > 0) this.pending = Buffer.from(buf);
  }

  get buffered(): number {
    return this.pending?.length ?? 0;
  }
}

/** appStatus and protocolStatus of an END_REQUEST record. */
export function parseEndRequest(content: Buffer): { appStatus: number; protocolStatus: number } {
  return { appStatus: content.length >= 4 ? content.readUInt32BE(0) : 0, protocolStatus: content.length >= 5 ? content.readUInt8(4) : 0 };
}
