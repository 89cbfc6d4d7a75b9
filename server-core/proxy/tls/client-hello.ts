// The server name a TLS client asks for, read from its ClientHello before the handshake starts
// (RFC 8446 §4.1.2, RFC 6066 §3 server_name), and plain HTTP sent to a TLS port told apart.
// tls-listener.ts needs the name before node:tls sees the connection: see the note there on why
// a certificate picked later (SNICallback) can lose to the default one.

/** A ClientHello is one handshake message; browsers' post-quantum key shares make it ~2 KB. Past this it is not one. */
export const MAX_CLIENT_HELLO_BYTES = 16 * 1024;

export type ClientHelloRead =
  /** Not enough bytes yet. */
  | { kind: 'partial' }
  /** A TLS handshake; `servername` null when the client sent none (an IP address in the URL). */
  | { kind: 'tls'; servername: string | null }
  /** An HTTP request line where a ClientHello should be: nginx's "plain HTTP request was sent to HTTPS port". */
  | { kind: 'http' }
  /** Anything else: left to node:tls to refuse. */
  | { kind: 'other' };

const RECORD_HANDSHAKE = 0x16;
const HANDSHAKE_CLIENT_HELLO = 0x01;
const EXTENSION_SERVER_NAME = 0x0000;
const NAME_TYPE_HOST = 0x00;

/** Reads what `buf` (the connection's first bytes) holds; `partial` until the whole ClientHello is in. */
export function readClientHello(buf: Buffer): ClientHelloRead {
  if (buf.length === 0) return { kind: 'partial' };
  if (buf[0] !== RECORD_HANDSHAKE) return requestLineStart(buf);
  // The handshake message may span several records (RFC 8446 §5.1): join their payloads.
  const parts: Buffer[] = [];
  let have = 0;
  let need = -1;
  for (let at = 0; ; ) {
    if (buf.length < at + 5) return { kind: 'partial' };
    if (buf[at] !== RECORD_HANDSHAKE || buf[at + 1] !== 0x03) return { kind: 'other' };
    const length = buf.readUInt16BE(at + 3);
    if (length === 0) return { kind: 'other' };
    if (buf.length < at + 5 + length) return { kind: 'partial' };
    parts.push(buf.subarray(at + 5, at + 5 + length));
    have += length;
    at += 5 + length;
    if (need < 0 && have >= 4) {
      const head = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
      if (head[0] !== HANDSHAKE_CLIENT_HELLO) return { kind: 'other' };
      need = 4 + head.readUIntBE(1, 3);
      if (need > MAX_CLIENT_HELLO_BYTES) return { kind: 'other' };
    }
    if (need >= 0 && have >= need) break;
  }
  const hello = (parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts)).subarray(4, need);
  const servername = serverNameOf(hello);
  return servername === undefined ? { kind: 'other' } : { kind: 'tls', servername };
}

/** The host_name of the server_name extension; null without one; undefined when the message is malformed. */
function serverNameOf(hello: Buffer): string | null | undefined {
  // legacy_version (2), random (32), then three length-prefixed fields.
  let at = 34;
  if (hello.length < at + 1) return undefined;
  at += 1 + (hello[at] as number); // legacy_session_id
  if (hello.length < at + 2) return undefined;
  at += 2 + hello.readUInt16BE(at); // cipher_suites
  if (hello.length < at + 1) return undefined;
  at += 1 + (hello[at] as number); // legacy_compression_methods
  if (hello.length === at) return null; // no extensions at all (TLS 1.2 allows it)
  if (hello.length < at + 2) return undefined;
  const end = at + 2 + hello.readUInt16BE(at);
  if (end > hello.length) return undefined;
  for (at += 2; at + 4 <= end; ) {
    const type = hello.readUInt16BE(at);
    const length = hello.readUInt16BE(at + 2);
    const data = at + 4;
    if (data + length > end) return undefined;
    if (type === EXTENSION_SERVER_NAME) {
      // server_name_list: a 2-byte length, then (name_type, 2-byte length, name) entries.
      for (let p = data + 2; p + 3 <= data + length; ) {
        const nameLength = hello.readUInt16BE(p + 1);
        if (p + 3 + nameLength > data + length) return undefined;
        if (hello[p] === NAME_TYPE_HOST) return hello.toString('latin1', p + 3, p + 3 + nameLength);
        p += 3 + nameLength;
      }
      return null;
    }
    at = data + length;
  }
  return null;
}

/** An uppercase token then a space: the start of an HTTP/1.x request line (a method). */
function requestLineStart(buf: Buffer): ClientHelloRead {
  for (let i = 0; i < buf.length && i < 16; i++) {
    const c = buf[i] as number;
    if (c === 0x20) return i > 0 ? { kind: 'http' } : { kind: 'other' };
    if (c < 0x41 || c > 0x5a) return { kind: 'other' };
  }
  return buf.length < 16 ? { kind: 'partial' } : { kind: 'other' };
}
