// Writes an app's response to the client as it arrives: status, headers (hop-by-hop and nginx's
// default hidden ones removed), body slices with back-pressure (the exchange pauses the app
// socket until the client drains).
import { statusText } from '../error-pages.js';
import type { RequestContext } from '../request-context.js';
import { setReason } from '../respond.js';
import type { ResponseSink } from '../upstream/exchange.js';
import { responseHeaders } from '../upstream/headers.js';

const NOTHING_HIDDEN: ReadonlySet<string> = new Set();

export interface SinkHead {
  statusCode: number;
  statusMessage: string;
  rawHeaders: string[];
  /** The upstream framed the body with Content-Length (else the client gets chunked or close). */
  hasLength: boolean;
}

export function clientSink(ctx: RequestContext, resume: () => void): ResponseSink & { headFrom(h: SinkHead): void } {
  const { res } = ctx;
  let waiting = false;
  const onDrain = (): void => {
    waiting = false;
    resume();
  };
  const sink = {
    headFrom(h: SinkHead): void {
      if (res.headersSent) return;
      const headers = responseHeaders(h.rawHeaders, NOTHING_HIDDEN, h.hasLength);
      res.statusCode = h.statusCode;
      setReason(ctx, h.statusMessage !== '' ? h.statusMessage : statusText(h.statusCode));
      for (const { name, values } of headers.values()) res.setHeader(name, values.length === 1 ? (values[0] as string) : values);
      res.writeHead(h.statusCode);
    },
    head(h: { statusCode: number; statusMessage: string; rawHeaders: string[]; framing: string }): void {
      sink.headFrom({ statusCode: h.statusCode, statusMessage: h.statusMessage, rawHeaders: h.rawHeaders, hasLength: h.framing === 'length' });
    },
    body(chunk: Buffer): boolean {
      if (chunk.length === 0 || res.writableEnded) return true;
      ctx.bodyBytes += chunk.length;
      const ok = res.write(chunk);
      if (!ok && !waiting) {
        waiting = true;
        res.once('drain', onDrain);
      }
      return ok;
    },
    end(): void {
      if (!res.writableEnded) res.end();
    },
  };
  return sink;
}
