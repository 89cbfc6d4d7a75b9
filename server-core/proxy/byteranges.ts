// A multipart/byteranges body (RFC 9110 §14.6) for a request with several ranges, laid out as
// nginx's range filter writes it: each part is CRLF "--boundary" CRLF, Content-Type (the file's),
// Content-Range, an empty line and the bytes; the body ends with CRLF "--boundary--" CRLF. The
// whole length is known up front, so the response carries a Content-Length.
import { randomBytes } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import type { ByteRange } from './conditional.js';

export interface MultipartPart {
  /** The part's header block, bytes to send before the range. */
  head: Buffer;
  start: number;
  /** Inclusive. */
  end: number;
}

export interface MultipartPlan {
  /** The response's Content-Type. */
  contentType: string;
  parts: MultipartPart[];
  tail: Buffer;
  length: number;
}

export function planMultipart(ranges: readonly ByteRange[], size: number, partType: string): MultipartPlan {
  // Random, so it cannot be chosen to appear in a file (nginx counts; a hex run is as good for clients).
  const boundary = randomBytes(10).toString('hex');
  const parts = ranges.map(({ start, end }) => ({
    head: Buffer.from(`\r\n--${boundary}\r\nContent-Type: ${partType}\r\nContent-Range: bytes ${start}-${end}/${size}\r\n\r\n`, 'latin1'),
    start,
    end,
  }));
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`, 'latin1');
  let length = tail.length;
  for (const p of parts) length += p.head.length + (p.end - p.start + 1);
  return { contentType: `multipart/byteranges; boundary=${boundary}`, parts, tail, length };
}

/** The whole body from a file held in memory. */
export function multipartBody(plan: MultipartPlan, file: Buffer): Buffer {
  const chunks: Buffer[] = [];
  for (const p of plan.parts) chunks.push(p.head, file.subarray(p.start, p.end + 1));
  chunks.push(plan.tail);
  return Buffer.concat(chunks, plan.length);
}

/** Read size for a part's bytes from disk. */
const CHUNK = 64 * 1024;

/** The body read from an open file, part by part; closes `handle` when done or abandoned. */
export async function* multipartFromFile(plan: MultipartPlan, handle: FileHandle): AsyncGenerator<Buffer> {
  try {
    for (const p of plan.parts) {
      yield p.head;
      for (let at = p.start; at <= p.end; ) {
        const want = Math.min(CHUNK, p.end - at + 1);
        const { bytesRead, buffer } = await handle.read(Buffer.allocUnsafe(want), 0, want, at);
        if (bytesRead === 0) throw new Error('the file got shorter while it was read');
        yield bytesRead === want ? buffer : buffer.subarray(0, bytesRead);
        at += bytesRead;
      }
    }
    yield plan.tail;
  } finally {
    await handle.close();
  }
}
