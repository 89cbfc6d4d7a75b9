// Active health checks (nginx Plus `health_check`, HAProxy `option httpchk`): every interval, a
// GET of `path` on a fresh connection to each server; `rise` passes in a row bring a server
// back, `fall` failures in a row take it out. A check never uses the keep-alive pool.
import { connect, type Socket } from 'node:net';
import type { Upstream } from '../../config/schema.js';
import type { UpstreamPeer } from './peer.js';
import { ResponseParser } from './response-parser.js';

export type HealthCheckConfig = NonNullable<Upstream['healthCheck']>;

/** Does `status` meet `expect` (`2xx` or `204`)? */
export function statusMatches(status: number, expect: string): boolean {
  return /^[1-5]xx$/.test(expect) ? Math.floor(status / 100) === Number(expect[0]) : status === Number(expect);
}

/** One check: resolves with the status, or rejects with a short reason. */
export function probe(peer: UpstreamPeer, config: HealthCheckConfig, hostHeader: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const a = peer.address;
    const socket: Socket = a.kind === 'unix' ? connect({ path: a.path }) : connect({ host: a.host, port: a.port });
    let settled = false;
    const done = (error: string | null, status = 0): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error === null) resolve(status);
      else reject(new Error(error));
    };
    const timer = setTimeout(() => done(`timed out after ${config.timeoutS} s`), config.timeoutS * 1000);
    const parser = new ResponseParser('GET', {
      onHead: (head) => done(null, head.statusCode),
      onBody: () => undefined,
      onEnd: () => undefined,
    });
    socket.on('connect', () => {
      socket.write(`GET ${config.path} HTTP/1.1\r\nHost: ${hostHeader}\r\nUser-Agent: berth-health-check\r\nConnection: close\r\n\r\n`, 'latin1');
    });
    socket.on('data', (chunk: Buffer) => {
      try {
        parser.feed(chunk);
      } catch (e) {
        done((e as Error).message);
      }
    });
    socket.on('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
    socket.on('close', () => done('connection closed before a response'));
  });
}

export class HealthChecker {
  private timer: NodeJS.Timeout | null = null;
  private readonly running = new Set<UpstreamPeer>();
  private stopped = false;

  constructor(
    readonly config: HealthCheckConfig,
    private peers: readonly UpstreamPeer[],
    private readonly hostHeader: string,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The same checker keeps running across config versions; only its server list changes. */
  setPeers(peers: readonly UpstreamPeer[]): void {
    this.peers = peers;
  }

  start(): void {
    this.runAll();
    this.timer = setInterval(() => this.runAll(), this.config.intervalS * 1000);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Runs one round now; resolves when every server has answered or timed out (tests). */
  async runAll(): Promise<void> {
    await Promise.all(this.peers.filter((p) => !p.down && !this.running.has(p)).map((p) => this.check(p)));
  }

  private async check(peer: UpstreamPeer): Promise<void> {
    this.running.add(peer);
    let ok = false;
    let status: number | null = null;
    let error: string | null = null;
    try {
      status = await probe(peer, this.config, this.hostHeader);
      ok = statusMatches(status, this.config.expectStatus);
      if (!ok) error = `status ${status}, expected ${this.config.expectStatus}`;
    } catch (e) {
      error = (e as Error).message;
    } finally {
      this.running.delete(peer);
    }
    if (this.stopped) return;
    peer.lastCheck = { at: this.clock(), ok, status, error };
    if (ok) {
      peer.healthFails = 0;
      peer.healthRuns++;
      if (!peer.healthy && peer.healthRuns >= this.config.rise) peer.healthy = true;
    } else {
      peer.healthRuns = 0;
      peer.healthFails++;
      if (peer.healthy && peer.healthFails >= this.config.fall) peer.healthy = false;
    }
  }
}
