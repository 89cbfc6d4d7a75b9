// An upstream group (nginx `upstream { … }`) for one config version: its servers split into
// primaries and backups, and its selector. Backups are tried only when no primary can take the
// request (nginx's `peers->next`); `down` servers never.
import type { Upstream } from '../../config/schema.js';
import type { UpstreamPeer } from './peer.js';
import type { Selector } from './selector.js';
import { selectors } from './selectors/index.js';

export interface UpstreamGroupSpec {
  /** The upstream id, or `url:<address>` for a `proxy` location with a `url`. */
  readonly id: string;
  readonly method: Upstream['method'];
  readonly protocol: Upstream['protocol'];
  readonly keepalive: number;
  /** nginx `$proxy_host`: the upstream's name, or host[:port] of a URL. */
  readonly proxyHost: string;
  /** From a location's `url` rather than the `upstreams` list. */
  readonly implicit: boolean;
}

export class UpstreamGroup {
  readonly primaries: readonly UpstreamPeer[];
  readonly backups: readonly UpstreamPeer[];
  private readonly selector: Selector;

  constructor(
    readonly spec: UpstreamGroupSpec,
    readonly peers: readonly UpstreamPeer[],
    private readonly random: () => number = Math.random,
  ) {
    this.primaries = peers.filter((p) => !p.backup);
    this.backups = peers.filter((p) => p.backup);
    this.selector = selectors[spec.method];
  }

  get id(): string {
    return this.spec.id;
  }

  /** nginx never takes the only server of a group out for failures (`peers->single`). */
  get single(): boolean {
    return this.primaries.length === 1 && this.backups.length === 0;
  }

  /** Picks a server for a request that already tried `tried`; null when none is left. */
  pick(tried: ReadonlySet<UpstreamPeer>, clientAddress: string, now: number): UpstreamPeer | null {
    const single = this.single;
    const eligible = (p: UpstreamPeer): boolean => !tried.has(p) && p.usable(now, single);
    // One context object per pick (this runs once per proxied request).
    const ctx = { eligible, clientAddress, random: this.random, peers: this.primaries };
    let peer = this.selector.pick(ctx);
    if (peer === null && this.backups.length > 0) {
      ctx.peers = this.backups;
      peer = this.selector.pick(ctx);
    }
    if (peer) peer.picked(now);
    return peer;
  }
}
