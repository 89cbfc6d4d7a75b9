// `GET /api/v1/upstreams`: per-server state from every proxy worker (each keeps its own pools,
// failure counts and health checks), merged into one answer.
import type { UpstreamState, UpstreamsResponse } from '../contract/upstreams.js';
import { HttpError, sendJson } from './http-util.js';
import type { Router } from './router.js';

export interface UpstreamStateSource {
  /** Ids of the proxy workers running now. */
  proxyWorkers(): string[];
  /** Calls `upstreams.state` in one worker. */
  ask(childId: string): Promise<unknown>;
}

export function addUpstreamRoutes(router: Router, source: UpstreamStateSource | undefined): Router {
  return router.add('GET', '/api/v1/upstreams', async ({ res }) => {
    if (!source) throw new HttpError(503, 'BERTH_ERR_CHILD_UNAVAILABLE', 'upstream state is not available in this mode');
    sendJson(res, 200, await collectUpstreamStates(source));
  });
}

export async function collectUpstreamStates(source: UpstreamStateSource): Promise<UpstreamsResponse> {
  const workers = source.proxyWorkers();
  const answers = await Promise.allSettled(workers.map((id) => source.ask(id)));
  const states: UpstreamState[][] = [];
  for (const a of answers) {
    if (a.status === 'fulfilled' && isAnswer(a.value)) states.push(a.value.upstreams);
  }
  if (workers.length > 0 && states.length === 0) {
    throw new HttpError(503, 'BERTH_ERR_CHILD_UNAVAILABLE', 'no proxy worker answered; check the status page for the proxy process');
  }
  return { workers: states.length, upstreams: mergeUpstreamStates(states) };
}

function isAnswer(v: unknown): v is { upstreams: UpstreamState[] } {
  return typeof v === 'object' && v !== null && Array.isArray((v as { upstreams?: unknown }).upstreams);
}

/** Merges the answers of several proxy workers: counters add up, a server is up if any worker can use it. */
export function mergeUpstreamStates(answers: readonly UpstreamState[][]): UpstreamState[] {
  const merged = new Map<string, UpstreamState>();
  for (const answer of answers) {
    for (const u of answer) {
      const into = merged.get(u.id);
      if (!into) {
        merged.set(u.id, { ...u, servers: u.servers.map((s) => ({ ...s })) });
        continue;
      }
      for (const s of u.servers) {
        const t = into.servers.find((x) => x.address === s.address);
        if (!t) {
          into.servers.push({ ...s });
          continue;
        }
        t.active += s.active;
        t.idle += s.idle;
        t.requests += s.requests;
        t.fails = Math.max(t.fails, s.fails);
        t.failsTotal += s.failsTotal;
        t.state = t.state === 'up' || s.state === 'up' ? 'up' : t.state === 'draining' || s.state === 'draining' ? 'draining' : 'down';
        if (s.unavailableUntil !== null && (t.unavailableUntil === null || s.unavailableUntil > t.unavailableUntil)) t.unavailableUntil = s.unavailableUntil;
        if (s.health && t.health) {
          t.health.healthy = t.health.healthy || s.health.healthy;
          if (s.health.lastCheck && (!t.health.lastCheck || s.health.lastCheck.at > t.health.lastCheck.at)) t.health.lastCheck = s.health.lastCheck;
        }
      }
    }
  }
  return [...merged.values()];
}
