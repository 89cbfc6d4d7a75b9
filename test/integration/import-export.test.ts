// `berth import` / `berth export` end to end: into a stopped data dir's store, through a running
// Berth's admin API (config version source `import`), and an export real `nginx -t` accepts.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ConfigVersionsResponse } from '../../server-core/contract/api.js';
import { configSchema, type BerthConfig } from '../../server-core/config/schema.js';
import { importExported } from '../../server-core/interop/export-bundle.js';
import { openStore } from '../../server-core/store/database.js';
import { freePort, sendH2 } from '../conformance/harness.js';
import { httpRequest } from '../helpers/http.js';
import { makeTempDir, repoRoot, runBerth, startBerth, waitFor, type BerthProcess } from '../helpers/berth-process.js';

/** A WebSocket handshake on a fresh connection: the status line's code and the first text frame. */
function websocketHello(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let got = Buffer.alloc(0);
    socket.setTimeout(5000, () => socket.destroy(new Error('no WebSocket answer')));
    socket.on('error', reject);
    socket.write(`GET /ws HTTP/1.1\r\nHost: napp.localhost:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);
    socket.on('data', (d: Buffer) => (got = Buffer.concat([got, d])));
    socket.on('end', () => {
      const status = /^HTTP\/1\.1 (\d{3})/.exec(got.toString('latin1'))?.[1] ?? '?';
      const headEnd = got.indexOf('\r\n\r\n');
      const frame = headEnd < 0 ? Buffer.alloc(0) : got.subarray(headEnd + 4);
      resolve(`${status} ${frame.length >= 2 ? frame.subarray(2, 2 + (frame[1] as number)).toString() : ''}`.trim());
    });
  });
}

const seeds = join(repoRoot, 'server-core', 'interop', 'testdata', 'seeds');
const NGINX = ['/usr/sbin/nginx', '/usr/local/sbin/nginx'].find((p) => existsSync(p)) ?? null;

describe('berth import / export', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const tempDir = () => {
    const d = makeTempDir('berth-import-');
    dirs.push(d);
    return d;
  };

  it('lists import and export in --help', async () => {
    const r = await runBerth(['--help']);
    assert.match(r.stdout, /import {4}Add sites, upstreams and apps from nginx configs or uwsgi\.ini files/);
    assert.match(r.stdout, /export {4}Write production nginx/);
    const help = await runBerth(['help', 'import']);
    assert.match(help.stdout, /--dry-run/);
  });

  it('--dry-run prints the mapped config and the warnings, and changes nothing', async () => {
    const dataDir = tempDir();
    const r = await runBerth(['import', 'nginx', join(seeds, '004-br_api.conf'), join(seeds, '004-uwsgi.ini'), '--map-port', '80=8080', '--dry-run', '--data-dir', dataDir]);
    assert.equal(r.code, 0, r.stderr);
    const printed = JSON.parse(r.stdout) as { sites: Array<{ id: string }>; apps: Array<{ id: string; entry: string }> };
    assert.deepEqual(printed.sites.map((s) => s.id), ['127-0-0-1']);
    assert.deepEqual(printed.apps.map((a) => a.entry), ['br_api.wsgi:application']);
    assert.match(r.stderr, /warning: .*004-br_api\.conf:38: charset: /);
    assert.match(r.stderr, /dry run: would add 1 site\(s\) \[127-0-0-1\], 0 upstream\(s\) \[\], 1 app\(s\) \[br_api\]; 13 warning\(s\); nothing was changed/);
    const status = await runBerth(['export', 'nginx', '--out', join(dataDir, 'out'), '--data-dir', dataDir]);
    assert.equal(status.code, 1, 'nothing was stored, so there is nothing to export');
    assert.match(status.stderr, /there is no config/);
  });

  it('reports a syntax error like nginx -t and exits 1', async () => {
    const r = await runBerth(['import', 'nginx', join(seeds, '003-nginx.conf.orig'), '--data-dir', tempDir()]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /berth: unexpected "}" in .*003-nginx\.conf\.orig:30:1/);
    const usage = await runBerth(['import', 'apache', 'x.conf']);
    assert.equal(usage.code, 2);
  });

  it('redirectHttp with an HTTP listen: the export redirects on that port to the HTTPS port, as Berth does, under real nginx; the import gives the site back', async (t) => {
    const dataDir = tempDir();
    chmodSync(dataDir, 0o755); // nginx's workers may run as another user (nobody, under root)
    const [httpPort, httpsPort] = [await freePort(), await freePort()];
    const www = join(dataDir, 'www');
    mkdirSync(www);
    writeFileSync(join(www, 'index.html'), 'r content\n');
    // Plain port first, as the tester wrote it: the order comes back from the import too.
    const site = configSchema.parse({
      schemaVersion: 1,
      sites: [{ id: 'r', names: ['r.localhost'], root: www, listen: [{ port: httpPort }, { port: httpsPort, tls: true }], tls: { certificate: 'auto', redirectHttp: true } }],
    }).sites[0]!;
    const store = openStore(dataDir);
    store.config.apply({ schemaVersion: 1, sites: [site] }, 'api');
    store.close();

    const probe = async (port: number) => httpRequest({ port, host: 'r.localhost', path: '/a/b?c=1' });
    const content = async (port: number) => sendH2(port, { name: 'content', path: '/', headers: { Host: 'r.localhost' } });
    const berth = await startBerth({ dataDir });
    const leaf = join(dataDir, 'certs', 'store', 'auto-r');
    let fromBerth: { status: number; location: unknown; content: number };
    try {
      await waitFor('the leaf of r', () => (existsSync(join(leaf, 'key.pem')) ? true : undefined), 20_000);
      const redirect = await waitFor('berth on the HTTP port', () => probe(httpPort).catch(() => undefined));
      fromBerth = { status: redirect.status, location: redirect.headers.location, content: (await content(httpsPort)).status };
    } finally {
      await berth.stop();
    }
    assert.deepEqual(fromBerth, { status: 301, location: `https://r.localhost:${httpsPort}/a/b?c=1`, content: 200 });

    const certDir = join(dataDir, 'nginx-certs');
    mkdirSync(join(certDir, 'r'), { recursive: true });
    copyFileSync(join(leaf, 'fullchain.pem'), join(certDir, 'r', 'fullchain.pem'));
    copyFileSync(join(leaf, 'key.pem'), join(certDir, 'r', 'privkey.pem'));
    const out = join(dataDir, 'export');
    const logs = join(dataDir, 'nginx-logs');
    mkdirSync(logs);
    const exported = await runBerth(['export', 'nginx', '--out', out, '--log-dir', logs, '--cert-dir', certDir, '--data-dir', dataDir]);
    assert.equal(exported.code, 0, exported.stderr);
    const conf = readFileSync(join(out, 'sites', 'r.conf'), 'utf8');
    const [contentServer, redirectServer] = conf.split('# berth: redirect-for=r');
    assert.doesNotMatch(contentServer ?? '', new RegExp(`listen ${httpPort}\\b`), 'the HTTP port is not the content server\'s');
    assert.match(redirectServer ?? '', new RegExp(`listen ${httpPort};[\\s\\S]*return 301 https://\\$host:${httpsPort}\\$request_uri;`));

    // Back through `berth import` into an empty data dir: the same site.
    const again = tempDir();
    const imported = await runBerth(['import', 'nginx', join(out, 'nginx.conf'), '--data-dir', again]);
    assert.equal(imported.code, 0, imported.stderr);
    const back = openStore(again);
    const backSite = back.config.current()?.config.sites.find((s) => s.id === 'r');
    back.close();
    assert.deepEqual(backSite, site);

    if (!NGINX) {
      t.diagnostic('nginx is not installed: the export was not run (apt-get install nginx)');
      return;
    }
    const nginx = spawn(NGINX, ['-p', out, '-c', join(out, 'nginx.conf'), '-g', `daemon off; pid ${join(out, 'nginx.pid')};`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    nginx.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const gone = new Promise<void>((r) => nginx.once('exit', () => r()));
    try {
      const redirect = await waitFor('nginx on the HTTP port', () => {
        if (nginx.exitCode !== null) throw new Error(`nginx exited: ${err}`);
        return probe(httpPort).catch(() => undefined);
      });
      const fromNginx = { status: redirect.status, location: redirect.headers.location, content: (await content(httpsPort)).status };
      assert.deepEqual(fromNginx, fromBerth, 'nginx answers as Berth did');
    } finally {
      nginx.kill('SIGTERM');
      const timer = setTimeout(() => nginx.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    }
  });

  it('an app location and a site with no listen: the export under real nginx gives the app what Berth gives it (Host, X-Forwarded-*, Forwarded, WebSocket), and serves the site on the stack port', async (t) => {
    const dataDir = tempDir();
    chmodSync(dataDir, 0o755); // nginx's workers may run as another user (nobody, under root)
    const [sitePort, appPort, stackPort] = [await freePort(), await freePort(), await freePort()];
    const appDir = join(dataDir, 'napp');
    mkdirSync(appDir);
    // Answers /headers with what it received, and a WebSocket handshake (RFC 6455 §4.2.2) with one text frame.
    writeFileSync(
      join(appDir, 'server.mjs'),
      `import http from 'node:http'; import { createHash } from 'node:crypto';
const server = http.createServer((req, res) => { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify(req.headers)); });
server.on('upgrade', (req, socket) => {
  const accept = createHash('sha1').update(req.headers['sec-websocket-key'] + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
  socket.write('HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\nSec-WebSocket-Accept: ' + accept + '\\r\\n\\r\\n');
  socket.end(Buffer.from([0x81, 5, ...Buffer.from('hello')]));
});
server.listen(+process.env.PORT, process.env.HOST || '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
`,
    );
    const www = join(dataDir, 'www');
    mkdirSync(www);
    writeFileSync(join(www, 'index.html'), 'plain content\n');
    const config = configSchema.parse({
      schemaVersion: 1,
      settings: { httpPort: stackPort, httpsPort: await freePort() },
      apps: [{ id: 'napp', runtime: 'node', workingDir: appDir, entry: 'server.mjs', socket: `127.0.0.1:${appPort}` }],
      sites: [
        { id: 'napp', names: ['napp.localhost'], listen: [{ port: sitePort }], locations: [{ match: { kind: 'prefix', path: '/' }, handler: { type: 'app', app: 'napp' } }] },
        { id: 'plain', names: ['plain.localhost'], root: www },
      ],
    });
    const store = openStore(dataDir);
    store.config.apply({ schemaVersion: 1, settings: config.settings, apps: config.apps, sites: config.sites }, 'api');
    store.close();

    const seen = async (port: number) => {
      const r = await httpRequest({ port, host: `napp.localhost:${port}`, path: '/headers', headers: { 'X-Forwarded-For': '10.1.2.3', Forwarded: 'for=10.1.2.3' } });
      const h = JSON.parse(r.body) as Record<string, string>;
      const ws = await websocketHello(port);
      // The port the client used differs between runs: the app sees the same Host it was sent.
      return { status: r.status, host: h.host === `napp.localhost:${port}`, xff: h['x-forwarded-for'], real: h['x-real-ip'], proto: h['x-forwarded-proto'], fhost: h['x-forwarded-host'] === `napp.localhost:${port}`, forwarded: h.forwarded?.replace(`:${port}`, ':PORT'), ws };
    };
    const berth = await startBerth({ dataDir });
    let fromBerth: Awaited<ReturnType<typeof seen>>;
    try {
      fromBerth = await waitFor('the app through Berth', () => seen(sitePort).then((r) => (r.status === 200 ? r : undefined)).catch(() => undefined), 20_000);
    } finally {
      await berth.stop();
    }
    assert.deepEqual(fromBerth, { status: 200, host: true, xff: '10.1.2.3, 127.0.0.1', real: '127.0.0.1', proto: 'http', fhost: true, forwarded: 'for=10.1.2.3, for=127.0.0.1;host="napp.localhost:PORT";proto=http', ws: '101 hello' });

    const out = join(dataDir, 'export');
    const logs = join(dataDir, 'nginx-logs');
    mkdirSync(logs);
    const exported = await runBerth(['export', 'nginx', '--out', out, '--log-dir', logs, '--data-dir', dataDir]);
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(readFileSync(join(out, 'sites', 'plain.conf'), 'utf8'), new RegExp(`# berth: listen=default http=${stackPort} https=\\d+\\n {4}listen ${stackPort};\\n`));
    // The node app itself is a systemd unit in the export, not read back: the sites are.
    assert.deepEqual(configSchema.parse(importExported(out).config).sites, config.sites, 'the import gives both sites back, "plain" with no listen');

    if (!NGINX) {
      t.diagnostic('nginx is not installed: the export was not run (apt-get install nginx)');
      return;
    }
    const app = spawn(process.execPath, [join(appDir, 'server.mjs')], { env: { ...process.env, PORT: String(appPort) }, stdio: 'ignore' });
    const nginx = spawn(NGINX, ['-p', out, '-c', join(out, 'nginx.conf'), '-g', `daemon off; pid ${join(out, 'nginx.pid')};`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    nginx.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const gone = new Promise<void>((r) => nginx.once('exit', () => r()));
    try {
      const fromNginx = await waitFor('the app through nginx', () => {
        if (nginx.exitCode !== null) throw new Error(`nginx exited: ${err}`);
        return seen(sitePort).then((r) => (r.status === 200 ? r : undefined)).catch(() => undefined);
      });
      assert.deepEqual(fromNginx, fromBerth, 'the app sees through nginx what it saw through Berth');
      const plain = await httpRequest({ port: stackPort, host: 'plain.localhost', path: '/' });
      assert.deepEqual([plain.status, plain.body], [200, 'plain content\n'], 'the site with no listen is on the stack\'s HTTP port, as in Berth');
    } finally {
      app.kill('SIGTERM');
      nginx.kill('SIGTERM');
      const timer = setTimeout(() => nginx.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    }
  });

  it('a php-fpm app: under real nginx the export passes only existing scripts and keeps PATH_INFO, as Berth does', async (t) => {
    const phpFpm = existsSync('/usr/sbin') ? readdirSync('/usr/sbin').find((n) => /^php-fpm[\d.]*$/.test(n)) : undefined;
    if (phpFpm === undefined || !NGINX) {
      t.skip('needs nginx and php-fpm (apt-get install nginx php-fpm)');
      return;
    }
    const dataDir = tempDir();
    chmodSync(dataDir, 0o755); // nginx's and php-fpm's workers may run as another user
    const [sitePort, fpmPort] = [await freePort(), await freePort()];
    const php = join(dataDir, 'php');
    mkdirSync(join(php, 'assets'), { recursive: true });
    chmodSync(php, 0o755);
    writeFileSync(join(php, 'index.php'), '<?php echo "script=", $_SERVER["SCRIPT_NAME"], " path_info=", $_SERVER["PATH_INFO"] ?? "", "\\n";');
    writeFileSync(join(php, 'assets', 'style.css'), 'body {}\n');
    const config = configSchema.parse({
      schemaVersion: 1,
      settings: { httpPort: await freePort(), httpsPort: await freePort() },
      apps: [{ id: 'php', runtime: 'php-fpm', workingDir: php, socket: `127.0.0.1:${fpmPort}` }],
      sites: [{ id: 'php', names: ['php.localhost'], listen: [{ port: sitePort }], root: php, locations: [{ match: { kind: 'regex', path: '\\.php(/|$)' }, handler: { type: 'app', app: 'php' } }] }],
    });
    const store = openStore(dataDir);
    store.config.apply({ schemaVersion: 1, settings: config.settings, apps: config.apps, sites: config.sites }, 'api');
    store.close();
    // What a client gets for a script with PATH_INFO, a missing script, and a non-PHP file named like one.
    const answers = async () => {
      const out: string[] = [];
      for (const path of ['/index.php/a/b', '/missing.php', '/assets/style.css/x.php']) {
        const r = await httpRequest({ port: sitePort, host: 'php.localhost', path });
        out.push(`${path} ${r.status}${r.status === 200 ? ` ${r.body.trim()}` : ''}`);
      }
      return out;
    };
    const expected = ['/index.php/a/b 200 script=/index.php path_info=/a/b', '/missing.php 404', '/assets/style.css/x.php 404'];
    const berth = await startBerth({ dataDir });
    try {
      await waitFor('php through Berth', () => httpRequest({ port: sitePort, host: 'php.localhost', path: '/index.php' }).then((r) => (r.status === 200 ? true : undefined)).catch(() => undefined), 20_000);
      assert.deepEqual(await answers(), expected);
    } finally {
      await berth.stop();
    }

    const out = join(dataDir, 'export');
    const logs = join(dataDir, 'nginx-logs');
    mkdirSync(logs);
    const exported = await runBerth(['export', 'nginx', '--out', out, '--log-dir', logs, '--data-dir', dataDir]);
    assert.equal(exported.code, 0, exported.stderr);
    // Our own php-fpm on the app's address (the exported pool file is for /etc/php).
    const fpmConf = join(dataDir, 'fpm.conf');
    writeFileSync(fpmConf, `[global]\nerror_log = ${join(dataDir, 'fpm.log')}\ndaemonize = no\n[www]\nlisten = 127.0.0.1:${fpmPort}\npm = static\npm.max_children = 1\n${process.getuid?.() === 0 ? 'user = nobody\n' : ''}`);
    const fpm = spawn(join('/usr/sbin', phpFpm), ['-y', fpmConf, ...(process.getuid?.() === 0 ? ['-R'] : [])], { stdio: 'ignore' });
    const nginx = spawn(NGINX, ['-p', out, '-c', join(out, 'nginx.conf'), '-g', `daemon off; pid ${join(out, 'nginx.pid')};`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    nginx.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const gone = [new Promise<void>((r) => nginx.once('exit', () => r())), new Promise<void>((r) => fpm.once('exit', () => r()))];
    try {
      await waitFor('php through nginx', () => {
        if (nginx.exitCode !== null) throw new Error(`nginx exited: ${err}`);
        return httpRequest({ port: sitePort, host: 'php.localhost', path: '/index.php' }).then((r) => (r.status === 200 ? true : undefined)).catch(() => undefined);
      }, 20_000);
      assert.deepEqual(await answers(), expected, 'nginx running the export answers as Berth did');
    } finally {
      nginx.kill('SIGTERM');
      fpm.kill('SIGTERM');
      const timer = setTimeout(() => [nginx, fpm].forEach((p) => p.kill('SIGKILL')), 5000);
      await Promise.all(gone);
      clearTimeout(timer);
    }
  });

  describe('with a running Berth', () => {
    let berth: BerthProcess;
    let sitePort = 0;
    before(async () => {
      berth = await startBerth();
      sitePort = await freePort();
    });
    after(async () => {
      await berth.stop();
      berth.cleanup();
    });

    it('applies through the admin API as a new config version with source import', async () => {
      const r = await runBerth(['import', 'nginx', join(seeds, '004-br_api.conf'), join(seeds, '004-uwsgi.ini'), '--map-port', `80=${sitePort}`, '--data-dir', berth.dataDir]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /imported 1 site\(s\) \[127-0-0-1\], 0 upstream\(s\) \[\], 1 app\(s\) \[br_api\] into the running Berth \(pid \d+\): config version \d+; 13 warning\(s\)/);
      const config = await berth.api<{ config: BerthConfig }>('/api/v1/config');
      assert.ok(config.body.config.sites.some((s) => s.id === '127-0-0-1' && s.listen[0]?.port === sitePort));
      assert.ok(config.body.config.sites.some((s) => s.id === 'welcome'), 'the existing site is kept');
      const versions = await berth.api<ConfigVersionsResponse>('/api/v1/config/versions');
      assert.equal(versions.body.versions[0]?.source, 'import');
    });

    it('refuses a bad import request body with 400', async () => {
      const res = await berth.api<{ error: { code: string } }>('/api/v1/import', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ files: [{ path: 'relative.conf', content: '' }] }) });
      assert.equal(res.status, 400);
      const syntax = await berth.api<{ error: { code: string; message: string } }>('/api/v1/import', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ nginx: ['/x/a.conf'], files: [{ path: '/x/a.conf', content: 'server {\n listen 80\n}' }] }),
      });
      assert.equal(syntax.status, 400);
      assert.equal(syntax.body.error.code, 'BERTH_ERR_NGINX_SYNTAX');
      assert.match(syntax.body.error.message, /unexpected "}" in \/x\/a\.conf:3:1/);
    });

    it('exports what runs; real nginx -t accepts it', async (t) => {
      const out = join(berth.dataDir, 'export');
      const logs = join(berth.dataDir, 'nginx-logs');
      mkdirSync(logs, { recursive: true });
      // The first-run demo has TLS (auto): give nginx its Berth leaf where the export points.
      const certDir = join(berth.dataDir, 'nginx-certs');
      const leaf = join(berth.dataDir, 'certs', 'store', 'auto-welcome');
      await waitFor('the demo leaf', () => (existsSync(join(leaf, 'key.pem')) ? true : undefined), 20_000);
      mkdirSync(join(certDir, 'welcome'), { recursive: true });
      copyFileSync(join(leaf, 'fullchain.pem'), join(certDir, 'welcome', 'fullchain.pem'));
      copyFileSync(join(leaf, 'key.pem'), join(certDir, 'welcome', 'privkey.pem'));
      const r = await runBerth(['export', 'nginx', '--out', out, '--log-dir', logs, '--cert-dir', certDir, '--data-dir', berth.dataDir]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /sites\/127-0-0-1\.conf/);
      assert.match(r.stdout, /uwsgi\/br_api\.ini/);
      if (!NGINX) {
        t.diagnostic('nginx is not installed: nginx -t not run (apt-get install nginx)');
        return;
      }
      const test = spawnSync(NGINX, ['-t', '-c', join(out, 'nginx.conf'), '-p', out, '-g', `pid ${join(out, 'nginx.pid')};`], { encoding: 'utf8' });
      console.log(`nginx -t on the export:\n${test.stderr.trim()}`);
      assert.equal(test.status, 0, test.stderr);
      assert.match(test.stderr, /test is successful/);
    });
  });
});
