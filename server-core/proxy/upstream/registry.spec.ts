// The registry's groups keep nginx's balancing order (one worker: nginx keeps it per worker
// process, as Berth does per proxy worker) when the same servers also serve other groups and a
// reload re-applies the config between requests — the differential corpus's "balance:" cases.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { configSchema } from '../../config/schema.js';
import { UpstreamRegistry } from './registry.js';
import type { UpstreamGroup } from './group.js';

const A = '127.0.0.1:8001';
const B = '127.0.0.1:8002';
const C = '127.0.0.1:8003';

// test/conformance/proxy-and-access.test.ts, lb.test and proxy.test: a and b are in every group.
const config = configSchema.parse({
  schemaVersion: 1,
  settings: { httpPort: 0, httpsPort: 0 },
  upstreams: [
    { id: 'weighted', keepalive: 0, servers: [{ address: A, weight: 3 }, { address: B }, { address: C, down: true }] },
    { id: 'fewest', method: 'least_conn', keepalive: 0, servers: [{ address: A }, { address: B }] },
    { id: 'sticky', method: 'ip_hash', keepalive: 0, servers: [{ address: A }, { address: B }, { address: C }] },
  ],
  sites: [
    {
      id: 'lb',
      names: ['lb.test'],
      locations: [
        { match: { kind: 'prefix', path: '/lb/' }, handler: { type: 'proxy', upstream: 'weighted' } },
        { match: { kind: 'prefix', path: '/fewest/' }, handler: { type: 'proxy', upstream: 'fewest' } },
        { match: { kind: 'prefix', path: '/sticky/' }, handler: { type: 'proxy', upstream: 'sticky' } },
        { match: { kind: 'prefix', path: '/plain/' }, handler: { type: 'proxy', url: `http://${A}` } },
      ],
    },
  ],
});

describe('upstream registry: balancing order across groups and reloads', () => {
  const registry = new UpstreamRegistry(() => 1_000_000);
  after(() => registry.close());

  const apply = (): void => registry.commit(registry.prepare(config), config);
  const group = (id: string): UpstreamGroup => registry.snapshot.byId.get(id) as UpstreamGroup;
  /** One request to completion, as the proxy handler does: pick, then finished. */
  const request = (g: UpstreamGroup): string => {
    const peer = g.pick(new Set(), '127.0.0.1', 1_000_000);
    assert.ok(peer, `${g.id} has a server`);
    peer.finished(1_000_000, false);
    return peer.address.label === A ? 'a' : peer.address.label === B ? 'b' : 'c';
  };
  /** Traffic to the other groups holding the same servers, between two balanced requests. */
  const otherTraffic = (): void => {
    request(group('sticky'));
    request(registry.snapshot.byUrl.get(`http://${A}`) as UpstreamGroup);
  };

  it('weights 3:1 with a down server give a a b a | a a b a; least_conn alternates', () => {
    apply();
    const weighted: string[] = [];
    for (let i = 0; i < 8; i++) {
      weighted.push(request(group('weighted')));
      otherTraffic();
      if (i === 3) apply(); // the same config again: balancer state survives
    }
    assert.deepEqual(weighted, ['a', 'a', 'b', 'a', 'a', 'a', 'b', 'a']);
    const fewest: string[] = [];
    for (let i = 0; i < 6; i++) {
      fewest.push(request(group('fewest')));
      otherTraffic();
    }
    assert.deepEqual(fewest, ['a', 'b', 'a', 'b', 'a', 'b']);
  });

  it('keeps one peer per group and address: a server in several groups has separate balancer state', () => {
    const inWeighted = group('weighted').peers.find((p) => p.address.label === A);
    const inFewest = group('fewest').peers.find((p) => p.address.label === A);
    assert.ok(inWeighted && inFewest);
    assert.notEqual(inWeighted, inFewest);
    assert.equal(inWeighted.weight, 3);
    assert.equal(inFewest.weight, 1);
  });
});
