// Writes an app's response to the client as it arrives: status, headers (hop-by-hop and nginx's
// default hidden ones removed), body slices with back-pressure (the exchange pauses the app
// socket until the client drains). An answer with X-Accel-Redirect is not written: its body is
// dropped and `redirect` says where the request goes next (upstream/x-accel.ts). Neither is an
// answer the location's `interceptErrors` replaces with an error page (respond.ts), checked first.
import { isBodyless, statusText } from '../error-pages.js';
import type { ContentResult, RequestContext } from '../request-context.js';
import { interceptUpstreamError, setReason } from '../respond.js';
import type { ResponseSink } from '../upstream/exchange.js';
import { responseHeaders } from '../upstream/headers.js';
import { acceptAccelRedirect, accelRedirectOf } from '../upstream/x-accel.js';
import type { ExchangeControl } from './forward.js';

const NOTHING_HIDDEN: ReadonlySet<string> = new Set();
/** The sink's result after an intercepted error: the pipeline takes the error page from the context. */
const INTERCEPTED: ContentResult = { kind: 'done' };

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
      if (h.statusCode >= 300 && ctx.location?.interceptErrors === true && interceptUpstreamError(ctx, h.statusCode, h.rawHeaders)) {
        sink.redirect = INTERCEPTED;
        control.discard();
        return;
      }
      const accel = accelRedirectOf(h.rawHeaders);
      if (accel !== null) {
        sink.redirect = acceptAccelRedirect(ctx, h.rawHeaders, accel);
        control.discard();
        return;
      }
      // As an error page's answer: the error's status (nginx r->err_status); a bodyless answer's length names no body then.
      const errStatus = ctx.errStatus;
      const status = errStatus !== 0 ? errStatus : h.statusCode;
      const headers = responseHeaders(h.rawHeaders, NOTHING_HIDDEN, h.hasLength && !(errStatus !== 0 && isBodyless(h.statusCode)));
      res.statusCode = status;
      setReason(ctx, errStatus === 0 && h.statusMessage !== '' ? h.statusMessage : statusText(status));
      for (const { name, values } of headers.values()) res.setHeader(name, values.length === 1 ? (values[0] as string) : values);
      res.writeHead(status);
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
