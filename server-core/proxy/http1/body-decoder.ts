// Request body framing (RFC 9112 §6, §7.1): a fixed Content-Length or chunked transfer coding.
// `feed` takes bytes from the socket and returns how many belong to the body; the rest is the
// next pipelined request. Data goes to `onData` as it is decoded, never buffered whole.

export interface BodyDecoder {
  /** Returns the bytes of `buf` (from `offset`) that were body framing/data; throws BodyFramingError. */
  feed(buf: Buffer, offset: number, onData: (chunk: Buffer) => void): number;
  readonly done: boolean;
  /** Body bytes decoded so far. */
  readonly received: number;
}

export class BodyFramingError extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

export class LengthDecoder implements BodyDecoder {
  received = 0;
  constructor(private readonly length: number) {}

  get done(): boolean {
    return this.received >= this.length;
  }

  feed(buf: Buffer, offset: number, onData: (chunk: Buffer) => void): number {
    const take = Math.min(buf.length - offset, this.length - this.received);
    if (take <= 0) return 0;
    this.received += take;
    onData(offset === 0 && take === buf.length ? buf : buf.subarray(offset, offset + take));
    return take;
  }
}

const enum Chunk {
  Size,
  Ext,
  SizeLf,
  Data,
  DataCr,
  DataLf,
  Trailer,
  TrailerLf,
  Done,
}

/** Longest chunk-size line (with extensions) and trailer section accepted; nginx is similar. */
const MAX_LINE = 4096;
const MAX_TRAILERS = 16_384;
/** 2^53 - 1 has 14 hex digits: more could not be counted exactly. */
const MAX_SIZE_DIGITS = 13;

export class ChunkedDecoder implements BodyDecoder {
  received = 0;
  private state = Chunk.Size;
  private size = 0;
  private digits = 0;
  private lineBytes = 0;
  private trailerBytes = 0;
  private trailerLineEmpty = true;

  get done(): boolean {
    return this.state === Chunk.Done;
  }

  feed(buf: Buffer, offset: number, onData: (chunk: Buffer) => void): number {
    let i = offset;
    const n = buf.length;
    while (i < n && this.state !== Chunk.Done) {
      switch (this.state) {
        case Chunk.Size: {
          const c = buf[i] ?? 0;
          const v = hexValue(c);
          if (v >= 0) {
            if (++this.digits > MAX_SIZE_DIGITS) throw new BodyFramingError('a chunk size that is too large');
            this.size = this.size * 16 + v;
          } else if (this.digits === 0) {
            throw new BodyFramingError('a chunk without a size');
          } else if (c === 0x3b /* ; */ || c === 0x20 || c === 0x09) {
            this.state = Chunk.Ext;
          } else if (c === 0x0d) {
            this.state = Chunk.SizeLf;
          } else {
            throw new BodyFramingError('an invalid chunk size');
          }
          i++;
          if (++this.lineBytes > MAX_LINE) throw new BodyFramingError('a chunk size line that is too long');
          break;
        }
        case Chunk.Ext: {
          // Chunk extensions are ignored (RFC 9112 §7.1.1) but must not hide a bare LF.
          const c = buf[i++] ?? 0;
          if (c === 0x0d) this.state = Chunk.SizeLf;
          else if (c === 0x0a || c === 0) throw new BodyFramingError('a bare LF in a chunk extension');
          if (++this.lineBytes > MAX_LINE) throw new BodyFramingError('a chunk size line that is too long');
          break;
        }
        case Chunk.SizeLf: {
          if (buf[i++] !== 0x0a) throw new BodyFramingError('a chunk size line not ended by CRLF');
          this.lineBytes = 0;
          this.digits = 0;
          if (this.size === 0) {
            this.state = Chunk.Trailer;
            this.trailerLineEmpty = true;
          } else {
            this.state = Chunk.Data;
          }
          break;
        }
        case Chunk.Data: {
          const take = Math.min(n - i, this.size);
          this.size -= take;
          this.received += take;
          onData(buf.subarray(i, i + take));
          i += take;
          if (this.size === 0) this.state = Chunk.DataCr;
          break;
        }
        case Chunk.DataCr:
          if (buf[i++] !== 0x0d) throw new BodyFramingError('chunk data longer than its size');
          this.state = Chunk.DataLf;
          break;
        case Chunk.DataLf:
          if (buf[i++] !== 0x0a) throw new BodyFramingError('chunk data not ended by CRLF');
          this.state = Chunk.Size;
          break;
        case Chunk.Trailer: {
          // Trailer fields are read and dropped (nginx ignores them too); an empty line ends the body.
          const c = buf[i++] ?? 0;
          if (++this.trailerBytes > MAX_TRAILERS) throw new BodyFramingError('a trailer section that is too large');
          if (c === 0x0d) this.state = Chunk.TrailerLf;
          else if (c === 0x0a || c === 0) throw new BodyFramingError('a bare LF in the trailers');
          else this.trailerLineEmpty = false;
          break;
        }
        case Chunk.TrailerLf: {
          if (buf[i++] !== 0x0a) throw new BodyFramingError('a trailer line not ended by CRLF');
          if (this.trailerLineEmpty) this.state = Chunk.Done;
          else {
            this.trailerLineEmpty = true;
            this.state = Chunk.Trailer;
          }
          break;
        }
      }
    }
    return i - offset;
  }
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}
