// Headless mode with several proxy workers: the supervisor binds each (address, port) once and
// passes the bound socket to every worker, which then accepts on it itself (nginx's model: the
// master opens the listening sockets, the workers accept). The owner binds but never listens, so
// it never accepts a connection; each worker's listen() on the shared socket starts accepting.
// That is cluster's SCHED_NONE without the cluster module (PERFORMANCE.md: the round-robin hop
// costs 125–175 µs per new connection).
//
// Binding uses node:net's `_createServerHandle` (what cluster uses for shared handles): it binds
// without listening. Errors stay with the workers: a socket the owner cannot bind (a port in use,
// an address the machine lacks) is simply not passed, and each worker binds it itself and reports
// the problem as it always did (port-owner.ts names the holder).
import * as net from 'node:net';
import type { ChildHandle } from './child-launcher.js';

interface RawServerHandle {
  /** 0 on success; a negative errno (EADDRINUSE is reported here, libuv delays bind errors). */
  getsockname(out: { port?: number }): number;
  close(callback?: () => void): void;
}

type CreateServerHandle = (address: string, port: number, addressType: 4 | 6, fd?: number, flags?: number) => RawServerHandle | number;

const createServerHandle = (net as unknown as { _createServerHandle?: CreateServerHandle })._createServerHandle;
/** libuv UV_TCP_IPV6ONLY: `::` must not also take IPv4. */
const UV_TCP_IPV6ONLY = 1;
/** With port 0 the second address must reuse the first one's port; a clash there is retried. */
const PORT_ZERO_ATTEMPTS = 3;

interface OwnedSocket {
  address: string;
  configPort: number;
  port: number;
  handle: RawServerHandle;
  /** Changes when the socket is re-bound, so a worker that has the old one gets the new one. */
  generation: number;
}

export class ListenerOwner {
  private readonly owned = new Map<string, OwnedSocket>();
  private readonly sent = new WeakMap<ChildHandle, Set<string>>();
  private generation = 0;

  /** False where node:net lacks the binding helper (then every worker binds alone). */
  static supported(): boolean {
    return typeof createServerHandle === 'function';
  }

  /** Binds what `ports` × `addresses` needs and closes what is no longer wanted. Never throws. */
  reconcile(ports: readonly number[], addresses: readonly string[]): void {
    const wanted = new Set<string>();
    for (const configPort of ports) {
      for (const address of addresses) wanted.add(keyOf(address, configPort));
      this.bindPort(configPort, addresses);
    }
    for (const [key, s] of this.owned) {
      if (wanted.has(key)) continue;
      s.handle.close();
      this.owned.delete(key);
    }
  }

  /** The bound port of every owned socket (port 0 resolved). */
  sockets(): Array<{ address: string; configPort: number; port: number }> {
    return [...this.owned.values()].map(({ address, configPort, port }) => ({ address, configPort, port }));
  }

  /** Passes the child every socket it has not received yet (each send gives it its own descriptor). */
  sendTo(child: ChildHandle): void {
    if (!child.sendHandle) return;
    let sent = this.sent.get(child);
    if (!sent) {
      sent = new Set();
      this.sent.set(child, sent);
    }
    for (const [key, s] of this.owned) {
      const tag = `${key}#${s.generation}`;
      if (sent.has(tag)) continue;
      sent.add(tag);
      child.sendHandle({ type: 'listen-handle', address: s.address, configPort: s.configPort, port: s.port }, s.handle);
    }
  }

  closeAll(): void {
    for (const s of this.owned.values()) s.handle.close();
    this.owned.clear();
  }

  private bindPort(configPort: number, addresses: readonly string[]): void {
    const existing = addresses.map((a) => this.owned.get(keyOf(a, configPort))).find((s) => s !== undefined);
    const fixed = configPort !== 0 ? configPort : existing?.port;
    for (let attempt = 1; attempt <= PORT_ZERO_ATTEMPTS; attempt++) {
      const opened: OwnedSocket[] = [];
      let port = fixed ?? 0;
      let clash = false;
      for (const address of addresses) {
        if (this.owned.has(keyOf(address, configPort))) continue;
        const s = bindOne(address, configPort, port);
        if (s === 'unavailable') continue;
        if (s === 'in-use') {
          clash = true;
          break;
        }
        s.generation = ++this.generation;
        opened.push(s);
        port = s.port;
      }
      if (clash && fixed === undefined && opened.length > 0 && attempt < PORT_ZERO_ATTEMPTS) {
        for (const s of opened) s.handle.close();
        continue;
      }
      for (const s of opened) this.owned.set(keyOf(s.address, configPort), s);
      return;
    }
  }
}

function bindOne(address: string, configPort: number, port: number): OwnedSocket | 'in-use' | 'unavailable' {
  if (!createServerHandle) return 'unavailable';
  const family = net.isIPv6(address) ? 6 : 4;
  const handle = createServerHandle(address, port, family, undefined, family === 6 ? UV_TCP_IPV6ONLY : 0);
  if (typeof handle === 'number') return 'unavailable';
  const out: { port?: number } = {};
  if (handle.getsockname(out) !== 0 || typeof out.port !== 'number') {
    handle.close();
    return 'in-use';
  }
  return { address, configPort, port: out.port, handle, generation: 0 };
}

function keyOf(address: string, configPort: number): string {
  return `${address}|${configPort}`;
}
