// The proxy's listening sockets: one TCP server per (address, config port). Each has a layer that
// serves its accepted sockets: the HTTP/1.1 engine (http1/) for plain ports; for TLS ports a
// TlsFront (handshake, SNI, ALPN) in front of the same engine and an HTTP/2 front. A protocol
// change on a port swaps the layer and keeps the socket. `reconcile` opens what a new config needs
// before anything old is closed, so a failed change leaves the old set intact.
//
// Sockets come from one of three places: a handle the supervisor bound once and passed to every
// worker (headless; each worker accepts on it, no round-robin hop), a socket this worker binds with
// SO_REUSEPORT (Electron on Node ≥ 22.12, Linux), or a socket this worker binds alone.
import { createServer, isIPv6, type ListenOptions, type Server, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { ListenAddress } from '../contract/api.js';
import { BerthError } from '../errors.js';
import { bindError, isAddressUnavailable } from './bind-errors.js';
import type { ProxyRequest, ProxyResponse } from './http-types.js';
import { acceptWithDirectReads } from './http1/direct-read.js';
import { Http1Engine, type ConnectionLimits, type RejectedRequest } from './http1/engine.js';
import type { PlannedPort } from './listen-plan.js';
import type { ListenerInfo } from './request-context.js';
import { H2Front } from './tls/h2-front.js';
import type { SniStore } from './tls/sni-store.js';
import { TlsFront } from './tls/tls-listener.js';

/** Listening sockets bound by someone else (the supervisor's listener owner). */
export interface HandleSource {
  /** A bound socket handle for this address and config port, or null: bind it yourself. Each handle is given out once. */
  take(address: string, configPort: number): object | null;
}

export interface ListenerSetOptions {
  onRequest(req: ProxyRequest, res: ProxyResponse, listener: ListenerInfo, connection: number): void;
  /** A request the engine answered itself (malformed, too large, too slow): for the access log. */
  onRejected?(info: RejectedRequest, listener: ListenerInfo): void;
  /** Connection limits of the port's default site. */
  limitsFor?(configPort: number): ConnectionLimits;
  warn(message: string): void;
  /** What the user can do about a port problem, e.g. "start Berth with --http-port N". */
  fixFor(configPort: number): string;
  /** Certificates for TLS ports; without it a TLS port cannot open. */
  sni?: SniStore;
  /** Session ticket keys shared by every worker (48 bytes). */
  ticketKeys?: Buffer;
  handles?: HandleSource;
  /** Bind with SO_REUSEPORT (several workers each bind; Node ≥ 22.12). */
  reusePort?: boolean;
}

/** What serves the sockets of one listener: replaced when the port's protocol changes. */
interface Layer {
  readonly info: ListenerInfo;
  readonly http2: boolean;
  readonly engine: Http1Engine;
  readonly tls: TlsFront | null;
  readonly h2: H2Front | null;
  /** Raw sockets of a TLS port, handshakes included: cut together when the grace period ends. */
  readonly raw: Set<Socket> | null;
}

interface Bound {
  key: string;
  server: Server;
  layer: Layer;
}

/** With port 0 the second address must reuse the first one's port; a clash there is retried. */
const PORT_ZERO_ATTEMPTS = 3;

export class ListenerSet {
  private readonly bound = new Map<string, Bound>();
  private readonly closing = new Set<Promise<void>>();
  private readonly warnedAddresses = new Set<string>();
  private nextConnection = 1;

  constructor(private readonly options: ListenerSetOptions) {}

  /**
   * Makes the open listeners exactly `ports` × `addresses`. New ones open first; on failure
   * they are closed again and the error (a BerthError) is thrown with the old set untouched.
   * Listeners no longer wanted drain in the background (at most `graceMs`).
   */
  async reconcile(ports: readonly PlannedPort[], addresses: readonly string[], graceMs = 5000): Promise<void> {
    if (!this.options.sni && ports.some((p) => p.tls)) {
      throw new BerthError('BERTH_ERR_CONFIG_INVALID', 'this proxy has no certificate store, so it cannot serve TLS ports');
    }
    const opened: Bound[] = [];
    try {
      for (const planned of ports) opened.push(...(await this.openPort(planned, addresses)));
    } catch (e) {
      await Promise.all(opened.map((b) => this.drain(b, 0)));
      throw e;
    }
    for (const b of opened) this.bound.set(b.key, b);
    const wanted = new Map(ports.map((p) => [p.port, p]));
    const wantedAddresses = new Set(addresses);
    for (const [key, b] of this.bound) {
      const planned = wanted.get(b.layer.info.configPort);
      if (planned && wantedAddresses.has(b.layer.info.address)) {
        if (planned.tls !== (b.layer.tls !== null) || planned.http2 !== b.layer.http2) this.swapLayer(b, planned, graceMs);
        continue;
      }
      this.bound.delete(key);
      this.track(this.drain(b, graceMs));
    }
  }

  /** Session ticket keys for TLS layers created from now on. */
  setTicketKeys(keys: Buffer): void {
    this.options.ticketKeys = keys;
  }

  listening(): ListenAddress[] {
    return [...this.bound.values()].map((b) => ({ address: b.layer.info.address, port: b.layer.info.port, protocol: b.layer.info.protocol }));
  }

  /** The bound port of a config port (port 0 resolves to the one the OS gave), or null. */
  actualPort(configPort: number): number | null {
    for (const b of this.bound.values()) if (b.layer.info.configPort === configPort) return b.layer.info.port;
    return null;
  }

  /** Every TLS port's front (to give it the certificate for handshakes without SNI). */
  tlsFronts(): Array<{ configPort: number; front: TlsFront }> {
    const out: Array<{ configPort: number; front: TlsFront }> = [];
    for (const b of this.bound.values()) if (b.layer.tls) out.push({ configPort: b.layer.info.configPort, front: b.layer.tls });
    return out;
  }

  /** Stop accepting everywhere, let in-flight requests finish for up to `graceMs`, then cut the rest. */
  async closeAll(graceMs: number): Promise<void> {
    for (const b of this.bound.values()) this.track(this.drain(b, graceMs));
    this.bound.clear();
    while (this.closing.size > 0) await Promise.all([...this.closing]);
  }

  private async openPort(planned: PlannedPort, addresses: readonly string[]): Promise<Bound[]> {
    const configPort = planned.port;
    const existing = [...this.bound.values()].filter((b) => b.layer.info.configPort === configPort && addresses.includes(b.layer.info.address));
    const fixedPort = configPort !== 0 ? configPort : existing[0]?.layer.info.port;
    for (let attempt = 1; ; attempt++) {
      const opened: Bound[] = [];
      let port = fixedPort ?? 0;
      try {
        for (const address of addresses) {
          if (this.bound.has(keyOf(address, configPort))) continue;
          try {
            const b = await this.listenOne(address, planned, port);
            opened.push(b);
            port = b.layer.info.port;
          } catch (e) {
            if (!isAddressUnavailable(e)) throw e;
            if (!this.warnedAddresses.has(address)) {
              this.warnedAddresses.add(address);
              this.options.warn(`address ${address} is not available on this machine (${(e as NodeJS.ErrnoException).code}); serving without it`);
            }
          }
        }
      } catch (e) {
        await Promise.all(opened.map((b) => this.drain(b, 0)));
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

  private listenOne(address: string, planned: PlannedPort, port: number): Promise<Bound> {
    // allowHalfOpen: a client that shuts its sending side after the request still gets the answer.
    const server = createServer({ allowHalfOpen: true, noDelay: true });
    const handle = this.options.handles?.take(address, planned.port) ?? null;
    return new Promise<Bound>((resolvePromise, reject) => {
      const onError = (e: NodeJS.ErrnoException): void => {
        (e as { address?: string }).address ??= address;
        reject(e);
      };
      server.once('error', onError);
      const onListening = (): void => {
        server.off('error', onError);
        const addr = server.address();
        const actual = typeof addr === 'object' && addr !== null ? addr.port : port;
        const b: Bound = { key: keyOf(address, planned.port), server, layer: this.layerFor(address, planned, actual) };
        server.on('connection', (socket: Socket) => {
          const layer = b.layer;
          if (layer.tls) {
            layer.raw?.add(socket);
            socket.once('close', () => layer.raw?.delete(socket));
            layer.tls.accept(socket);
          } else layer.engine.handleConnection(socket);
        });
        // Plain HTTP connections read into a shared buffer; the TLS front reads its sockets as streams.
        acceptWithDirectReads(server, () => b.layer.tls === null);
        server.on('error', (e) => this.options.warn(`listener ${address}:${actual}: ${e.message}`));
        resolvePromise(b);
      };
      if (handle) {
        // A socket the supervisor bound: this worker only starts accepting on it.
        server.listen(handle, onListening);
        return;
      }
      // ipv6Only: `::` must not also take IPv4, which would clash with a separate 0.0.0.0 listener.
      const listenOptions: ListenOptions & { reusePort?: boolean } = { host: address, port, ipv6Only: isIPv6(address) };
      if (this.options.reusePort) listenOptions.reusePort = true;
      server.listen(listenOptions, onListening);
    });
  }

  private layerFor(address: string, planned: PlannedPort, port: number): Layer {
    const info: ListenerInfo = { address, configPort: planned.port, port, protocol: planned.tls ? 'https' : 'http' };
    const { onRequest, onRejected, limitsFor, sni } = this.options;
    const limits = limitsFor ? () => limitsFor(info.configPort) : undefined;
    const nextConnectionId = (): number => this.nextConnection++;
    const engine = new Http1Engine({
      onRequest: (req, res, connection) => onRequest(req, res, info, connection),
      onRejected: onRejected ? (r) => onRejected(r, info) : undefined,
      limits,
      nextConnectionId,
    });
    if (!planned.tls || !sni) return { info, http2: false, engine, tls: null, h2: null, raw: null };
    const h2 = planned.http2
      ? new H2Front({ onRequest: (req, res, connection) => onRequest(req, res, info, connection), limits: () => engine.limits(), nextConnectionId })
      : null;
    const tls = new TlsFront({
      configPort: planned.port,
      sni,
      http2: planned.http2,
      ticketKeys: this.options.ticketKeys,
      onHttp1: (socket: TLSSocket) => engine.handleConnection(socket),
      onHttp2: (socket: TLSSocket) => (h2 ? h2.accept(socket) : socket.destroy()),
    });
    return { info, http2: planned.http2, engine, tls, h2, raw: new Set() };
  }

  /** The port changed protocol (plain ↔ TLS, h2 on/off): new connections get the new layer, old ones finish. */
  private swapLayer(b: Bound, planned: PlannedPort, graceMs: number): void {
    const old = b.layer;
    b.layer = this.layerFor(old.info.address, planned, old.info.port);
    this.track(this.drainLayer(old, graceMs));
  }

  private drainLayer(layer: Layer, graceMs: number): Promise<void> {
    layer.engine.drain();
    layer.h2?.drain();
    const timer = setTimeout(() => cut(layer), graceMs);
    return Promise.all([layer.engine.whenEmpty(), waitRaw(layer)]).then(() => clearTimeout(timer));
  }

  /** Stop accepting; idle connections close now, busy ones after their response; cut the rest after `graceMs`. */
  private drain(b: Bound, graceMs: number): Promise<void> {
    return new Promise<void>((resolvePromise) => {
      const layer = b.layer;
      const timer = setTimeout(() => cut(layer), graceMs);
      b.server.close(() => {
        clearTimeout(timer);
        resolvePromise();
      });
      layer.engine.drain();
      layer.h2?.drain();
    });
  }

  private track(p: Promise<void>): void {
    this.closing.add(p);
    void p.finally(() => this.closing.delete(p));
  }
}

function cut(layer: Layer): void {
  layer.engine.destroyAll();
  layer.h2?.destroyAll();
  for (const s of layer.raw ?? []) s.destroy();
}

/** Resolves once every raw socket of a TLS layer has closed (checked every 100 ms). */
function waitRaw(layer: Layer): Promise<void> {
  const raw = layer.raw;
  if (!raw || raw.size === 0) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setInterval(() => {
      if (raw.size === 0) {
        clearInterval(t);
        resolve();
      }
    }, 100);
  });
}

function keyOf(address: string, configPort: number): string {
  return `${address}|${configPort}`;
}

function addressOf(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException & { address?: string }).address;
}
