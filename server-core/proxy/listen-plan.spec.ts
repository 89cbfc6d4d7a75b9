import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configSchema } from '../config/schema.js';
import type { RuntimeSettings } from '../contract/ipc.js';
import { listenPlan } from './listen-plan.js';
import { buildRoutingTable } from './routing-table.js';

const runtime: RuntimeSettings = { dataDir: '/tmp/berth-x', logDir: '/tmp/berth-x/logs', httpPort: 18080, httpsPort: 18443, bindAddresses: ['127.0.0.1'] };

const config = configSchema.parse({
  schemaVersion: 1,
  sites: [
    { id: 'welcome', names: ['welcome.localhost'], root: '/srv/w', tls: { certificate: 'auto' } },
    { id: 'plain', names: ['plain.localhost'], root: '/srv/p' },
    { id: 'own', names: ['own.localhost'], root: '/srv/o', listen: [{ port: 9443, tls: true, http2: false }], tls: { certificate: 'auto' } },
  ],
});

describe('implicit listens in the proxy (config/site-listens.ts)', () => {
  it('the listen plan opens the run HTTP port and, for a TLS site with no listen, the run HTTPS port with TLS + h2', () => {
    const plan = [...listenPlan(config, runtime)].sort((a, b) => a.port - b.port);
    assert.deepEqual(plan, [
      { port: 9443, tls: true, http2: false },
      { port: 18080, tls: false, http2: false },
      { port: 18443, tls: true, http2: true },
    ]);
  });

  it('the routing table puts the TLS site on both run ports, and a plain site only on the HTTP port', () => {
    const table = buildRoutingTable(config, runtime, 1);
    const idsOn = (port: number) => {
      const route = table.ports.get(port);
      return route ? [route.defaultSite?.id, route.tls, route.http2] : null;
    };
    assert.deepEqual(idsOn(18080), ['welcome', false, false]);
    assert.deepEqual(idsOn(18443), ['welcome', true, true]);
    assert.deepEqual(idsOn(9443), ['own', true, false]);
    assert.deepEqual(
      table.sites.map((s) => [s.id, s.listens.map((l) => `${l.port}${l.tls ? '/tls' : ''}${l.implicit ? '*' : ''}`)]),
      [
        ['welcome', ['18080*', '18443/tls*']],
        ['plain', ['18080*']],
        ['own', ['9443/tls']],
      ],
    );
  });
});
