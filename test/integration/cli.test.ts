// The CLI contract: help, usage errors (exit 2), status (exit 3 when not running), and the
// refusals that must leave the user's data alone: port in use, corrupt or newer database,
// a second instance on the same data dir.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { makeTempDir, runBerth, startBerth } from '../helpers/berth-process.js';

const temps: string[] = [];
function tempDir(): string {
  const d = makeTempDir();
  temps.push(d);
  return d;
}
after(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

function holdPort(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve({ server, port: typeof a === 'object' && a ? a.port : 0 });
    });
  });
}

describe('berth CLI', () => {
  test('--help prints the commands and exits 0', async () => {
    const r = await runBerth(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Usage: berth <command>/);
    assert.match(r.stdout, /serve\s+Run the whole stack headless/);
    assert.match(r.stdout, /status\s+Show what runs/);
    const serve = await runBerth(['serve', '--help']);
    assert.equal(serve.code, 0);
    assert.match(serve.stdout, /--admin-port N/);
  });

  test('--version prints the package version', async () => {
    const r = await runBerth(['--version']);
    assert.equal(r.code, 0);
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    assert.equal(r.stdout.trim(), pkg.version);
  });

  test('unknown commands and flags: usage and exit 2', async () => {
    const cmd = await runBerth(['frobnicate']);
    assert.equal(cmd.code, 2);
    assert.match(cmd.stderr, /unknown command 'frobnicate'/);
    assert.match(cmd.stderr, /Usage: berth/);
    const flag = await runBerth(['serve', '--frob']);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /--frob/);
    assert.match(flag.stderr, /Usage: berth serve/);
    const port = await runBerth(['serve', '--http-port', '70000']);
    assert.equal(port.code, 2);
    assert.match(port.stderr, /--http-port must be a port number/);
    const none = await runBerth([]);
    assert.equal(none.code, 2);
  });

  test('status when nothing runs: exit 3 and what to do', async () => {
    const r = await runBerth(['status', '--data-dir', tempDir()]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /not running/);
    assert.match(r.stderr, /berth serve/);
  });

  test('status of a running instance: a table, and JSON with --json', async () => {
    const berth = await startBerth({ dataDir: tempDir() });
    try {
      const table = await runBerth(['status', '--data-dir', berth.dataDir]);
      assert.equal(table.code, 0, table.stderr);
      assert.match(table.stdout, /CHILD\s+ROLE\s+STATE\s+PID\s+UPTIME\s+RESTARTS/);
      assert.match(table.stdout, /proxy-1\s+proxy\s+running\s+\d+/);
      assert.match(table.stdout, /appserver\s+appserver\s+running/);
      assert.match(table.stdout, /certs\s+certs\s+running/);
      const json = await runBerth(['status', '--json', '--data-dir', berth.dataDir]);
      const parsed = JSON.parse(json.stdout) as { berth: { pid: number } };
      assert.equal(parsed.berth.pid, berth.pid);
    } finally {
      await berth.stop();
    }
  });

  test('a second instance on the same data dir is refused', async () => {
    const berth = await startBerth({ dataDir: tempDir() });
    try {
      const r = await runBerth(['serve', '--no-open', '--admin-port', '0', '--http-port', '0', '--data-dir', berth.dataDir]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`already running for this data dir \\(pid ${berth.pid}`));
    } finally {
      await berth.stop();
    }
  });

  test('an HTTP port in use: the message names the port, the process holding it, and what to do', async () => {
    const held = await holdPort();
    try {
      const r = await runBerth(['serve', '--no-open', '--admin-port', '0', '--http-port', String(held.port), '--data-dir', tempDir()]);
      assert.equal(r.code, 1);
      const all = r.stdout + r.stderr;
      assert.match(all, new RegExp(`port ${held.port}`));
      assert.match(all, new RegExp(`pid ${process.pid}`), all);
      assert.match(all, /--http-port/);
    } finally {
      held.server.close();
    }
  });

  test('an explicit admin port in use: a clear message, exit 1', async () => {
    const held = await holdPort();
    try {
      const r = await runBerth(['serve', '--no-open', '--admin-port', String(held.port), '--http-port', '0', '--data-dir', tempDir()]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`admin API: port ${held.port} is in use`));
      assert.match(r.stderr, /--admin-port/);
    } finally {
      held.server.close();
    }
  });

  test('a corrupt database is refused and left untouched', async () => {
    const dir = tempDir();
    const garbage = Buffer.from('this is not a database, but it is the user\'s file\n'.repeat(200));
    writeFileSync(join(dir, 'berth.db'), garbage);
    const r = await runBerth(['serve', '--no-open', '--admin-port', '0', '--http-port', '0', '--data-dir', dir]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /berth\.db/);
    assert.match(r.stderr, /not a Berth database|corrupt|not a database/i);
    assert.deepEqual(readFileSync(join(dir, 'berth.db')), garbage);
  });

  test('a database from a newer Berth is refused and left untouched', async () => {
    const dir = tempDir();
    const db = new Database(join(dir, 'berth.db'));
    db.exec('CREATE TABLE future (x); INSERT INTO future VALUES (1);');
    db.pragma('user_version = 999');
    db.close();
    const before = readFileSync(join(dir, 'berth.db'));
    const r = await runBerth(['serve', '--no-open', '--admin-port', '0', '--http-port', '0', '--data-dir', dir]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /newer/i);
    assert.deepEqual(readFileSync(join(dir, 'berth.db')), before);
  });
});
