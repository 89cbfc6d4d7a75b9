// The TLS layer of one HTTPS port. The port's TCP server (listeners.ts) hands each accepted socket
// here; a `tls.Server` that never listens does the handshake (`emit('connection', socket)`), so
// session tickets, the handshake timeout and ALPN come from node:tls as they are. After the
// handshake: ALPN `h2` → node:http2 (h2-front.ts), anything else → the HTTP/1.1 engine.
//
// Certificates: the ClientHello's server name (client-hello.ts, read before node:tls sees the
// connection) picks one of two servers. A client naming a host goes to a server with no
// certificate of its own, whose SNI callback sets the site's from the SniStore (certificates swap
// there without a restart). A client naming none (an IP address in the URL) goes to a server whose
// certificate is the port's default site's, as nginx does. One server with a default certificate
// and the SNI callback would not do: node:tls adds the SNI context's certificate to the one already
// there, one slot per key type, and the client's preferred type wins — a site's imported RSA
// certificate lost to the default site's ECDSA one for every modern client.
// Plain HTTP sent to the port gets nginx's 400 "The plain HTTP request was sent to HTTPS port".
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { createServer, type SecureContextOptions, type Server, type TLSSocket } from 'node:tls';
import { SERVER_HEADER } from '../error-pages.js';
import { httpDateNow } from '../http1/response.js';
import { MAX_CLIENT_HELLO_BYTES, readClientHello } from './client-hello.js';
import type { SniStore } from './sni-store.js';

/**
 * Mozilla "intermediate" (server side TLS guidelines v5.7): TLS 1.2 with ECDHE/DHE AEAD suites;
 * TLS 1.3 suites are OpenSSL's defaults, all AEAD. The client's order is honoured (no
 * honorCipherOrder), as the guideline says for this profile.
 */
export const MOZILLA_INTERMEDIATE_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'DHE-RSA-AES128-GCM-SHA256',
  'DHE-RSA-AES256-GCM-SHA384',
  'DHE-RSA-CHACHA20-POLY1305',
].join(':');

/** nginx ssl_session_timeout 5m. */
const SESSION_TIMEOUT_S = 300;
/** nginx reads the handshake within client_header_timeout (60 s by default). */
const HANDSHAKE_TIMEOUT_MS = 60_000;

export interface TlsFrontOptions {
  /** The config port: the SNI store's key. */
  configPort: number;
  sni: SniStore;
  /** Offer h2 by ALPN. */
  http2: boolean;
  /** 48 bytes shared by every worker, so a ticket from one worker resumes on another. */
  ticketKeys?: Buffer;
  onHttp1(socket: TLSSocket): void;
  onHttp2(socket: TLSSocket): void;
}

export class TlsFront {
  /** Handshakes that name a server: no certificate until the SNI callback gives the site's. */
  private readonly named: Server;
  /** Handshakes without a server name: the port's default site's certificate. */
  private readonly unnamed: Server;
  private defaultPem = '';

  constructor(private readonly options: TlsFrontOptions) {
    const common = {
      minVersion: 'TLSv1.2' as const,
      ciphers: MOZILLA_INTERMEDIATE_CIPHERS,
      ALPNProtocols: options.http2 ? ['h2', 'http/1.1'] : ['http/1.1'],
      sessionTimeout: SESSION_TIMEOUT_S,
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
      // One set of ticket keys for both servers (and every worker): a ticket resumes on either.
      ticketKeys: options.ticketKeys ?? randomBytes(48),
    };
    this.named = createServer({ ...common, SNICallback: (servername, cb) => cb(null, options.sni.contextFor(servername, options.configPort) ?? undefined) });
    this.unnamed = createServer(common);
    for (const server of [this.named, this.unnamed]) {
      server.on('secureConnection', (socket: TLSSocket) => {
        if (socket.alpnProtocol === 'h2') options.onHttp2(socket);
        else options.onHttp1(socket);
      });
      // Failed handshakes (wrong version, no shared cipher, a scanner) end that socket only.
      server.on('tlsClientError', (_err, socket) => socket.destroy());
    }
  }

  get http2(): boolean {
    return this.options.http2;
  }

  /** A freshly accepted TCP socket of this port: its first bytes say which server takes it. */
  accept(socket: Socket): void {
    const chunks: Buffer[] = [];
    let total = 0;
    const timer = setTimeout(() => socket.destroy(), HANDSHAKE_TIMEOUT_MS);
    const ignore = (): void => undefined;
    const done = (): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', ignore);
      socket.off('close', onClose);
      socket.pause();
    };
    const onClose = (): void => clearTimeout(timer);
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      total += chunk.length;
      const buf = chunks.length === 1 ? chunk : Buffer.concat(chunks, total);
      const hello = readClientHello(buf);
      if (hello.kind === 'partial' && total <= MAX_CLIENT_HELLO_BYTES) return;
      done();
      if (hello.kind === 'http') return refusePlainHttp(socket);
      // Put the bytes back: node:tls feeds a wrapped socket's buffered data to the handshake first.
      socket.unshift(buf);
      (hello.kind === 'tls' && hello.servername !== null ? this.named : this.unnamed).emit('connection', socket);
    };
    socket.on('data', onData);
    socket.on('error', ignore);
    socket.once('close', onClose);
  }

  /**
   * The certificate for handshakes without SNI: the port's default site's (PEM text), or none.
   * Ticket keys are kept across the swap, so sessions stay resumable.
   */
  setDefaultCertificate(cert: string, key: string): void {
    const pem = `${cert}\n${key}`;
    if (pem === this.defaultPem) return;
    this.defaultPem = pem;
    const options: SecureContextOptions = { cert, key, minVersion: 'TLSv1.2', ciphers: MOZILLA_INTERMEDIATE_CIPHERS, ticketKeys: this.unnamed.getTicketKeys() };
    this.unnamed.setSecureContext(options);
  }
}

/** How long the refused plain-HTTP client has to read the 400 before the socket is destroyed. */
const PLAIN_HTTP_LINGER_MS = 5_000;

/** nginx's answer (its 497, sent as 400) to an HTTP request on a TLS port; the rest of what the client sends is read and dropped. */
function refusePlainHttp(socket: Socket): void {
  const reason = 'The plain HTTP request was sent to HTTPS port';
  const body = `<html><head><title>400 ${reason}</title></head><body><center><h1>400 Bad Request</h1></center><center>${reason}</center><hr><center>${SERVER_HEADER}</center></body></html>`;
  socket.on('error', () => undefined);
  socket.end(`HTTP/1.1 400 Bad Request\r\nServer: ${SERVER_HEADER}\r\nDate: ${httpDateNow()}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
  // Reading on: closing with unread bytes would reset the connection before the client reads the answer.
  socket.resume();
  setTimeout(() => socket.destroy(), PLAIN_HTTP_LINGER_MS).unref();
}
