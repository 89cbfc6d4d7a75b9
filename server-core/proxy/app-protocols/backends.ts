// Where uwsgi/fastcgi/app requests go, per proxy worker: the config's `uwsgi`/`fastcgi`
// upstreams, and each running app's instances as the app server publishes them (`apps-updated`).
// Built from P2's upstream pieces (UpstreamGroup selection, UpstreamPeer passive health,
// ConnectionPool keep-alive), so balancing and max_fails behave as for HTTP upstreams. A server
// that stays keeps its peer (failures, pool) across updates.
import type { BerthConfig, Upstream, UpstreamServer } from '../../config/schema.js';
import type { AppProtocol, AppRoutes } from '../../contract/apps.js';
import type { UpstreamState } from '../../contract/upstreams.js';
import { parseUpstreamAddress } from '../upstream/address.js';
import { UpstreamGroup, type UpstreamGroupSpec } from '../upstream/group.js';
import { UpstreamPeer } from '../upstream/peer.js';
import { ConnectionPool } from '../upstream/pool.js';
import { groupState } from '../upstream/registry.js';

export interface AppBackend {
  readonly group: UpstreamGroup;
  readonly protocol: AppProtocol;
  /** php-fpm: the app's working dir, the FastCGI document root. */
  readonly root: string;
}

/** App instances: one failure takes an instance out for 2 s (a recycled worker's socket is gone). */
const APP_SERVER: Omit<UpstreamServer, 'address'> = { weight: 1, maxFails: 1, failTimeoutS: 2, backup: false, down: false };
/**
 * Keep-alive to HTTP apps. uwsgi closes after each response, and PHP-FPM connections are not kept
 * (nginx's default, fastcgi_keep_conn off): a PHP-FPM child serves one connection at a time and,
 * asked to keep it (FCGI_KEEP_CONN), waits on it for the next request. Idle connections pooled in
 * one proxy worker then held every child, and a request through another worker waited in the
 * listen queue until they were closed (a 1-process app behind 2 workers: every other request hung).
 */
const APP_KEEPALIVE = 32;

/** Idle connections kept per app instance and proxy worker, by the app's protocol. */
export function appKeepalive(protocol: AppProtocol): number {
  return protocol === 'http' ? APP_KEEPALIVE : 0;
}

export class AppBackends {
  private upstreams = new Map<string, UpstreamGroup>();
  private apps = new Map<string, AppBackend>();
  private readonly peers = new Map<string, UpstreamPeer>();

  /** The config's uwsgi and fastcgi upstream groups. */
  setConfig(config: BerthConfig): void {
    const next = new Map<string, UpstreamGroup>();
    for (const u of config.upstreams) {
      if (u.protocol === 'http') continue;
      next.set(u.id, this.group(`upstream:${u.id}`, u.method, u.protocol, u.protocol === 'uwsgi' ? 0 : u.keepalive, u.servers));
    }
    this.upstreams = next;
    this.sweep();
  }

  /** The apps the app server runs right now. */
  setRoutes(routes: AppRoutes): void {
    const next = new Map<string, AppBackend>();
    for (const [id, r] of Object.entries(routes)) {
      const servers = r.addresses.map((address) => ({ ...APP_SERVER, address }));
      const group = this.group(`app:${id}`, 'round_robin', r.protocol, appKeepalive(r.protocol), servers);
      next.set(id, { group, protocol: r.protocol, root: r.root });
    }
    this.apps = next;
    this.sweep();
  }

  upstream(id: string): UpstreamGroup | undefined {
    return this.upstreams.get(id);
  }

  app(id: string): AppBackend | undefined {
    return this.apps.get(id);
  }

  /**
   * The API's view of these groups: the config's uwsgi/fastcgi upstreams under their own ids, and
   * each running app as `app:<id>` (implicit, like a location's `url:` group).
   */
  state(now: number): UpstreamState[] {
    const out: UpstreamState[] = [];
    for (const [id, g] of this.upstreams) out.push(groupState(g, id, false, now));
    for (const [id, a] of this.apps) out.push(groupState(a.group, `app:${id}`, true, now));
    return out;
  }

  close(): void {
    for (const p of this.peers.values()) p.pool.close();
    this.peers.clear();
  }

  private group(id: string, method: Upstream['method'], protocol: Upstream['protocol'], keepalive: number, servers: readonly UpstreamServer[]): UpstreamGroup {
    const spec: UpstreamGroupSpec = { id, method, protocol, keepalive, proxyHost: id, implicit: false };
    const peers: UpstreamPeer[] = [];
    for (const s of servers) {
      const address = parseUpstreamAddress(s.address);
      if (!address) continue;
      const key = `${id}\n${address.label}`;
      let peer = this.peers.get(key);
      if (peer) {
        peer.configure(s);
        peer.pool.maxIdle = keepalive;
      } else {
        peer = new UpstreamPeer(address, new ConnectionPool(address, keepalive), s);
        this.peers.set(key, peer);
      }
      if (!peers.includes(peer)) peers.push(peer);
    }
    return new UpstreamGroup(spec, peers);
  }

  /** Servers no group uses any more: out of selection, pools closed. */
  private sweep(): void {
    const live = new Set<UpstreamPeer>();
    for (const g of this.upstreams.values()) for (const p of g.peers) live.add(p);
    for (const a of this.apps.values()) for (const p of a.group.peers) live.add(p);
    for (const [key, peer] of this.peers) {
      if (live.has(peer)) continue;
      peer.removed = true;
      peer.pool.close();
      this.peers.delete(key);
    }
  }
}

/** One per proxy worker process. */
export const appBackends = new AppBackends();
