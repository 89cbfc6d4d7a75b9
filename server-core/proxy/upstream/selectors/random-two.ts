// nginx `random two least_conn` (ngx_http_upstream_random_module.c): two distinct servers drawn
// at random in proportion to their weights; the one with fewer active connections per weight
// wins. After 20 draws without two eligible servers nginx falls back to round-robin.
import type { UpstreamPeer } from '../peer.js';
import type { PickContext, Selector } from '../selector.js';
import { smoothWeighted } from './round-robin.js';

const MAX_TRIES = 20;

function drawByWeight(peers: readonly UpstreamPeer[], total: number, random: () => number): UpstreamPeer | undefined {
  let x = Math.floor(random() * total);
  for (const p of peers) {
    if (x < p.weight) return p;
    x -= p.weight;
  }
  return peers[peers.length - 1];
}

export const randomTwo = {
  pick(ctx: PickContext): UpstreamPeer | null {
    const eligible = ctx.peers.filter(ctx.eligible);
    if (eligible.length <= 1) return eligible[0] ?? null;
    let total = 0;
    for (const p of ctx.peers) total += p.weight;
    let first: UpstreamPeer | null = null;
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      const peer = drawByWeight(ctx.peers, total, ctx.random);
      if (!peer || !ctx.eligible(peer) || peer === first) continue;
      if (first === null) {
        first = peer;
        continue;
      }
      // Fewer connections per weight wins; a tie keeps the second draw, as nginx does.
      return peer.active * first.weight > first.active * peer.weight ? first : peer;
    }
    return first ?? smoothWeighted(ctx.peers, ctx.eligible);
  },
} satisfies Selector;
