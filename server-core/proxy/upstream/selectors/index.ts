// Selectors registered by `upstream.method`; the mapped type makes a missing method a compile error.
import type { Upstream } from '../../../config/schema.js';
import type { Selector } from '../selector.js';
import { ipHash } from './ip-hash.js';
import { leastConn } from './least-conn.js';
import { randomTwo } from './random-two.js';
import { roundRobin } from './round-robin.js';

export const selectors = {
  round_robin: roundRobin,
  least_conn: leastConn,
  ip_hash: ipHash,
  random_two: randomTwo,
} satisfies Record<Upstream['method'], Selector>;
