// The first-run demo over HTTPS in a real browser: `berth serve` on an empty data dir serves
// https://welcome.localhost:<https port>/ with a leaf from its local CA; `berth cert trust --store nss`
// (Berth's Linux NSS trust module, the real certutil) installs the CA into a temp HOME's
// ~/.pki/nssdb, which Chromium on Linux reads; Chromium then opens the page with no certificate
// error, over h2. Control: a HOME without the CA gets ERR_CERT_AUTHORITY_INVALID for the same URL.
// Then the page's own fetch() calls, over the same h2 connection, through a proxy location to a
// node:http upstream: what a browser sends over HTTP/2 must reach an HTTP/1.1 app as HTTP/1.1.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { request } from 'node:https';
import { join } from 'node:path';
import type { BerthConfig } from '../../server-core/config/schema.js';
import type { CertListResponse } from '../../server-core/contract/certs.js';
import { whichProgram } from '../../server-core/certs/trust/runner.js';
import { makeTempDir, runBerth, startBerth, waitFor, type BerthProcess } from '../helpers/berth-process.js';
import { chromiumSkipReason, launchChromium } from '../helpers/browser.js';
import { waitForProxyConfig } from '../helpers/proxy-config.js';

const HOST = 'welcome.localhost';

const certutil = await whichProgram('certutil');
const skipReason = chromiumSkipReason('the HTTPS demo browser test') ?? (certutil ? undefined : 'certutil not found: install libnss3-tools to run the HTTPS demo browser test');

interface Opened {
  status: number | undefined;
  protocol: string;
  nextHop: string;
  heading: string;
  issuer: string | undefined;
}

/** Opens `url` in a fresh Chromium whose HOME is `home` (so it reads `home`/.pki/nssdb); what it saw, or the navigation error. */
async function open(home: string, url: string): Promise<Opened | { error: string }> {
  const browser = await launchChromium({ extraArgs: [`--host-resolver-rules=MAP ${HOST} 127.0.0.1`], env: { ...process.env, HOME: home }, timeout: 30_000 });
  try {
    const page = await (await browser.newContext()).newPage();
    let res;
    try {
      res = await page.goto(url, { timeout: 20_000 });
    } catch (e) {
      return { error: e instanceof Error ? e.message : String(e) };
    }
    const security = await res?.securityDetails();
    return {
      status: res?.status(),
      protocol: await page.evaluate(() => location.protocol),
      nextHop: await page.evaluate(() => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined)?.nextHopProtocol ?? ''),
      heading: (await page.locator('h1').innerText()).trim(),
      issuer: security?.issuer,
    };
  } finally {
    await browser.close();
  }
}

/** One HTTPS GET trusting only `ca` (curl --cacert), with SNI `HOST`: the status, or null while the handshake fails. */
function getWithCa(port: number, ca: string): Promise<number | null> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, servername: HOST, path: '/', headers: { Host: `${HOST}:${port}` }, ca, timeout: 2_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? null));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
    req.end();
  });
}

describe('the first-run demo over HTTPS, trusted by Chromium through the NSS trust module', { skip: skipReason, timeout: 180_000 }, () => {
  let berth: BerthProcess;
  let root: string;
  let home: string;
  let emptyHome: string;
  let httpsPort: number;
  let caSubject: string;

  before(async () => {
    root = makeTempDir('berth-welcome-https-');
    home = join(root, 'home');
    emptyHome = join(root, 'empty-home');
    const { mkdirSync } = await import('node:fs');
    for (const d of [home, emptyHome, join(root, 'serve-home')]) mkdirSync(d, { recursive: true });
    berth = await startBerth({ env: { HOME: join(root, 'serve-home') } });
    httpsPort = (await berth.status()).proxy.httpsPort;
    assert.ok(httpsPort > 0);
    // The printed site line names the HTTPS URL too.
    assert.match(berth.output(), new RegExp(`https://${HOST.replace('.', '\\.')}:${httpsPort}/`));

    // The cert service issues the demo's `auto` leaf at first start; wait until the proxy presents it.
    await waitFor('the demo leaf auto-welcome', async () => (await berth.api<CertListResponse>('/api/v1/certs')).body.certificates.find((c) => c.id === 'auto-welcome'), 30_000);
    const caPem = readFileSync(join(berth.dataDir, 'certs', 'ca', 'ca.crt.pem'), 'utf8');
    assert.equal(await waitFor('an HTTPS answer trusting only the Berth CA', async () => (await getWithCa(httpsPort, caPem)) ?? undefined, 20_000), 200);

    const trust = await runBerth(['cert', 'trust', '--store', 'nss', '--data-dir', berth.dataDir], { HOME: home });
    assert.equal(trust.code, 0, `${trust.stdout}\n${trust.stderr}`);
    assert.match(trust.stdout, /\$ \S*certutil -A -d sql:\S+\.pki\/nssdb -t C,, /, 'the command is shown before it runs');
    assert.ok(existsSync(join(home, '.pki', 'nssdb', 'cert9.db')), 'the NSS database in the temp HOME');
    caSubject = /Trusting (.+) \(/.exec(trust.stdout)?.[1] ?? '';
  });

  after(async () => {
    await berth?.stop();
    berth?.cleanup();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('opens https://welcome.localhost:<https port>/ with no certificate error, over h2, with the Berth leaf', async () => {
    const r = await open(home, `https://${HOST}:${httpsPort}/`);
    assert.ok(!('error' in r), 'error' in r ? r.error : '');
    assert.equal(r.status, 200);
    assert.equal(r.protocol, 'https:');
    assert.equal(r.nextHop, 'h2');
    assert.match(r.heading, /Berth is serving welcome\.localhost/);
    assert.ok(r.issuer && caSubject.includes(r.issuer), `issuer ${r.issuer ?? '?'} is the Berth CA (${caSubject})`);
  });

  it('fetch() from the page over h2 reaches a proxied HTTP/1.1 upstream: Host from :authority, cookies, a POST body', async () => {
    // The upstream reports what it got; node:http's parser answers 400 to a pseudo-header line.
    const upstream: Server = createServer((req, res) => {
      let length = 0;
      req.on('data', (d: Buffer) => (length += d.length));
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ method: req.method, url: req.url, version: req.httpVersion, host: req.headers.host, forwardedHost: req.headers['x-forwarded-host'], cookie: req.headers.cookie ?? null, length }));
      });
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    try {
      const upstreamPort = (upstream.address() as { port: number }).port;
      const current = (await berth.api<{ config: BerthConfig }>('/api/v1/config')).body.config;
      const sites = current.sites.map((site) =>
        site.id === 'welcome' ? { ...site, locations: [...site.locations, { match: { kind: 'prefix', path: '/api/' }, handler: { type: 'proxy', url: `http://127.0.0.1:${upstreamPort}` } }] } : site,
      ) as BerthConfig['sites'];
      const put = await berth.api<{ version?: { version: number } }>('/api/v1/config', { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ ...current, sites }) });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      await waitForProxyConfig(berth, put.body.version?.version);

      const browser = await launchChromium({ extraArgs: [`--host-resolver-rules=MAP ${HOST} 127.0.0.1`], env: { ...process.env, HOME: home }, timeout: 30_000 });
      try {
        const page = await (await browser.newContext()).newPage();
        const res = await page.goto(`https://${HOST}:${httpsPort}/`, { timeout: 20_000 });
        assert.equal(res?.status(), 200);
        const got = await page.evaluate(async () => {
          document.cookie = 'a=1';
          document.cookie = 'b=2';
          const get = (await (await fetch('/api/echo?q=1')).json()) as Record<string, unknown>;
          const post = (await (await fetch('/api/echo', { method: 'POST', body: 'x'.repeat(5000) })).json()) as Record<string, unknown>;
          const entry = performance.getEntriesByType('resource').find((e) => e.name.includes('/api/echo')) as PerformanceResourceTiming | undefined;
          return { get, post, nextHop: entry?.nextHopProtocol ?? '' };
        });
        assert.equal(got.nextHop, 'h2');
        const authority = `${HOST}:${httpsPort}`;
        assert.deepEqual({ ...got.get, cookie: undefined }, { method: 'GET', url: '/api/echo?q=1', version: '1.1', host: `127.0.0.1:${upstreamPort}`, forwardedHost: authority, cookie: undefined, length: 0 });
        assert.match(String(got.get.cookie), /^a=1; b=2$/);
        assert.equal(got.post.method, 'POST');
        assert.equal(got.post.length, 5000);
        assert.equal(got.post.forwardedHost, authority);
      } finally {
        await browser.close();
      }
    } finally {
      await new Promise((r) => upstream.close(r));
    }
  });

  it('control: a HOME without the CA gets ERR_CERT_AUTHORITY_INVALID for the same URL', async () => {
    const r = await open(emptyHome, `https://${HOST}:${httpsPort}/`);
    assert.ok('error' in r, 'Chromium must not open the page without the CA');
    assert.match(r.error, /ERR_CERT_AUTHORITY_INVALID/);
  });
});
