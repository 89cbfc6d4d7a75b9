import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { UpstreamServer } from '../../config/schema.js';
import { parseUpstreamAddress } from './address.js';
import { UpstreamGroup } from './group.js';
import { UpstreamPeer } from './peer.js';
import { ConnectionPool } from './pool.js';
import type { PickContext } from './selector.js';
import { ipHash, ipHashBytes } from './selectors/ip-hash.js';
import { leastConn } from './selectors/least-conn.js';
import { randomTwo } from './selectors/random-two.js';
import { roundRobin } from './selectors/round-robin.js';

function peer(address: string, over: Partial<UpstreamServer> = {}): UpstreamPeer {
  const a = parseUpstreamAddress(address);
  if (!a) throw new Error(address);
  return new UpstreamPeer(a, new ConnectionPool(a, 0), { address, weight: 1, maxFails: 1, failTimeoutS: 10, backup: false, down: false, ...over });
}

function ctx(peers: UpstreamPeer[], over: Partial<PickContext> = {}): PickContext {
  return { peers, eligible: () => true, clientAddress: '127.0.0.1', random: Math.random, ...over };
}

const name = (p: UpstreamPeer | null): string => (p === null ? '-' : p.address.label.split(':')[0] ?? '');

describe('round robin (nginx smooth weighted)', () => {
  it('gives nginx documented sequence a a b a c a a for weights 5, 1, 1', () => {
    const peers = [peer('a:80', { weight: 5 }), peer('b:80'), peer('c:80')];
    const seq = Array.from({ length: 14 }, () => name(roundRobin.pick(ctx(peers))));
    assert.deepEqual(seq, ['a', 'a', 'b', 'a', 'c', 'a', 'a', 'a', 'a', 'b', 'a', 'c', 'a', 'a']);
  });

  it('spreads equal weights in turn and skips ineligible servers', () => {
    const peers = [peer('a:80'), peer('b:80'), peer('c:80')];
    assert.deepEqual(Array.from({ length: 6 }, () => name(roundRobin.pick(ctx(peers)))), ['a', 'b', 'c', 'a', 'b', 'c']);
    const notB = ctx(peers, { eligible: (p) => name(p) !== 'b' });
    const seq = Array.from({ length: 4 }, () => name(roundRobin.pick(notB)));
    assert.ok(!seq.includes('b'));
    assert.equal(roundRobin.pick(ctx(peers, { eligible: () => false })), null);
  });
});

describe('least_conn', () => {
  it('picks the fewest active connections per weight', () => {
    const peers = [peer('a:80'), peer('b:80', { weight: 2 }), peer('c:80')];
    peers[0]!.active = 2;
    peers[1]!.active = 3; // 1.5 per weight
    peers[2]!.active = 1;
    assert.equal(name(leastConn.pick(ctx(peers))), 'c');
    peers[2]!.active = 4;
    assert.equal(name(leastConn.pick(ctx(peers))), 'b');
  });

  it('breaks ties with weighted round robin among the tied servers only', () => {
    const peers = [peer('a:80', { weight: 2 }), peer('b:80'), peer('c:80')];
    peers[2]!.active = 5;
    const seq = Array.from({ length: 6 }, () => name(leastConn.pick(ctx(peers))));
    assert.deepEqual(seq, ['a', 'b', 'a', 'a', 'b', 'a']);
  });
});

describe('ip_hash', () => {
  it('hashes the first three octets of IPv4 and all of IPv6', () => {
    assert.deepEqual(ipHashBytes('192.168.7.42'), [192, 168, 7]);
    assert.deepEqual(ipHashBytes('::ffff:10.1.2.3'), [10, 1, 2]);
    assert.deepEqual(ipHashBytes('2001:db8::1'), [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    assert.equal(ipHashBytes('::1').length, 16);
  });

  it('matches nginx arithmetic and keeps a /24 on one server', () => {
    const peers = [peer('a:80'), peer('b:80'), peer('c:80')];
    // nginx: hash = 89; for 127,0,0: (89*113+127)%6271=3913, (3913*113)%6271=3199, (3199*113)%6271=4040 → 4040 % 3 = 2.
    assert.equal(name(ipHash.pick(ctx(peers, { clientAddress: '127.0.0.1' }))), 'c');
    for (const last of [2, 99, 254]) assert.equal(name(ipHash.pick(ctx(peers, { clientAddress: `127.0.0.${last}` }))), 'c');
    const seen = new Set<string>();
    for (let i = 0; i < 64; i++) seen.add(name(ipHash.pick(ctx(peers, { clientAddress: `10.0.${i}.1` }))));
    assert.equal(seen.size, 3);
  });

  it('rehashes past an ineligible server, then stays put for that client', () => {
    const peers = [peer('a:80'), peer('b:80'), peer('c:80')];
    const first = ipHash.pick(ctx(peers, { eligible: (p) => name(p) !== 'b' }));
    assert.notEqual(name(first), 'b');
    assert.equal(ipHash.pick(ctx(peers, { eligible: (p) => name(p) !== 'b' })), first);
  });
});

describe('random two', () => {
  it('draws two servers by weight and keeps the one with fewer connections', () => {
    const peers = [peer('a:80'), peer('b:80'), peer('c:80')];
    peers[0]!.active = 3;
    peers[2]!.active = 1;
    const draws = [0.1, 0.9]; // a, then c
    let i = 0;
    const random = () => draws[i++ % draws.length] ?? 0;
    assert.equal(name(randomTwo.pick(ctx(peers, { random }))), 'c');
  });

  it('spreads over servers in proportion to weight when idle', () => {
    const peers = [peer('a:80', { weight: 3 }), peer('b:80')];
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const counts = { a: 0, b: 0 } as Record<string, number>;
    for (let n = 0; n < 400; n++) {
      const p = randomTwo.pick(ctx(peers, { random }));
      counts[name(p)]!++;
    }
    assert.equal(counts.a! + counts.b!, 400);
    assert.ok(counts.a! > 0 && counts.b! > 0, JSON.stringify(counts));
  });
});

describe('upstream group', () => {
  const spec = { id: 'app', method: 'round_robin' as const, protocol: 'http' as const, keepalive: 0, proxyHost: 'app', implicit: false };

  it('uses backup servers only when every primary is unavailable, and down ones never', () => {
    const a = peer('a:80');
    const b = peer('b:80', { down: true });
    const bk = peer('k:80', { backup: true });
    const g = new UpstreamGroup(spec, [a, b, bk]);
    const now = 1_000_000;
    for (let i = 0; i < 5; i++) {
      const p = g.pick(new Set(), '127.0.0.1', now);
      assert.equal(name(p), 'a');
      p?.finished(now, false);
    }
    // a fails once (max_fails 1): out for fail_timeout, so the backup takes over.
    g.pick(new Set(), '127.0.0.1', now)?.finished(now, true);
    assert.equal(name(g.pick(new Set(), '127.0.0.1', now + 1)), 'k');
    // After fail_timeout a gets a request again, and a success brings it back for good.
    const back = g.pick(new Set(), '127.0.0.1', now + 10_001);
    assert.equal(name(back), 'a');
    back?.finished(now + 10_002, false);
    assert.equal(a.fails, 0);
    assert.equal(name(g.pick(new Set(), '127.0.0.1', now + 10_003)), 'a');
  });

  it('counts max_fails within fail_timeout (nginx defaults 1 / 10 s) and never takes out a single server', () => {
    const a = peer('a:80', { maxFails: 2, failTimeoutS: 5 });
    const b = peer('b:80');
    const g = new UpstreamGroup(spec, [a, b]);
    a.picked(0);
    a.finished(0, true);
    assert.ok(a.usable(1, false), 'one failure of two allowed');
    a.picked(2);
    a.finished(2, true);
    assert.ok(!a.usable(3, false));
    assert.equal(a.state(3), 'down');
    assert.ok(a.usable(5_003, false));
    const single = new UpstreamGroup(spec, [peer('s:80')]);
    const s = single.pick(new Set(), '127.0.0.1', 0);
    s?.finished(0, true);
    assert.equal(name(single.pick(new Set(), '127.0.0.1', 1)), 's');
    // …and the state says so: the API showed the only server of a group down while it kept serving.
    assert.equal(s?.state(1, single.single), 'up');
    assert.equal(s?.unavailableUntil(1, single.single), null);
    assert.equal(g.pick(new Set([b]), '127.0.0.1', 4), null);
  });

  it('reports draining for a down server still serving', () => {
    const a = peer('a:80');
    a.active = 1;
    a.down = true;
    assert.equal(a.state(0), 'draining');
    a.active = 0;
    assert.equal(a.state(0), 'down');
  });
});
