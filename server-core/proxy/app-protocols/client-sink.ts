// Writes an app's response to the client as it arrives: status, headers (hop-by-hop and nginx's
// default hidden ones removed), body slices with back-pressure (the exchange pauses the app
// socket until the client drains). An answer with X-Accel-Redirect is not written: its body is
// dropped and `redirect` says where the request goes next (upstream/x-accel.ts).
import { statusText } from '../error-pages.js';
import type { ContentResult, RequestContext } from '../request-context.js';
import { setReason } from '../respond.js';
import type { ResponseSink } from '../upstream/exchange.js';
import { responseHeaders } from '../upstream/headers.js';
import { acceptAccelRedirect, accelRedirectOf } from '../upstream/x-accel.js';
import type { ExchangeControl } from './forward.js';

const NOTHING_HIDDEN: ReadonlySet<string> = new Set();

export interface SinkHead {
  statusCode: number;
  statusMessage: string;
  rawHeaders: string[];
  /** The upstream framed the body with Content-Length (else the client gets chunked or close). */
  hasLength: boolean;
}

export interface ClientSink extends ResponseSink {
  headFrom(h: SinkHead): void;
  /** Set when the app answered X-Accel-Redirect: the pipeline's next step (or `done` after nginx's 404/500). */
  redirect: ContentResult | null;
}

export function clientSink(ctx: RequestContext, control: ExchangeControl): ClientSink {
  const { res } = ctx;
  let waiting = false;
  const onDrain = (): void => {
    waiting = false;
    control.resume();
  };
  const sink: ClientSink = {
    redirect: null,
    headFrom(h: SinkHead): void {
      if (res.headersSent) return;
      const accel = accelRedirectOf(h.rawHeaders);
      if (accel !== null) {
        sink.redirect = acceptAccelRedirect(ctx, h.rawHeaders, accel);
        control.discard();
        return;
      }
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
      if (chunk.length === 0 || res.writableEnded || sink.redirect !== null) return true;
      ctx.bodyBytes += chunk.length;
      const ok = res.write(chunk);
      if (!ok && !waiting) {
        waiting = true;
        res.once('drain', onDrain);
      }
      return ok;
    },
    end(): void {
      if (!res.writableEnded && sink.redirect === null) res.end();
    },
  };
  return sink;
}
