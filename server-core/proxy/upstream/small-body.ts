// Small request bodies are read whole before the upstream request goes out, then sent with its
// head in one write (nginx reads the body first too: client_body_buffer_size, 16k on 64-bit).
// An app that answers without reading the body (Django's CSRF 403, a 401) and closes would
// otherwise race the body's separate write: EPIPE/ECONNRESET on it destroys the socket before
// the answer waiting in it is read, and the client gets a 502 instead of the app's response.
// A body in memory can also be sent again to the next server. Larger bodies stream. A body without
// a declared length (chunked, or HTTP/2 without Content-Length) is read the same way while it stays
// this small, and then goes out with a Content-Length, as nginx sends every body it buffered: apps
// that read only CONTENT_LENGTH (a WSGI app under gunicorn) get it.
import type { ProxyBodyStream } from '../http-types.js';

/** Declared bodies up to this size are read before the upstream request (nginx client_body_buffer_size). */
export const SMALL_BODY_BYTES = 16 * 1024;

/**
 * Reads a body of exactly `length` bytes. Null when it ends short, errors, or the client goes
 * away (the engine has answered 408/413 or the client is gone: nothing to send upstream).
 */
export async function readSmallBody(stream: ProxyBodyStream, length: number): Promise<Buffer | null> {
  const body = await readUpTo(stream, Infinity, null);
  return body?.kind === 'whole' && body.data.length === length ? body.data : null;
}

export type UnsizedBody = { kind: 'whole'; data: Buffer } | { kind: 'longer' };

/**
 * Reads a body without a declared length while it stays within `limit`: the whole body when it
 * ends within it; else 'longer', with what was read put back at the head of the paused stream (so
 * it streams from its first byte). Null as for readSmallBody. A stream that cannot take bytes back
 * is left unread: 'longer'.
 */
export function readUnsizedBody(stream: ProxyBodyStream, limit = SMALL_BODY_BYTES): Promise<UnsizedBody | null> {
  const unshift = stream.unshift?.bind(stream);
  if (unshift === undefined) return Promise.resolve({ kind: 'longer' });
  return readUpTo(stream, limit, unshift);
}

/** The body until its end, or until it passes `limit` (then paused, and the bytes read handed to `putBack`). */
function readUpTo(stream: ProxyBodyStream, limit: number, putBack: ((chunk: Buffer) => void) | null): Promise<UnsizedBody | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const finish = (value: UnsizedBody | null): void => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onClose);
      resolve(value);
    };
    const onData = (chunk: Buffer | string): void => {
      const b = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
      chunks.push(b);
      got += b.length;
      if (got <= limit || putBack === null) return;
      stream.pause();
      finish({ kind: 'longer' });
      putBack(chunks.length === 1 ? b : Buffer.concat(chunks, got));
    };
    const onEnd = (): void => finish({ kind: 'whole', data: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, got) });
    const onError = (): void => finish(null);
    const onClose = (): void => finish(null);
    if (stream.readableEnded) {
      resolve({ kind: 'whole', data: Buffer.alloc(0) });
      return;
    }
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    // 'close' after 'end' is handled by onEnd first (listeners are removed there).
    stream.on('close', onClose);
    stream.resume();
  });
}
