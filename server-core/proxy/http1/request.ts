// The engine's request: the parsed head plus the body as a Readable fed by the connection.
// `headers` is built from the raw array only when someone asks (PERFORMANCE.md: raw header
// arrays saved 9–21 %).
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import type { DetachedSocket, ProxyRequest } from '../http-types.js';

/** What the request asks of its connection (implemented by Http1Connection). */
export interface RequestOwner {
  /** The handler wants body bytes: resume the socket, send `100 Continue` if the client waits for it. */
  wantBody(): void;
  setBodyLimit(bytes: number): void;
  detach(): DetachedSocket;
}

/** Fields node:http keeps only once (the rest are joined with `, `; set-cookie is an array). */
const SINGLE = new Set([
  'age', 'authorization', 'content-length', 'content-type', 'etag', 'expires', 'from', 'host', 'if-modified-since',
  'if-unmodified-since', 'last-modified', 'location', 'max-forwards', 'proxy-authorization', 'referer', 'retry-after',
  'server', 'user-agent',
]);

export function headersFromRaw(raw: readonly string[]): IncomingHttpHeaders {
  const out: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] ?? '').toLowerCase();
    const value = raw[i + 1] ?? '';
    const prev = out[name];
    if (prev === undefined) {
      out[name] = name === 'set-cookie' ? [value] : value;
    } else if (name === 'set-cookie') {
      (prev as string[]).push(value);
    } else if (!SINGLE.has(name)) {
      out[name] = `${prev as string}${name === 'cookie' ? '; ' : ', '}${value}`;
    }
  }
  return out as IncomingHttpHeaders;
}

export class Http1Request extends Readable implements ProxyRequest {
  private headerCache: IncomingHttpHeaders | null = null;
  /** True once the whole body arrived (node:http's `complete`). */
  complete = false;
  aborted = false;
  private endPending = false;

  constructor(
    readonly method: string,
    readonly url: string,
    readonly httpVersion: string,
    readonly rawHeaders: string[],
    readonly socket: Socket,
    private readonly owner: RequestOwner,
  ) {
    super();
  }

  get headers(): IncomingHttpHeaders {
    return (this.headerCache ??= headersFromRaw(this.rawHeaders));
  }

  get httpVersionMajor(): number {
    return 1;
  }

  get httpVersionMinor(): number {
    return this.httpVersion === '1.0' ? 0 : 1;
  }

  /** nginx `client_max_body_size` for the site chosen: 413 as soon as the body passes it (0 = no limit). */
  setBodyLimit(bytes: number): void {
    this.owner.setBodyLimit(bytes);
  }

  detachSocket(): DetachedSocket {
    return this.owner.detach();
  }

  /**
   * A request without a body: the stream ends when someone reads it. Pushing the end at once
   * schedules readable/end ticks on every request, and most (a proxied GET) are never read.
   */
  endWhenRead(): void {
    this.endPending = true;
  }

  override _read(): void {
    if (this.endPending) {
      this.endPending = false;
      this.push(null);
      return;
    }
    this.owner.wantBody();
  }

  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    if (!this.complete) this.aborted = true;
    // Like node:http: an abort only surfaces as 'error' when someone listens for it.
    cb(err && this.listenerCount('error') > 0 ? err : null);
  }
}
