// The balancer's extension point: one small interface, one module per `upstream.method`
// (selectors/*.ts), registered by method name in selectors/index.ts.
import type { UpstreamPeer } from './peer.js';

export interface PickContext {
  /** Every server of the tier being tried (primaries, or backups), in config order. */
  readonly peers: readonly UpstreamPeer[];
  /** False for servers that are down, failed (max_fails), unhealthy, or already tried by this request. */
  eligible(peer: UpstreamPeer): boolean;
  /** The client's address as the socket gave it (ip_hash). */
  readonly clientAddress: string;
  /** A number in [0, 1): injectable for tests (random two). */
  readonly random: () => number;
}

export interface Selector {
  /** The chosen server, or null when no eligible server is left. Updates the balancer state it keeps. */
  pick(ctx: PickContext): UpstreamPeer | null;
}
