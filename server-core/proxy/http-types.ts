// The narrow request/response surface content handlers use. The proxy's own HTTP/1.1 engine
// (http1/), node:http2's compatibility objects (TLS + ALPN h2) and node:http's IncomingMessage /
// ServerResponse all satisfy these interfaces, so a handler never knows which transport it is on.
// Stable: extend only additively (new members optional), other modules code against it.
import type { IncomingHttpHeaders, OutgoingHttpHeader, OutgoingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';

/** The connection a request arrived on (the engine's socket, or a TLS socket). */
export interface ProxySocket {
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
  readonly localAddress?: string | undefined;
  readonly localPort?: number | undefined;
  /** Cuts the connection (nginx `return 444`, a response that cannot finish cleanly). */
  destroy(error?: Error): unknown;
}

/** A request socket taken over by the handler (WebSocket tunnels after the upstream's 101). */
export interface DetachedSocket {
  readonly socket: Duplex;
  /** Bytes the client already sent after the request head (the start of the tunnelled stream). */
  readonly head: Buffer;
}

/** The request body as a readable stream (the subset every transport has). */
export interface ProxyBodyStream extends AsyncIterable<Buffer | string> {
  readonly readableEnded: boolean;
  pipe<T extends NodeJS.WritableStream>(destination: T, options?: { end?: boolean | undefined }): T;
  unpipe(destination?: NodeJS.WritableStream): this;
  pause(): this;
  resume(): this;
  isPaused(): boolean;
  on(event: 'data', listener: (chunk: Buffer) => void): this;
  on(event: 'end' | 'close', listener: () => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  once(event: 'data', listener: (chunk: Buffer) => void): this;
  once(event: 'end' | 'close', listener: () => void): this;
  once(event: 'error', listener: (err: Error) => void): this;
  off(event: 'data', listener: (chunk: Buffer) => void): this;
  off(event: 'end' | 'close', listener: () => void): this;
  off(event: 'error', listener: (err: Error) => void): this;
  /** Puts bytes back at the head of the stream (stream.Readable's `unshift`): a reader that looked ahead. */
  unshift?(chunk: Buffer): void;
}

/**
 * An incoming request. The body is the request itself, as a readable stream: `pipe`, `on('data')`,
 * `on('end')`, `pause`/`resume` and async iteration (so `stream.pipeline(req, …)`) all work; the
 * engine's request is a real `stream.Readable`.
 */
export interface ProxyRequest extends ProxyBodyStream {
  /** Request method as sent (tokens are case-sensitive, RFC 9110 §9.1). Always set by the engines. */
  readonly method?: string | undefined;
  /** The request-target as sent (origin-form `/p?q`, or absolute-form). Always set by the engines. */
  readonly url?: string | undefined;
  /** `1.1`, `1.0` or `2.0`. */
  readonly httpVersion: string;
  /** Header names lowercased; repeated headers joined like node:http does. Built lazily by the engine. */
  readonly headers: IncomingHttpHeaders;
  /** `[name, value, name, value…]` exactly as received (names keep their case). */
  readonly rawHeaders: string[];
  readonly socket: ProxySocket;
  /**
   * HTTP/1.1 engine only: hand the connection to the caller (after an upstream's 101 Switching
   * Protocols). The engine stops reading, timing and writing on it; the caller owns the socket.
   * Undefined on transports that cannot (HTTP/2, node:http).
   */
  detachSocket?(): DetachedSocket;
  /**
   * HTTP/1.1 engine and HTTP/2 adapter: the chosen site's `client_max_body_size` (0 = none). The
   * transport answers 413 as soon as the body passes it (chunked too) and ends the body stream
   * with an error whose `code` is `BERTH_ERR_BODY_TOO_LARGE`. Called by the pipeline.
   */
  setBodyLimit?(bytes: number): void;
  /**
   * HTTP/2 adapter: a body follows without Content-Length (DATA frames after a HEADERS frame
   * without END_STREAM). HTTP/1.1 says this with Transfer-Encoding, which HTTP/2 does not have.
   */
  readonly unsizedBody?: boolean;
  /**
   * HTTP/2 adapter: the name of a field nginx takes only once that came twice (unique-fields.ts);
   * the pipeline answers 400. The HTTP/1.1 engine refuses such a head itself.
   */
  readonly duplicateField?: string;
}

/** The response being written. A `NodeJS.WritableStream`, so `pipe` and `stream.pipeline` work. */
export interface ProxyResponse extends NodeJS.WritableStream {
  statusCode: number;
  statusMessage: string;
  readonly headersSent: boolean;
  readonly writableEnded: boolean;
  setHeader(name: string, value: number | string | readonly string[]): unknown;
  getHeader(name: string): number | string | string[] | undefined;
  removeHeader(name: string): void;
  hasHeader(name: string): boolean;
  getHeaders(): OutgoingHttpHeaders;
  /** Lowercased names of the fields set so far. */
  getHeaderNames(): string[];
  writeHead(statusCode: number, headers?: OutgoingHttpHeaders | OutgoingHttpHeader[]): unknown;
  /**
   * HTTP/1.1 engine only: header lines relayed from an upstream response as they are, after the
   * fields set with setHeader. `lines` must already be checked (token names, no CR/LF/NUL in
   * values, hop-by-hop fields removed), each ending in CRLF; `hasLength`: they include Content-Length.
   */
  relayHeaderLines?(lines: string, hasLength: boolean): void;
  /**
   * HTTP/1.1 engine only: `write` for bytes valid during the call only (a view on a read buffer
   * that is about to be reused). Copies them unless they go out inside the head's string.
   */
  writeTransient?(chunk: Uint8Array): boolean;
  /** Cuts the connection (HTTP/1.1) or resets the stream (HTTP/2). */
  destroy(error?: Error): unknown;
  /**
   * HTTP/1.1 engine: set by handlers that pass the request to an upstream. A client that closes
   * its side while this response is pending (no pipelined request behind it) has given up: the
   * connection is closed, so the handler's 'close' aborts the upstream request — nginx's
   * `proxy_ignore_client_abort off` (its 499). Other responses still go to a half-closed client.
   */
  abortOnClientEnd?: boolean;
}
