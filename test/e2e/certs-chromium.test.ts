// A real browser trusting Berth's CA: Chromium on Linux reads $HOME/.pki/nssdb, into which Berth's
// own NSS trust module installs the CA (the real certutil, no mocks). A Node https server serves a
// Berth leaf for welcome.localhost; Chromium must open it with no certificate error. Controls:
// the same page under a HOME without the CA fails, and an example.com leaf forced under the
// constrained CA fails even with the CA trusted.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLocalCa } from '../../server-core/certs/ca.js';
import { CertService } from '../../server-core/certs/cert-service.js';
import { signLeaf } from '../../server-core/certs/leaf.js';
import { parseCertNames } from '../../server-core/certs/names.js';
import { trustCaFromFile } from '../../server-core/certs/trust/index.js';
import { ChromiumNssStore } from '../../server-core/certs/trust/nss.js';
import { systemTrustEnv, whichProgram } from '../../server-core/certs/trust/runner.js';
import { chromiumSkipReason, launchChromium } from '../helpers/browser.js';


const certutil = await whichProgram('certutil');
const skipReason = chromiumSkipReason('the browser trust test') ?? (certutil ? undefined : 'certutil not found: install libnss3-tools to run the browser trust test');

function serve(cert: string, key: string): Promise<Server> {
  const server = createServer({ cert, key }, (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<!doctype html><title>berth tls</title><p id="ok">served over a Berth certificate</p>');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Opens `url` in a fresh Chromium whose HOME is `home`; the page text, or the navigation error. */
async function open(home: string, url: string, host: string): Promise<{ text: string } | { error: string }> {
  const browser = await launchChromium({ extraArgs: [`--host-resolver-rules=MAP ${host} 127.0.0.1`], env: { ...process.env, HOME: home } });
  try {
    const page = await (await browser.newContext()).newPage();
    try {
      const res = await page.goto(url, { timeout: 20_000 });
      assert.equal(res?.status(), 200);
      return { text: await page.locator('#ok').innerText() };
    } catch (e) {
      return { error: e instanceof Error ? e.message : String(e) };
    }
  } finally {
    await browser.close();
  }
}

describe('Chromium trusts the Berth CA installed by the NSS trust module', { skip: skipReason, timeout: 180_000 }, () => {
  let root: string;
  let home: string;
  let emptyHome: string;
  const servers: Server[] = [];
  let welcomePort: number;
  let forgedPort: number;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'berth-chromium-trust-'));
    home = join(root, 'home');
    emptyHome = join(root, 'empty-home');
    const certsDir = join(root, 'certs');
    const service = new CertService({ certsDir });
    const caInfo = await service.open();
    const leaf = await service.issue({ names: ['welcome.localhost'] });
    const pems = await service.store.readPems(leaf.id);
    servers.push(await serve(pems.certPem + pems.chainPem, pems.keyPem));
    welcomePort = (servers[0]!.address() as AddressInfo).port;
    // issueLeaf refuses example.com; signLeaf skips that check to prove the browser enforces the constraint itself.
    const forged = await signLeaf(await openLocalCa(certsDir), parseCertNames(['example.com']));
    servers.push(await serve(forged.certPem + forged.chainPem, forged.keyPem));
    forgedPort = (servers[1]!.address() as AddressInfo).port;

    const { mkdirSync } = await import('node:fs');
    mkdirSync(home, { recursive: true });
    mkdirSync(emptyHome, { recursive: true });
    const store = new ChromiumNssStore(systemTrustEnv({ home, env: { ...process.env, HOME: home }, isRoot: false }));
    const result = await store.install(await trustCaFromFile(caInfo.certPath));
    assert.equal(result.outcome, 'done', JSON.stringify(result));
    assert.equal((await store.check(await trustCaFromFile(caInfo.certPath))).state, 'trusted');
  });

  after(async () => {
    for (const s of servers) await new Promise<void>((r) => s.close(() => r()));
    rmSync(root, { recursive: true, force: true });
  });

  it('opens https://welcome.localhost with no certificate error', async () => {
    const r = await open(home, `https://welcome.localhost:${welcomePort}/`, 'welcome.localhost');
    assert.deepEqual(r, { text: 'served over a Berth certificate' });
  });

  it('control: a HOME without the CA gets a certificate error for the same page', async () => {
    const r = await open(emptyHome, `https://welcome.localhost:${welcomePort}/`, 'welcome.localhost');
    assert.ok('error' in r);
    assert.match(r.error, /ERR_CERT_AUTHORITY_INVALID/);
  });

  it('refuses an example.com leaf forced under the constrained CA, even with the CA trusted', async () => {
    const r = await open(home, `https://example.com:${forgedPort}/`, 'example.com');
    assert.ok('error' in r, 'Chromium must not open a page for a name outside the CA constraints');
    assert.match(r.error, /ERR_CERT_/);
  });
});
