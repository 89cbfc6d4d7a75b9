import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { TrustStoreStatus } from '../server-core/contract/certs.js';
import type { CommandRunner } from './elevate.js';
import { installTrustStore } from './trust-install.js';

const token = 'test-token';
const systemInstall = [
  { argv: ['cp', '/data/certs/ca.pem', '/usr/local/share/ca-certificates/berth.crt'], display: 'sudo cp …', needsRoot: true },
  { argv: ['update-ca-certificates'], display: 'sudo update-ca-certificates', needsRoot: true },
];

function store(id: TrustStoreStatus['id'], state: TrustStoreStatus['state'], install = systemInstall): TrustStoreStatus {
  return { id, label: `${id} store`, state, detail: `${id} detail`, install, uninstall: [], checked: [] };
}

describe('installTrustStore', () => {
  let body: unknown = null;
  let status = 200;
  const seen: Array<{ url: string; auth: string | undefined }> = [];
  const server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', auth: req.headers.authorization });
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  let adminUrl = '';
  before(async () => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    adminUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  const runs: Array<[string, string[]]> = [];
  const runner: CommandRunner = async (file, args) => {
    runs.push([file, args]);
    return { code: 0, stdout: 'Adding debian:berth.pem\n1 added, 0 removed; done.\n', stderr: '' };
  };

  it('runs the commands the admin API gives for that store, elevated', async () => {
    body = { ca: {}, stores: [store('nss', 'not-trusted', []), store('system', 'not-trusted')] };
    const result = await installTrustStore({ adminUrl, token }, 'system', { runner, platform: 'linux' });
    assert.deepEqual(seen.at(-1), { url: '/api/v1/certs/trust', auth: `Bearer ${token}` });
    assert.deepEqual(result, {
      store: 'system',
      commands: [['cp', '/data/certs/ca.pem', '/usr/local/share/ca-certificates/berth.crt'], ['update-ca-certificates']],
      outcome: 'installed',
      output: 'Adding debian:berth.pem\n1 added, 0 removed; done.',
    });
    assert.deepEqual(runs, [['pkexec', ['/bin/sh', '-c', 'cp /data/certs/ca.pem /usr/local/share/ca-certificates/berth.crt && update-ca-certificates']]]);
  });

  it('runs nothing for a trusted, missing or unavailable store', async () => {
    runs.length = 0;
    body = { ca: {}, stores: [store('system', 'trusted'), store('keychain', 'unavailable')] };
    assert.equal((await installTrustStore({ adminUrl, token }, 'system', { runner, platform: 'linux' })).outcome, 'installed');
    assert.deepEqual(await installTrustStore({ adminUrl, token }, 'keychain', { runner, platform: 'linux' }), { store: 'keychain', commands: [], outcome: 'failed', output: 'keychain detail' });
    await assert.rejects(installTrustStore({ adminUrl, token }, 'windows', { runner, platform: 'linux' }), /no trust store "windows"/);
    assert.deepEqual(runs, []);
  });

  it('refuses malformed commands from the API and reports API errors', async () => {
    body = { ca: {}, stores: [store('system', 'not-trusted', [{ argv: ['sh', '-c', 'x\ny'], display: '', needsRoot: true }])] };
    await assert.rejects(installTrustStore({ adminUrl, token }, 'system', { runner, platform: 'linux' }), /trust-store commands are not usable/);
    status = 503;
    body = { error: { code: 'BERTH_ERR_CHILD_UNAVAILABLE', message: 'certs is not running (failed)' } };
    await assert.rejects(installTrustStore({ adminUrl, token }, 'system', { runner, platform: 'linux' }), /answered 503: certs is not running/);
    status = 200;
    body = { nope: true };
    await assert.rejects(installTrustStore({ adminUrl, token }, 'system', { runner, platform: 'linux' }), /no trust store list/);
    assert.deepEqual(runs, []);
  });
});
