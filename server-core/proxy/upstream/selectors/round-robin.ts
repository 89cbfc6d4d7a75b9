// nginx's smooth weighted round-robin (ngx_http_upstream_get_peer): every eligible server's
// current_weight grows by its effective_weight; the largest wins and gives back the total.
// Weights 5,1,1 give a a b a c a a — spread out, not a a a a a b c.
import type { UpstreamPeer } from '../peer.js';
import type { PickContext, Selector } from '../selector.js';

/** Smooth weighted round-robin over the peers `include` accepts. Shared by least_conn (for ties) and others' fallbacks. */
export function smoothWeighted(peers: readonly UpstreamPeer[], include: (peer: UpstreamPeer) => boolean): UpstreamPeer | null {
  let best: UpstreamPeer | null = null;
  let total = 0;
  for (const peer of peers) {
    if (!include(peer)) continue;
    peer.currentWeight += peer.effectiveWeight;
    total += peer.effectiveWeight;
    // A server whose weight was lowered after a failure recovers one step per pick.
    if (peer.effectiveWeight < peer.weight) peer.effectiveWeight++;
    if (best === null || peer.currentWeight > best.currentWeight) best = peer;
  }
  if (best !== null) best.currentWeight -= total;
  return best;
}

export const roundRobin = {
  pick: (ctx: PickContext) => smoothWeighted(ctx.peers, ctx.eligible),
} satisfies Selector;
