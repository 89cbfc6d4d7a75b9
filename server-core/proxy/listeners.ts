// The proxy's listening sockets: one HTTP server per (address, port). `reconcile` opens what a
// new config needs before anything old is closed, so a failed change leaves the old set intact.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIPv6, type Socket } from 'node:net';
import type { ListenAddress } from '../contract/api.js';
import { BerthError } from '../errors.js';
import { bindError, isAddressUnavailable } from './bind-errors.js';
import { errorPageHtml, SERVER_HEADER, statusText } from './error-pages.js';
import type { ListenerInfo } from './request-context.js';

export interface ListenerSetOptions {
  onRequest(req: IncomingMessage, res: ServerResponse, listener: ListenerInfo, connection: number): void;
  warn(message: string): void;
  /** What the user can do about a port problem, e.g. "start Berth with --http-port N". */
  fixFor(configPort: number): string;
}

interface Bound {
  key: string;
  info: ListenerInfo;
  server: Server;
}

/** With port 0 the second address must reuse the first one's port; a clash there is retried. */
const PORT_ZERO_ATTEMPTS = 3;

export class ListenerSet {
  private readonly bound = new Map<string, Bound>();
  private readonly draining = new Set<Server>();
  private readonly closing = new Set<Promise<void>>();
  private readonly connectionIds = new WeakMap<Socket, number>();
  private readonly warnedAddresses = new Set<string>();
  private nextConnection = 1;

  constructor(private readonly options: ListenerSetOptions) {}

  /**
   * Makes the open listeners exactly `ports` × `addresses`. New ones open first; on failure
   * they are closed again and the error (a BerthError) is thrown with the old set untouched.
   * Listeners no longer wanted drain in the background (at most `graceMs`).
   */
  async reconcile(ports: readonly number[], addresses: readonly string[], graceMs = 5000): Promise<void> {
    const opened: Bound[] = [];
    try {
      for (const configPort of ports) opened.push(...(await this.openPort(configPort, addresses)));
    } catch (e) {
      await Promise.all(opened.map((b) => this.drain(b.server, 0)));
      throw e;
    }
    for (const b of opened) this.bound.set(b.key, b);
    const wantedPorts = new Set(ports);
    const wantedAddresses = new Set(addresses);
    for (const [key, b] of this.bound) {
      if (wantedPorts.has(b.info.configPort) && wantedAddresses.has(b.info.address)) continue;
      this.bound.delete(key);
      this.track(this.drain(b.server, graceMs));
    }
  }

  listening(): ListenAddress[] {
    return [...this.bound.values()].map((b) => ({ address: b.info.address, port: b.info.port, protocol: b.info.protocol }));
  }

  /** Stop accepting everywhere, let in-flight requests finish for up to `graceMs`, then cut the rest. */
  async closeAll(graceMs: number): Promise<void> {
    for (const b of this.bound.values()) this.track(this.drain(b.server, graceMs));
    this.bound.clear();
    while (this.closing.size > 0) await Promise.all([...this.closing]);
  }

  private async openPort(configPort: number, addresses: readonly string[]): Promise<Bound[]> {
    const existing = [...this.bound.values()].filter((b) => b.info.configPort === configPort && addresses.includes(b.info.address));
    const fixedPort = configPort !== 0 ? configPort : existing[0]?.info.port;
    for (let attempt = 1; ; attempt++) {
      const opened: Bound[] = [];
      let port = fixedPort ?? 0;
      try {
        for (const address of addresses) {
          if (this.bound.has(keyOf(address, configPort))) continue;
          try {
            const b = await this.listenOne(address, configPort, port);
            opened.push(b);
            port = b.info.port;
          } catch (e) {
            if (!isAddressUnavailable(e)) throw e;
            if (!this.warnedAddresses.has(address)) {
              this.warnedAddresses.add(address);
              this.options.warn(`address ${address} is not available on this machine (${(e as NodeJS.ErrnoException).code}); serving without it`);
            }
          }
        }
      } catch (e) {
        await Promise.all(opened.map((b) => this.drain(b.server, 0)));
        const retry = fixedPort === undefined && opened.length > 0 && (e as NodeJS.ErrnoException).code === 'EADDRINUSE' && attempt < PORT_ZERO_ATTEMPTS;
        if (retry) continue;
        throw await bindError(e, addressOf(e) ?? addresses[0] ?? '', port === 0 ? configPort : port, this.options.fixFor(configPort));
      }
      if (opened.length === 0 && existing.length === 0) {
        throw new BerthError('BERTH_ERR_BIND_FAILED', `could not listen on port ${configPort}: none of the addresses ${addresses.join(', ')} exists on this machine; set bind addresses that do`);
      }
      return opened;
    }
  }

  private listenOne(address: string, configPort: number, port: number): Promise<Bound> {
    // Node's own Host check answers without our error page and log line; the pipeline checks instead.
    const server = createServer({ requireHostHeader: false });
    return new Promise<Bound>((resolvePromise, reject) => {
      const onError = (e: NodeJS.ErrnoException): void => {
        (e as { address?: string }).address ??= address;
        reject(e);
      };
      server.once('error', onError);
      // ipv6Only: `::` must not also take IPv4, which would clash with a separate 0.0.0.0 listener.
      server.listen({ host: address, port, ipv6Only: isIPv6(address) }, () => {
        server.off('error', onError);
        const addr = server.address();
        const actual = typeof addr === 'object' && addr !== null ? addr.port : port;
        const info: ListenerInfo = { address, configPort, port: actual, protocol: 'http' };
        this.wire(server, info);
        resolvePromise({ key: keyOf(address, configPort), info, server });
      });
    });
  }

  private wire(server: Server, info: ListenerInfo): void {
    server.on('connection', (socket: Socket) => this.connectionIds.set(socket, this.nextConnection++));
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (this.draining.has(server)) {
        res.setHeader('Connection', 'close');
      }
      res.once('finish', () => {
        if (this.draining.has(server)) setImmediate(() => server.closeIdleConnections());
      });
      this.options.onRequest(req, res, info, this.connectionIds.get(req.socket) ?? 0);
    });
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => answerClientError(err, socket));
    server.on('error', (e) => this.options.warn(`listener ${info.address}:${info.port}: ${e.message}`));
  }

  private drain(server: Server, graceMs: number): Promise<void> {
    this.draining.add(server);
    return new Promise<void>((resolvePromise) => {
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      server.close(() => {
        clearTimeout(timer);
        this.draining.delete(server);
        resolvePromise();
      });
      server.closeIdleConnections();
    });
  }

  private track(p: Promise<void>): void {
    this.closing.add(p);
    void p.finally(() => this.closing.delete(p));
  }
}

function keyOf(address: string, configPort: number): string {
  return `${address}|${configPort}`;
}

function addressOf(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException & { address?: string }).address;
}

/** Requests Node's parser rejects still get an nginx-like answer (Node's default is a bare 400). */
function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const body = errorPageHtml(status);
  socket.end(
    `HTTP/1.1 ${status} ${statusText(status)}\r\nServer: ${SERVER_HEADER}\r\nContent-Type: text/html; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
