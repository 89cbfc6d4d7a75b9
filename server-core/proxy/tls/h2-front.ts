// HTTP/2 on TLS connections that negotiated `h2` by ALPN. node:http2 does the framing (a server
// that never listens: `emit('connection', tlsSocket)`); its compatibility request/response objects
// satisfy ProxyRequest/ProxyResponse, so requests run through the same pipeline as HTTP/1.1.
import { createServer, type Http2Server, type Http2ServerRequest, type Http2ServerResponse, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import { errorPageHtml, SERVER_HEADER } from '../error-pages.js';
import type { ProxyRequest, ProxyResponse } from '../http-types.js';
import type { ConnectionLimits } from '../http1/engine.js';
import { rawHeader } from '../raw-headers.js';
import { duplicateUniqueField } from '../unique-fields.js';
import { http1FieldsOf } from './h2-request-fields.js';

export interface H2FrontOptions {
  onRequest(req: ProxyRequest, res: ProxyResponse, connection: number): void;
  limits(): ConnectionLimits;
  nextConnectionId(): number;
}

/** nginx http2_max_concurrent_streams 128. */
const MAX_CONCURRENT_STREAMS = 128;
/** nginx large_client_header_buffers 4 × 8k: the same 32 KiB for a whole header list. */
const MAX_HEADER_LIST = 32 * 1024;

export class H2Front {
  private readonly server: Http2Server;
  private readonly sessions = new Set<ServerHttp2Session>();
  private readonly ids = new WeakMap<ServerHttp2Session, number>();
  private draining = false;

  constructor(private readonly options: H2FrontOptions) {
    this.server = createServer({ settings: { maxConcurrentStreams: MAX_CONCURRENT_STREAMS, maxHeaderListSize: MAX_HEADER_LIST } });
    this.server.on('session', (session) => this.track(session));
    this.server.on('request', (req, res) => this.request(req, res));
    // Protocol errors on one session must not reach the process.
    this.server.on('sessionError', () => undefined);
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  accept(socket: TLSSocket): void {
    if (this.draining) {
      socket.destroy();
      return;
    }
    // The port's TCP server keeps sockets half-open for HTTP/1.1 (listeners.ts), and node:http2
    // does not end a session on the client's FIN: a session whose streams wait for flow-control
    // credit never writes, so it never failed and lived on until the idle timeout, its streams
    // unclosed and unlogged. HTTP/2 half-closes streams, not the connection (RFC 9113 §5.1); like
    // nginx ("client prematurely closed connection"), the end of the client's side ends the session.
    socket.once('end', () => socket.destroy());
    this.server.emit('connection', socket);
  }

  /** GOAWAY to every session: streams in flight finish, no new ones start. */
  drain(): void {
    this.draining = true;
    for (const s of this.sessions) s.close();
  }

  destroyAll(): void {
    for (const s of [...this.sessions]) s.destroy();
  }

  private track(session: ServerHttp2Session): void {
    this.sessions.add(session);
    this.ids.set(session, this.options.nextConnectionId());
    session.once('close', () => this.sessions.delete(session));
    session.on('error', () => undefined);
    // nginx keepalive_timeout for an idle session, send_timeout for one whose writes stall: a
    // session without any frame either way for the longer of the two is closed — but only when
    // no stream is open (nginx's idle timer runs only then), or when every open stream has output
    // the client has not taken since the last check. A stream waiting on its upstream (a long
    // poll, SSE before its next event) is the proxy's read timeout's to end, not the session's;
    // it used to be cut at 75 s, and every other stream of the connection with it.
    const l = this.options.limits();
    const ms = Math.max(l.keepaliveTimeoutMs, l.sendTimeoutMs);
    if (ms <= 0) return;
    const streams = new Set<ServerHttp2Stream>();
    const lastPending = new WeakMap<ServerHttp2Stream, number>();
    session.on('stream', (stream: ServerHttp2Stream) => {
      streams.add(stream);
      stream.once('close', () => streams.delete(stream));
    });
    const onTimeout = (): void => {
      let waiting = false;
      for (const s of streams) {
        const pending = s.writableLength;
        if (pending === 0 || pending !== lastPending.get(s)) waiting = true;
        lastPending.set(s, pending);
      }
      if (!waiting) session.destroy();
      else session.setTimeout(ms, onTimeout);
    };
    session.setTimeout(ms, onTimeout);
  }

  private request(req: Http2ServerRequest, res: Http2ServerResponse): void {
    const connection = this.ids.get(req.stream.session as ServerHttp2Session) ?? 0;
    // The fields as HTTP/1.1 has them (h2-request-fields.ts): an own property over the
    // compatibility request's `rawHeaders` getter, so every handler sees Host, not `:authority`.
    const fields = http1FieldsOf(req.rawHeaders);
    if (fields !== req.rawHeaders) Object.defineProperty(req, 'rawHeaders', { value: fields, enumerable: true });
    // A body without Content-Length: DATA frames follow a HEADERS frame without END_STREAM
    // (RFC 9113 §8.1). HTTP/1.1 says the same with Transfer-Encoding; h2 has none (§8.2.2).
    const unsizedBody = !req.stream.endAfterHeaders && rawHeader(fields, 'content-length') === undefined;
    // nginx's HTTP/2 module runs the same header handlers: a second If-Match… is its 400 there too.
    const duplicateField = duplicateUniqueField(fields) ?? undefined;
    Object.assign(req, { setBodyLimit: (bytes: number) => limitBody(req, res, bytes), unsizedBody, duplicateField });
    this.options.onRequest(req, res, connection);
  }
}

/**
 * client_max_body_size on an h2 stream: 413 (or, once a response is out, the body stream fails) as
 * soon as the body its reader takes passes the limit. Counted where the compatibility request
 * pushes each DATA chunk to its reader: it starts taking chunks from the stream on the reader's
 * first read, and a 'data' listener on the stream itself would have set it flowing before that —
 * chunks that arrived while the handler awaited something (FastCGI's script check, the access
 * phase) went to that listener alone and the handler got an empty body.
 */
function limitBody(req: Http2ServerRequest, res: Http2ServerResponse, bytes: number): void {
  if (bytes <= 0) return;
  let received = 0;
  let over = false;
  const push = req.push.bind(req);
  req.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
    if (over) return false;
    if (chunk !== null && chunk !== undefined) {
      received += (chunk as Uint8Array).length;
      if (received > bytes) {
        over = true;
        tooLarge(req, res);
        return false;
      }
    }
    return push(chunk, encoding);
  };
}

function tooLarge(req: Http2ServerRequest, res: Http2ServerResponse): void {
  const err = Object.assign(new Error('the request body is larger than the site allows (maxBodyBytes)'), { code: 'BERTH_ERR_BODY_TOO_LARGE', status: 413 });
  // Like node:http and the HTTP/1.1 engine, the body stream fails with 'error' only for a reader
  // listening for it: unheard, the request's 'error' was an uncaught exception that ended the worker.
  const fail = (): void => {
    req.destroy(req.listenerCount('error') > 0 ? err : undefined);
  };
  if (res.headersSent || res.writableEnded) {
    fail();
    return;
  }
  const body = errorPageHtml(413);
  res.writeHead(413, { server: SERVER_HEADER, 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  // The handler's body stream fails once the 413 is out (destroying first would reset it).
  res.end(body, fail);
}
