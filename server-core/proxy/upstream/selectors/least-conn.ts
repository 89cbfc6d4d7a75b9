// nginx least_conn (ngx_http_upstream_least_conn_module.c): the eligible server with the fewest
// active connections relative to its weight (conns/weight, compared by cross-multiplying);
// several tied servers are chosen among by smooth weighted round-robin.
import type { UpstreamPeer } from '../peer.js';
import type { PickContext, Selector } from '../selector.js';
import { smoothWeighted } from './round-robin.js';

export const leastConn = {
  pick(ctx: PickContext): UpstreamPeer | null {
    let best: UpstreamPeer | null = null;
    let many = false;
    for (const peer of ctx.peers) {
      if (!ctx.eligible(peer)) continue;
      if (best === null || peer.active * best.weight < best.active * peer.weight) {
        best = peer;
        many = false;
      } else if (peer.active * best.weight === best.active * peer.weight) {
        many = true;
      }
    }
    if (best === null || !many) return best;
    const leader = best;
    return smoothWeighted(ctx.peers, (p) => ctx.eligible(p) && p.active * leader.weight === leader.active * p.weight);
  },
} satisfies Selector;
