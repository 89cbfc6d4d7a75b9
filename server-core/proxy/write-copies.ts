// Copies of transient body chunks for a socket write. A proxied body arrives as views on the
// upstream pool's shared read buffer (upstream/pool.ts), valid during the call only, so the client
// write needs a copy. A fresh Buffer of 4 KiB or more is a new ArrayBuffer, which V8 counts as
// external memory: once ~64 MB of it has piled up since the last collection V8 runs a full
// mark-compact. At 64 KiB responses that was 26–54 major GCs per 5 s in each worker, up to 23 ms
// each, with every request in flight waiting (bench:proxy, 2 cores). Copies that size go into
// recycled slabs instead, returned when the write's callback says the socket is done with them.
// Two slab sizes keep a slow client's queued chunks from holding 16 times their size.

/** The pool socket's read buffer size: no transient chunk is larger. */
export const SLAB_BYTES = 64 * 1024;
/** The smaller slab, for chunks up to this size. */
export const SMALL_SLAB_BYTES = 16 * 1024;
/** Below this, Buffer.from copies into Node's shared 8 KiB pool (Buffer.poolSize / 2): no new ArrayBuffer. */
const POOLED_BY_NODE = 4096;
/** Idle slabs kept per size: enough for the writes a worker has in flight, bounded when load drops (≤ 5 MiB). */
const MAX_IDLE = 64;

const idleSmall: Buffer[] = [];
const idleLarge: Buffer[] = [];

export interface WriteCopy {
  data: Buffer;
  /** Give the slab back once the write's callback has run; undefined for a plain copy. */
  release: (() => void) | undefined;
}

export function copyForWrite(chunk: Uint8Array): WriteCopy {
  if (chunk.length < POOLED_BY_NODE || chunk.length > SLAB_BYTES) return { data: Buffer.from(chunk), release: undefined };
  const idle = chunk.length <= SMALL_SLAB_BYTES ? idleSmall : idleLarge;
  const slab = idle.pop() ?? Buffer.allocUnsafeSlow(idle === idleSmall ? SMALL_SLAB_BYTES : SLAB_BYTES);
  slab.set(chunk);
  return {
    data: slab.subarray(0, chunk.length),
    release: () => {
      if (idle.length < MAX_IDLE) idle.push(slab);
    },
  };
}

/**
 * `out.write` of a transient chunk for streams without `writeTransient` (node:http2 responses, the
 * client socket of a WebSocket tunnel): copied, the slab given back by the write's callback. Both
 * call it once the bytes are no longer referenced: written out or copied on (node:http2 queues the
 * buffer itself until nghttp2 has sent it), or with an error when the stream is destroyed first.
 */
export function writeCopy(out: NodeJS.WritableStream, chunk: Uint8Array): boolean {
  const copy = copyForWrite(chunk);
  return copy.release === undefined ? out.write(copy.data) : out.write(copy.data, copy.release);
}

/** Idle slabs of both sizes (for specs). */
export function idleSlabs(): number {
  return idleSmall.length + idleLarge.length;
}
