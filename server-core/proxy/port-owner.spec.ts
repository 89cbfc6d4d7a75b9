import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, describe, it } from 'node:test';
import { findPortOwner, listeningInodes } from './port-owner.js';

describe('port owner lookup', () => {
  it('reads listening socket inodes from a /proc/net/tcp table', () => {
    const table = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 123456 1 0000000000000000 100 0 0 10 0',
      '   1: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000  1000        0 123457 1 0000000000000000 20 4 30 10 -1',
      '   2: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 99 1 0000000000000000 100 0 0 10 0',
    ].join('\n');
    assert.deepEqual(listeningInodes(table, 8080), ['123456']);
    assert.deepEqual(listeningInodes(table, 80), ['99']);
    assert.deepEqual(listeningInodes(table, 443), []);
    const v6 = '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n' +
      '   0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 777 1 0000000000000000 100 0 0 10 0';
    assert.deepEqual(listeningInodes(v6, 8080), ['777']);
  });

  const server: Server = createServer();
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('finds this process as the holder of a port it listens on', async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const address = server.address();
    assert.ok(address && typeof address === 'object');
    // The lookup gives up after 1 s by default (best effort); scanning every process's fds on a
    // loaded machine can take longer than that, and this test is about finding the owner.
    const owner = await findPortOwner(address.port, { timeoutMs: 15_000 });
    if (process.platform !== 'linux') {
      assert.equal(owner, null);
      return;
    }
    assert.ok(owner, 'expected the lookup to find this process');
    assert.equal(owner.pid, process.pid);
    assert.ok(owner.command && owner.command.length > 0);
  });

  it('returns null for a port nobody listens on and for a missing /proc', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const a = probe.address();
    await new Promise<void>((r) => probe.close(() => r()));
    assert.ok(a && typeof a === 'object');
    assert.equal(await findPortOwner(a.port), null);
    assert.equal(await findPortOwner(8080, { procRoot: '/nonexistent-proc-root' }), null);
  });
});
