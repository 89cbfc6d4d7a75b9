import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { assetsDir } from '../paths.js';
import { openStore } from '../store/database.js';
import { DEMO_SITE_NAME, demoConfig, installDemoSite, seedFirstRun } from './first-run.js';
import { siteListens } from './site-listens.js';
import { formatIssues, validateConfig } from './validate.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-first-run-'));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('demoConfig', () => {
  it('is one site, welcome.localhost, with an auto certificate and no listen, rooted in <sitesDir>/welcome', () => {
    const sitesDir = join(tempDir(), 'sites');
    const config = demoConfig(sitesDir);
    assert.equal(config.settings.httpPort, 8080);
    assert.equal(config.settings.httpsPort, 8443);
    assert.deepEqual(config.sites, [
      {
        id: 'welcome',
        names: [DEMO_SITE_NAME],
        listen: [],
        root: join(sitesDir, 'welcome'),
        index: ['index.html'],
        accessLog: true,
        locations: [],
        errorPages: [],
        tls: { certificate: 'auto', redirectHttp: false, hstsMaxAgeS: 0 },
        access: { rules: [] },
        limits: { maxBodyBytes: 1_048_576, headerTimeoutS: 60, bodyTimeoutS: 60, keepaliveTimeoutS: 75 },
      },
    ]);
  });

  it('listens on the stack HTTP port and, with TLS and h2, on its HTTPS port; the flags move both', () => {
    const site = demoConfig(join(tempDir(), 'sites')).sites[0];
    assert.ok(site);
    assert.deepEqual(siteListens(site, { httpPort: 8080, httpsPort: 8443 }), [
      { port: 8080, tls: false, http2: false, defaultServer: false, implicit: true },
      { port: 8443, tls: true, http2: true, defaultServer: false, implicit: true },
    ]);
    assert.deepEqual(
      siteListens(site, { httpPort: 18080, httpsPort: 18443 }).map((l) => l.port),
      [18080, 18443],
    );
  });

  it('passes validation', () => {
    const result = validateConfig(demoConfig(join(tempDir(), 'sites')));
    assert.ok(result.ok, result.ok ? '' : formatIssues(result.issues));
  });
});

describe('installDemoSite', () => {
  it('copies the shipped welcome page into <sitesDir>/welcome', () => {
    const sitesDir = join(tempDir(), 'sites');
    assert.equal(installDemoSite(sitesDir, assetsDir), true);
    const shipped = readdirSync(join(assetsDir, 'welcome')).sort();
    assert.ok(shipped.includes('index.html') && shipped.includes('welcome.css'));
    assert.deepEqual(readdirSync(join(sitesDir, 'welcome')).sort(), shipped);
    for (const name of shipped) {
      assert.deepEqual(readFileSync(join(sitesDir, 'welcome', name)), readFileSync(join(assetsDir, 'welcome', name)), name);
    }
    // No staging folder is left behind.
    assert.deepEqual(readdirSync(sitesDir), ['welcome']);
  });

  it('never overwrites the folder once it exists (the user may have edited it)', () => {
    const sitesDir = join(tempDir(), 'sites');
    installDemoSite(sitesDir, assetsDir);
    const page = join(sitesDir, 'welcome', 'index.html');
    writeFileSync(page, '<h1>my own page</h1>');
    rmSync(join(sitesDir, 'welcome', 'welcome.css'));

    assert.equal(installDemoSite(sitesDir, assetsDir), false);
    assert.equal(readFileSync(page, 'utf8'), '<h1>my own page</h1>');
    assert.ok(!existsSync(join(sitesDir, 'welcome', 'welcome.css')));
  });

  it('the shipped page works under a strict CSP: no inline script or style', () => {
    const html = readFileSync(join(assetsDir, 'welcome', 'index.html'), 'utf8');
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /<style/i);
    assert.doesNotMatch(html, /\sstyle=/i);
    assert.doesNotMatch(html, /\son[a-z]+=/i);
    assert.match(html, /<link rel="stylesheet" href="welcome\.css">/);
    assert.match(html, /Berth is serving <code>welcome\.localhost<\/code>/);
    assert.match(html, /https:\/\/welcome\.localhost:8443\//);
    assert.match(html, /lang="zh-CN"/);
  });
});

describe('seedFirstRun', () => {
  it('installs the page and applies the demo config once, as a first-run version', () => {
    const dataDir = tempDir();
    const sitesDir = join(dataDir, 'sites');
    const store = openStore(dataDir);
    try {
      const seeded = seedFirstRun(store.config, sitesDir, assetsDir);
      assert.equal(seeded?.version, 1);
      assert.equal(seeded?.source, 'first-run');
      assert.deepEqual(store.config.current()?.config, demoConfig(sitesDir));
      assert.ok(existsSync(join(sitesDir, 'welcome', 'index.html')));

      assert.equal(seedFirstRun(store.config, sitesDir, assetsDir), null);
      assert.equal(store.config.list(10).length, 1);
    } finally {
      store.close();
    }
  });
});
