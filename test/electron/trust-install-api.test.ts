// Main's elevated trust install against the real certificate API of a running `berth serve`: the
// commands it would hand to pkexec are exactly the ones GET /api/v1/certs/trust lists for the
// store. The runner records instead of running, so nothing touches this machine's trust stores.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TrustStatusResponse } from '../../server-core/contract/certs.js';
import type { CommandRunner } from '../../electron/elevate.js';
import { installTrustStore } from '../../electron/trust-install.js';
import { startBerth } from '../helpers/berth-process.js';
import type { BerthProcess } from '../helpers/berth-process.js';

describe('elevated trust install through the admin API', { timeout: 60_000 }, () => {
  let berth: BerthProcess;
  before(async () => {
    berth = await startBerth();
  });
  after(async () => {
    await berth.stop();
    berth.cleanup();
  });

  it('runs the Linux system store commands the certificate module lists, in one pkexec prompt', async () => {
    const { status, body } = await berth.api<TrustStatusResponse>('/api/v1/certs/trust');
    assert.equal(status, 200);
    const system = body.stores.find((s) => s.id === 'system');
    assert.ok(system, `no system store in ${body.stores.map((s) => s.id).join(', ')}`);
    const runs: Array<[string, string[]]> = [];
    const runner: CommandRunner = async (file, args) => {
      runs.push([file, args]);
      return { code: 0, stdout: '1 added', stderr: '' };
    };
    const result = await installTrustStore({ adminUrl: berth.adminUrl, token: berth.token }, 'system', { runner, platform: 'linux' });
    if (system.state === 'trusted') {
      assert.deepEqual(result.outcome, 'installed');
      assert.deepEqual(runs, []);
      return;
    }
    const argvs = system.install.map((c) => c.argv);
    assert.ok(argvs.some((a) => a.some((x) => x.startsWith(berth.dataDir))), 'the install copies the CA from this data dir');
    assert.deepEqual(result.commands, argvs);
    assert.equal(result.outcome, 'installed');
    assert.equal(runs.length, 1);
    assert.equal(runs[0]![0], 'pkexec');
    assert.deepEqual(runs[0]![1].slice(0, 2), ['/bin/sh', '-c']);
    assert.ok(runs[0]![1][2]!.includes('update-ca-certificates'));
  });

  it('refuses a store the API does not list, without running anything', async () => {
    let ran = false;
    await assert.rejects(
      installTrustStore({ adminUrl: berth.adminUrl, token: berth.token }, 'no-such-store', {
        runner: async () => {
          ran = true;
          return { code: 0, stdout: '', stderr: '' };
        },
        platform: 'linux',
      }),
      /no trust store "no-such-store"/,
    );
    assert.equal(ran, false);
  });

  it('refuses without the admin token', async () => {
    await assert.rejects(installTrustStore({ adminUrl: berth.adminUrl, token: 'wrong' }, 'system', { runner: async () => ({ code: 0, stdout: '', stderr: '' }), platform: 'linux' }), /answered 401/);
  });
});
