// The worker's upstream servers across config versions. Each config builds a new set of groups
// (an immutable snapshot the routing table carries), but a server that stays in the config keeps
// its peer object: its pool, its failures, its health and its balancer state survive a reload.
// prepare() builds without side effects; commit() retires what left and (re)starts health checks.
import type { BerthConfig, ProxyHandler, Upstream, UpstreamServer } from '../../config/schema.js';
import type { UpstreamServerState, UpstreamState } from '../../contract/upstreams.js';
import { parseProxyUrl, parseUpstreamAddress, type UpstreamAddress } from './address.js';
import { UpstreamGroup, type UpstreamGroupSpec } from './group.js';
import { HealthChecker } from './health-check.js';
import { UpstreamPeer } from './peer.js';
import { ConnectionPool } from './pool.js';

/** The groups one config version routes to. */
export interface UpstreamSet {
  readonly byId: ReadonlyMap<string, UpstreamGroup>;
  /** Groups for `proxy` locations with a `url`, keyed by the URL as written. */
  readonly byUrl: ReadonlyMap<string, UpstreamGroup>;
}

export const EMPTY_UPSTREAMS: UpstreamSet = { byId: new Map(), byUrl: new Map() };

/** Settings of a location's `url` target: one server, nginx defaults, Berth's default pool. */
const URL_SERVER: UpstreamServer = { address: '', weight: 1, maxFails: 1, failTimeoutS: 10, backup: false, down: false };
const URL_KEEPALIVE = 32;

export class UpstreamRegistry {
  private readonly peers = new Map<string, UpstreamPeer>();
  private readonly checkers = new Map<string, HealthChecker>();
  private current: UpstreamSet = EMPTY_UPSTREAMS;

  constructor(private readonly clock: () => number = Date.now) {}

  get snapshot(): UpstreamSet {
    return this.current;
  }

  /** Builds the groups for `config`. Throws nothing for bad addresses: the validator refused them. */
  prepare(config: BerthConfig): UpstreamSet {
    const byId = new Map<string, UpstreamGroup>();
    for (const u of config.upstreams) {
      if (u.protocol !== 'http') continue; // uwsgi/fastcgi groups belong to their own handlers
      const spec: UpstreamGroupSpec = { id: u.id, method: u.method, protocol: u.protocol, keepalive: u.keepalive, proxyHost: u.id, implicit: false };
      byId.set(u.id, this.group(spec, u.servers));
    }
    const byUrl = new Map<string, UpstreamGroup>();
    for (const h of proxyHandlers(config)) {
      if (h.url === undefined || byUrl.has(h.url)) continue;
      const parsed = parseProxyUrl(h.url);
      if (!parsed) continue;
      // nginx: `proxy_pass http://NAME/uri` goes to upstream NAME when one exists, with the URI replacement.
      const named = parsed.upstreamName === null ? undefined : byId.get(parsed.upstreamName);
      if (named) {
        byUrl.set(h.url, named);
        continue;
      }
      const id = `url:${parsed.address.label}`;
      const spec: UpstreamGroupSpec = { id, method: 'round_robin', protocol: 'http', keepalive: URL_KEEPALIVE, proxyHost: parsed.proxyHost, implicit: true };
      byUrl.set(h.url, this.group(spec, [{ ...URL_SERVER, address: parsed.address.label }], parsed.address));
    }
    return { byId, byUrl };
  }

  /** Makes `set` current: servers that left drain and lose their pools; health checks follow the config. */
  commit(set: UpstreamSet, config: BerthConfig): void {
    const live = new Set<UpstreamPeer>();
    for (const g of [...set.byId.values(), ...set.byUrl.values()]) for (const p of g.peers) live.add(p);
    for (const [key, peer] of this.peers) {
      if (live.has(peer)) continue;
      peer.removed = true;
      peer.pool.close();
      this.peers.delete(key);
    }
    const wanted = new Map<string, Upstream>();
    for (const u of config.upstreams) if (u.healthCheck && set.byId.has(u.id)) wanted.set(u.id, u);
    for (const [id, checker] of this.checkers) {
      const u = wanted.get(id);
      if (!u || JSON.stringify(u.healthCheck) !== JSON.stringify(checker.config)) {
        checker.stop();
        this.checkers.delete(id);
        // Servers no longer checked count as healthy again.
        for (const p of set.byId.get(id)?.peers ?? []) p.healthy = true;
      }
    }
    for (const [id, u] of wanted) {
      const group = set.byId.get(id);
      if (!group || !u.healthCheck) continue;
      const existing = this.checkers.get(id);
      if (existing) existing.setPeers(group.peers);
      else {
        const checker = new HealthChecker(u.healthCheck, group.peers, u.id, this.clock);
        this.checkers.set(id, checker);
        checker.start();
      }
    }
    this.current = set;
  }

  /** Stops health checks and closes every pool (shutdown). */
  close(): void {
    for (const c of this.checkers.values()) c.stop();
    this.checkers.clear();
    for (const p of this.peers.values()) p.pool.close();
  }

  state(): UpstreamState[] {
    const now = this.clock();
    const groups = [...this.current.byId.values(), ...this.current.byUrl.values()];
    return groups.map((g) => ({
      id: g.id,
      implicit: g.spec.implicit,
      method: g.spec.method,
      protocol: g.spec.protocol,
      keepalive: g.spec.keepalive,
      servers: g.peers.map((p) => peerState(p, now, this.checkers.has(g.id), g.single)),
    }));
  }


  private group(spec: UpstreamGroupSpec, servers: readonly UpstreamServer[], known?: UpstreamAddress): UpstreamGroup {
    const peers: UpstreamPeer[] = [];
    for (const s of servers) {
      const address = known ?? parseUpstreamAddress(s.address);
      if (!address) continue;
      const key = `${spec.id}\n${address.label}`;
      let peer = this.peers.get(key);
      if (peer && peers.includes(peer)) continue; // the same address twice in one group
      if (peer) {
        peer.configure(s);
        peer.pool.maxIdle = spec.keepalive;
      } else {
        peer = new UpstreamPeer(address, new ConnectionPool(address, spec.keepalive, { sharedReadBuffer: true }), s);
        this.peers.set(key, peer);
      }
      peers.push(peer);
    }
    return new UpstreamGroup(spec, peers);
  }
}

function proxyHandlers(config: BerthConfig): ProxyHandler[] {
  const out: ProxyHandler[] = [];
  for (const site of config.sites) for (const loc of site.locations) if (loc.handler.type === 'proxy') out.push(loc.handler);
  return out;
}

/** One group as the API shows it; `id` and `implicit` as the caller names the group. */
export function groupState(g: UpstreamGroup, id: string, implicit: boolean, now: number, checked = false): UpstreamState {
  return { id, implicit, method: g.spec.method, protocol: g.spec.protocol, keepalive: g.spec.keepalive, servers: g.peers.map((p) => peerState(p, now, checked, g.single)) };
}

function peerState(p: UpstreamPeer, now: number, checked: boolean, single: boolean): UpstreamServerState {
  const until = p.unavailableUntil(now, single);
  return {
    address: p.address.label,
    weight: p.weight,
    backup: p.backup,
    configDown: p.down,
    state: p.state(now, single),
    active: p.active,
    idle: p.pool.idleCount,
    requests: p.requests,
    fails: p.fails,
    failsTotal: p.failsTotal,
    unavailableUntil: until === null ? null : new Date(until).toISOString(),
    health: checked ? { healthy: p.healthy, lastCheck: p.lastCheck ? { ...p.lastCheck, at: new Date(p.lastCheck.at).toISOString() } : null } : null,
  };
}
