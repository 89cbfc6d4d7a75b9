// Several proxy workers on the listening sockets the supervisor bound once (berth serve,
// --proxy-workers 2): both worker processes accept connections on the same port (seen with `ss`,
// which names the process owning each server-side socket), and after `kill -9` of one worker the
// other keeps serving — a bounded request loop with zero failures — until the supervisor has
// restarted the killed one, which then accepts again.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { get } from 'node:http';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { startBerth, waitFor, type BerthProcess } from '../helpers/berth-process.js';

const run = promisify(execFile);

/** GET / on a new connection; resolves with the status code. */
function getOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** Pids owning established server-side sockets on `port` (ss -tnp: `users:(("node",pid=N,fd=M))`). */
async function acceptingPids(port: number): Promise<Set<number>> {
  const { stdout } = await run('ss', ['-Htnp', 'state', 'established', `( sport = :${port} )`], { encoding: 'utf8' });
  return new Set([...stdout.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1])));
}

describe('proxy workers sharing the listeners (berth serve --proxy-workers 2)', () => {
  let berth: BerthProcess;
  let port = 0;

  const proxyPids = async (): Promise<number[]> =>
    (await berth.status()).children.filter((c) => c.role === 'proxy' && c.state === 'running' && c.pid !== null).map((c) => c.pid as number);

  before(async () => {
    berth = await startBerth({ args: ['--proxy-workers', '2'] });
    port = (await berth.status()).proxy.httpPort;
    await waitFor('two running proxy workers', async () => ((await proxyPids()).length === 2 ? true : undefined), 20_000);
  });

  after(async () => {
    await berth.stop();
    berth.cleanup();
  });

  /** Opens connections one by one (held open) until every worker has accepted one; bounded. */
  async function workersAccepting(expected: readonly number[]): Promise<Set<number>> {
    const sockets: Socket[] = [];
    const seen = new Set<number>();
    try {
      for (let i = 0; i < 200 && !expected.every((p) => seen.has(p)); i++) {
        const s = connect(port, '127.0.0.1');
        sockets.push(s);
        await new Promise<void>((resolve, reject) => s.once('connect', resolve).once('error', reject));
        // A request on it proves the accepting worker serves (the answer keeps the connection open).
        s.write(`GET / HTTP/1.1\r\nHost: localhost\r\n\r\n`);
        await new Promise<void>((resolve) => s.once('data', () => resolve()));
        for (const pid of await acceptingPids(port)) seen.add(pid);
        await new Promise((r) => setTimeout(r, 10));
      }
    } finally {
      for (const s of sockets) s.destroy();
    }
    return seen;
  }

  test('both workers accept and serve on the one shared port', async () => {
    const pids = await proxyPids();
    const seen = await workersAccepting(pids);
    for (const pid of pids) assert.ok(seen.has(pid), `worker pid ${pid} never accepted (seen: ${[...seen].join(', ')})`);
    // Nothing but the workers holds the accepted sockets (the supervisor only bound the port).
    assert.ok(!seen.has(berth.pid), 'the supervisor accepted a connection');
  });

  test('kill -9 of one worker: the other keeps serving with zero failed requests', async () => {
    const [victim, survivor] = await proxyPids();
    assert.ok(victim && survivor);
    let ok = 0;
    const failures: string[] = [];
    const loop = async (rounds: number): Promise<void> => {
      for (let i = 0; i < rounds; i++) {
        try {
          const status = await getOnce(port);
          if (status === 200) ok++;
          else failures.push(`status ${status}`);
        } catch (e) {
          failures.push((e as Error).message);
        }
      }
    };
    await loop(50);
    // Between two requests (none in flight on a connection of the victim): SIGKILL.
    process.kill(victim, 'SIGKILL');
    await loop(300);
    const restarted = await waitFor(
      'the killed worker restarted',
      async () => {
        const now = await proxyPids();
        return now.length === 2 && !now.includes(victim) ? now : undefined;
      },
      20_000,
    );
    await loop(100);
    assert.deepEqual(failures, []);
    assert.equal(ok, 450);
    assert.ok(restarted.includes(survivor), 'the surviving worker kept running');
    // The restarted worker got the shared socket again and accepts on it.
    const seen = await workersAccepting(restarted);
    for (const pid of restarted) assert.ok(seen.has(pid), `worker pid ${pid} does not accept after the restart`);
  });
});
