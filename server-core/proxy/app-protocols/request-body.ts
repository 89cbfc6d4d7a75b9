// The request body as an app protocol needs it. uwsgi and FastCGI need CONTENT_LENGTH up front,
// so a chunked body is read into memory first (nginx buffers it for the same reason), within
// the site's client_max_body_size.
import { Readable } from 'node:stream';
import type { ProxyBodyStream } from '../http-types.js';
import type { RequestContext } from '../request-context.js';

export type PreparedBody =
  | { kind: 'none' }
  | { kind: 'stream'; length: number; stream: ProxyBodyStream }
  | { kind: 'too-large' }
  | { kind: 'bad' };

function maxBody(ctx: RequestContext): number {
  return ctx.site?.site.limits.maxBodyBytes ?? 1_048_576;
}

/** `chunked`: a streamed body without a length is allowed to pass as chunked (HTTP upstreams). */
export async function prepareBody(ctx: RequestContext, allowChunked: false): Promise<PreparedBody>;
export async function prepareBody(ctx: RequestContext, allowChunked: true): Promise<PreparedBody | { kind: 'chunked'; stream: ProxyBodyStream }>;
export async function prepareBody(ctx: RequestContext, allowChunked: boolean): Promise<PreparedBody | { kind: 'chunked'; stream: ProxyBodyStream }> {
  const { req } = ctx;
  // An upstream that answered X-Accel-Redirect took the body: the redirected request has none.
  if (ctx.bodyConsumed) return { kind: 'none' };
  const limit = maxBody(ctx);
  const te = req.headers['transfer-encoding'];
  if (te !== undefined || req.unsizedBody === true) {
    if (allowChunked) return { kind: 'chunked', stream: req };
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const c of req) {
      const b = typeof c === 'string' ? Buffer.from(c) : c;
      total += b.length;
      if (limit > 0 && total > limit) return { kind: 'too-large' };
      chunks.push(b);
    }
    return total === 0 ? { kind: 'none' } : { kind: 'stream', length: total, stream: Readable.from([Buffer.concat(chunks)]) };
  }
  const raw = req.headers['content-length'];
  if (raw === undefined || raw === '0') return { kind: 'none' };
  if (!/^\d+$/.test(raw)) return { kind: 'bad' };
  const length = Number(raw);
  // nginx client_max_body_size: 413 before reading the body.
  if (limit > 0 && length > limit) return { kind: 'too-large' };
  return { kind: 'stream', length, stream: req };
}
