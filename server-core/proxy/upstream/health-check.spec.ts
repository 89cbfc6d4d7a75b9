import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { parseUpstreamAddress } from './address.js';
import { HealthChecker, statusMatches } from './health-check.js';
import { UpstreamPeer } from './peer.js';
import { ConnectionPool } from './pool.js';

describe('active health checks', () => {
  it('matches status classes and codes', () => {
    assert.ok(statusMatches(204, '2xx') && !statusMatches(301, '2xx') && statusMatches(301, '301') && !statusMatches(200, '204'));
  });

  it('takes a server out after `fall` failures and back after `rise` passes', async () => {
    let status = 200;
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.host}`);
      res.statusCode = status;
      res.end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = parseUpstreamAddress(`127.0.0.1:${(server.address() as AddressInfo).port}`)!;
    const peer = new UpstreamPeer(address, new ConnectionPool(address, 0), { address: address.label, weight: 1, maxFails: 1, failTimeoutS: 10, backup: false, down: false });
    const checker = new HealthChecker({ path: '/healthz', intervalS: 3600, timeoutS: 10, expectStatus: '2xx', rise: 2, fall: 2 }, [peer], 'app');
    try {
      await checker.runAll();
      assert.equal(peer.healthy, true);
      assert.deepEqual(seen[0], 'GET /healthz app');
      status = 503;
      await checker.runAll();
      assert.equal(peer.healthy, true, 'one failure of fall=2');
      await checker.runAll();
      assert.equal(peer.healthy, false);
      assert.equal(peer.state(Date.now()), 'down');
      assert.match(peer.lastCheck?.error ?? '', /status 503, expected 2xx/);
      status = 200;
      await checker.runAll();
      assert.equal(peer.healthy, false, 'one pass of rise=2');
      await checker.runAll();
      assert.equal(peer.healthy, true);
      server.close();
      server.closeAllConnections();
      await checker.runAll();
      await checker.runAll();
      assert.equal(peer.healthy, false);
      assert.equal(peer.lastCheck?.status, null);
      assert.match(peer.lastCheck?.error ?? '', /ECONNREFUSED/);
    } finally {
      checker.stop();
      server.close();
    }
  });
});
