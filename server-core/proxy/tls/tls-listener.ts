// The TLS layer of one HTTPS port. The port's TCP server (listeners.ts) hands each accepted socket
// here; a `tls.Server` that never listens does the handshake (`emit('connection', socket)`), so
// session tickets, the handshake timeout and ALPN come from node:tls as they are. After the
// handshake: ALPN `h2` → node:http2 (h2-front.ts), anything else → the HTTP/1.1 engine.
//
// Certificates: SNI picks the site's context from the SniStore (certificates swap there without a
// restart; a handshake already past its SNI callback keeps the context it got). A client that sends
// no SNI (an IP address in the URL) gets the port's default site's certificate, as nginx does.
import type { Socket } from 'node:net';
import { createServer, type SecureContextOptions, type Server, type TLSSocket } from 'node:tls';
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
  private readonly server: Server;
  private defaultPem = '';

  constructor(private readonly options: TlsFrontOptions) {
    this.server = createServer({
      minVersion: 'TLSv1.2',
      ciphers: MOZILLA_INTERMEDIATE_CIPHERS,
      ALPNProtocols: options.http2 ? ['h2', 'http/1.1'] : ['http/1.1'],
      SNICallback: (servername, cb) => cb(null, options.sni.contextFor(servername, options.configPort) ?? undefined),
      sessionTimeout: SESSION_TIMEOUT_S,
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
      ...(options.ticketKeys ? { ticketKeys: options.ticketKeys } : {}),
    });
    this.server.on('secureConnection', (socket: TLSSocket) => {
      if (socket.alpnProtocol === 'h2') options.onHttp2(socket);
      else options.onHttp1(socket);
    });
    // Failed handshakes (wrong version, no shared cipher, a scanner) end that socket only.
    this.server.on('tlsClientError', (_err, socket) => socket.destroy());
  }

  get http2(): boolean {
    return this.options.http2;
  }

  /** A freshly accepted TCP socket of this port. */
  accept(socket: Socket): void {
    this.server.emit('connection', socket);
  }

  /**
   * The certificate for handshakes without SNI: the port's default site's (PEM text), or none.
   * Ticket keys are kept across the swap, so sessions stay resumable.
   */
  setDefaultCertificate(cert: string, key: string): void {
    const pem = `${cert}\n${key}`;
    if (pem === this.defaultPem) return;
    this.defaultPem = pem;
    const options: SecureContextOptions = { cert, key, minVersion: 'TLSv1.2', ciphers: MOZILLA_INTERMEDIATE_CIPHERS, ticketKeys: this.server.getTicketKeys() };
    this.server.setSecureContext(options);
  }
}
