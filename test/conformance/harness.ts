// The differential harness: one nginx config, run by real nginx and — imported through
// `POST /api/v1/import` — by a real `berth serve` on a temp data dir. Every corpus request goes to
// both on loopback; status, chosen headers and body are compared. Ports differ between the two,
// so the port inside Location headers is normalised before comparing.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { mimeTypesFile } from '../../server-core/interop/nginx/export.js';
import { startBerth, waitFor, type BerthProcess } from '../helpers/berth-process.js';
import { h2Exchange } from '../helpers/http.js';
// corpus.ts uses this module's compare/send at call time only, so the import cycle is harmless.
import { runCorpus, type CorpusResult } from './corpus.js';
import { ECHO_HEADER, startUpstream, type Echo, type RunningUpstream } from './upstream.js';

export const NGINX_BIN = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p)) ?? null;

/** The skip reason of a suite that needs only nginx: false where it is installed. */
export const NGINX_MISSING: string | false = NGINX_BIN ? false : 'nginx is not installed (apt-get install nginx); the differential corpus needs the real peer';

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface CorpusCase {
  name: string;
  method?: string;
  /** Sent as written (no URL normalisation), so `..` and `%2e` reach the server. */
  path: string;
  /** Array values go out as repeated fields. */
  headers?: Record<string, string | string[]>;
  /** Headers computed from this server's own earlier answer (If-None-Match from its ETag…). */
  fromPrevious?: (previous: Reply) => Record<string, string>;
  /** The case whose answer `fromPrevious` reads. */
  previous?: string;
  /** A request body; sent with Content-Length unless `chunked` (over HTTP/2: in DATA frames, no length). */
  body?: Buffer;
  chunked?: boolean;
  /** Send the request this many times in a row; the answers' bodies are joined (balancing order). */
  repeat?: number;
  /** More response headers to compare for this case. */
  compareHeaders?: string[];
}

/** Headers compared when either side sends them. */
export const COMPARED_HEADERS = ['content-type', 'content-length', 'location', 'content-range', 'accept-ranges', 'etag', 'last-modified', 'allow', 'cache-control', 'expires', 'www-authenticate', 'x-upstream'];

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function send(port: number, c: CorpusCase, extra: Record<string, string> = {}): Promise<Reply> {
  if ((c.repeat ?? 1) <= 1) return sendOnce(port, c, extra);
  const replies: Reply[] = [];
  for (let i = 0; i < (c.repeat ?? 1); i++) replies.push(await sendOnce(port, c, extra));
  const last = replies.at(-1) as Reply;
  const statuses = [...new Set(replies.map((r) => r.status))];
  return { status: statuses.length === 1 ? last.status : -1, headers: last.headers, body: Buffer.concat(replies.map((r) => r.body)) };
}

function sendOnce(port: number, c: CorpusCase, extra: Record<string, string>): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | string[]> = { Host: 'conf.test', Connection: 'close', ...c.headers, ...extra };
    // node:http would send a body given whole to end() with a Content-Length: say chunked outright.
    if (c.body) headers[c.chunked ? 'Transfer-Encoding' : 'Content-Length'] = c.chunked ? 'chunked' : String(c.body.length);
    const req = request({ host: '127.0.0.1', port, method: c.method ?? 'GET', path: c.path, headers, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
        resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks) });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer to ${c.method ?? 'GET'} ${c.path} on port ${port} within 5 s`)));
    req.on('error', reject);
    if (c.body) req.end(c.body);
    else req.end();
  });
}

/** A sender: HTTP/1.1 (`send`) or HTTP/2 over TLS (`sendH2`). */
export type Sender = (port: number, c: CorpusCase, extra?: Record<string, string>) => Promise<Reply>;

/**
 * One request over HTTP/2 on a new TLS session (each side has its own certificate, not verified).
 * The Host header of the case becomes `:authority`; array values go out as repeated fields (Cookie
 * crumbs, RFC 9113 §8.2.3); a `chunked` body goes in several DATA frames without a length.
 */
export function sendH2(port: number, c: CorpusCase, extra: Record<string, string> = {}): Promise<Reply> {
  const { Host: host = 'conf.test', ...rest } = { ...(c.headers ?? {}), ...extra } as Record<string, string | string[]>;
  const headers: Record<string, string | string[]> = { ':method': c.method ?? 'GET', ':path': c.path, ':authority': host as string };
  for (const [k, v] of Object.entries(rest)) headers[k.toLowerCase()] = v;
  if (c.body && !c.chunked) headers['content-length'] = String(c.body.length);
  return h2Exchange(port, headers, c.body, c.chunked ? 4 : 1, 5000);
}

export interface RunningNginx {
  port: number;
  stop(): Promise<void>;
}

/** Real nginx in the foreground with its own prefix; logs and pid stay in `prefix`. */
export async function startNginx(prefix: string, config: string, port: number, workers = 1): Promise<RunningNginx> {
  if (!NGINX_BIN) throw new Error('nginx is not installed');
  mkdirSync(join(prefix, 'logs'), { recursive: true });
  writeFileSync(join(prefix, 'mime.types'), mimeTypesFile());
  const conf = join(prefix, 'nginx.conf');
  writeFileSync(conf, `error_log ${join(prefix, 'logs', 'error.log')};\npid ${join(prefix, 'nginx.pid')};\nevents { worker_connections 64; }\n${config}`);
  const proc: ChildProcess = spawn(NGINX_BIN, ['-p', prefix, '-c', conf, '-g', `daemon off; worker_processes ${workers};`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  let exited = false;
  const gone = new Promise<void>((r) => proc.once('exit', () => ((exited = true), r())));
  await waitFor(`nginx on port ${port}`, async () => {
    if (exited) throw new Error(`nginx exited: ${err}`);
    return send(port, { name: 'probe', path: '/' }).then(
      () => true,
      () => undefined,
    );
  });
  return {
    port,
    stop: async () => {
      if (!exited) proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    },
  };
}

/** Stops what a differential test started (nginx, Berth, its upstreams) and removes its temp dir. */
export async function stopDifferential(parts: { nginx: RunningNginx | null; berth: BerthProcess | null; upstreams?: ReadonlyArray<{ close(): Promise<void> } | null>; root: string }): Promise<void> {
  await parts.nginx?.stop();
  if (parts.berth) {
    await parts.berth.stop();
    parts.berth.cleanup();
  }
  await Promise.all((parts.upstreams ?? []).map((u) => u?.close()));
  if (parts.root !== '') rmSync(parts.root, { recursive: true, force: true });
}

/**
 * `berth serve` with the config imported through the admin API (as `berth import nginx` does).
 * One worker by default, as nginx runs here (worker_processes 1): balancing state is per worker
 * process in both, so sequential orders only compare with one worker each. limit_req is shared by
 * the workers in both (nginx's shared zone; Berth's zone in the supervisor).
 */
export async function startBerthWith(config: string, port: number, workers = 1): Promise<BerthProcess> {
  const berth = await startBerth({ args: ['--proxy-workers', String(workers)] });
  try {
    const res = await berth.api<{ issues?: unknown[]; warnings?: unknown[]; error?: unknown }>('/api/v1/import', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ nginx: ['/conformance/nginx.conf'], files: [{ path: '/conformance/nginx.conf', content: config }] }),
    });
    if (res.status !== 200) throw new Error(`the import was refused (${res.status}): ${JSON.stringify(res.body)}`);
    await waitFor(`berth proxy on port ${port}`, async () =>
      send(port, { name: 'probe', path: '/' }).then(
        (r) => (r.status === 200 ? true : undefined),
        () => undefined,
      ),
    );
    return berth;
  } catch (e) {
    await berth.stop();
    berth.cleanup();
    throw e;
  }
}

/**
 * The `http` block of a corpus config: nginx's stock types, no access log, `head` (zones,
 * upstreams), the default server `conf.test` whose `/` answers the readiness probe, then `servers`.
 */
export function httpConfig(port: number, servers: readonly string[], head = ''): string {
  return `http {
    include mime.types;
    default_type application/octet-stream;
    access_log off;
${head}
    server {
        listen ${port} default_server;
        server_name conf.test;
        location = / { return 200 "ready"; }
    }
${servers.join('\n')}
}
`;
}

/** A server named `name` on `port` serving `root`; `body` holds its directives, one per line. */
export function namedServer(port: number, name: string, root: string, body: string): string {
  return `    server {
        listen ${port};
        server_name ${name};
        root ${root};
${body}
    }`;
}

/** What a suite's `configFor` is given for one side (nginx or Berth). */
export interface SuiteEnv<P> {
  /** The suite's temp dir (mode 0755: nginx's workers may run as another user); nginx's prefix is `root/nginx`. */
  root: string;
  /** The ports of the suite's upstreams, in the order of `upstreams`. */
  upstreams: readonly number[];
  /** A free port for this side's `listen … ssl http2` server when the suite is `h2`, else 0. */
  tlsPort: number;
  /** What `prepare` returned. */
  prepared: P;
}

export interface DifferentialSuite<P> {
  /** Why the suite cannot run here (a peer that is not installed), or false. */
  skip: string | false;
  /** The mkdtemp prefix of the suite's temp dir. */
  tmpPrefix: string;
  /** Echo upstreams (upstream.ts) to start, by id; both sides proxy to the same ones. */
  upstreams?: readonly string[];
  /** Writes the suite's files under `root` and works out what both configs share (dead ports…). */
  prepare?: (root: string) => P | Promise<P>;
  /** The nginx config for one side; `port` is that side's plain HTTP port (its default server answers `/` with 200). */
  configFor: (port: number, env: SuiteEnv<P>) => string;
  /** Worker processes on each side (nginx `worker_processes`, `--proxy-workers`); 1 by default. */
  workers?: number;
  /** Send the corpus over HTTP/2 to the TLS ports, once each side answers `probe` there with 200. */
  h2?: { probe: CorpusCase };
  /** The corpus's name in the printed summary. */
  label: string;
  /** Sent in order to nginx, then to Berth; every difference must be allowlisted (corpus.ts). */
  corpus: readonly CorpusCase[];
  /** The `it` title; by default the allowlist promise. */
  title?: string;
  /** More checks on the result (e.g. no difference at all, allowlisted or not). */
  check?: (result: CorpusResult) => void;
  /** Further corpora on the same servers, each its own test, sent with their own sender (e.g. curl for fields node:http2 will not send). */
  extra?: ReadonlyArray<{ title: string; label: string; corpus: readonly CorpusCase[]; send: Sender }>;
}

/**
 * One differential suite: a temp root, the upstreams, a free port (and TLS port) per side, nginx
 * and Berth started on the same config, the corpus run against both, everything stopped after.
 */
export function differentialSuite<P = undefined>(name: string, s: DifferentialSuite<P>): void {
  describe(name, { skip: s.skip }, () => {
    let root = '';
    let nginx: RunningNginx | null = null;
    let berth: BerthProcess | null = null;
    const upstreams: RunningUpstream[] = [];
    const ports = { nginx: 0, berth: 0 };

    before(async () => {
      root = mkdtempSync(join(tmpdir(), s.tmpPrefix));
      chmodSync(root, 0o755);
      const prepared = (await s.prepare?.(root)) as P;
      for (const id of s.upstreams ?? []) upstreams.push(await startUpstream(id));
      const env = async (): Promise<[number, SuiteEnv<P>]> => [await freePort(), { root, upstreams: upstreams.map((u) => u.port), tlsPort: s.h2 ? await freePort() : 0, prepared }];
      const [nginxPort, nginxEnv] = await env();
      const [berthPort, berthEnv] = await env();
      nginx = await startNginx(join(root, 'nginx'), s.configFor(nginxPort, nginxEnv), nginxPort, s.workers);
      berth = await startBerthWith(s.configFor(berthPort, berthEnv), berthPort, s.workers);
      ports.nginx = s.h2 ? nginxEnv.tlsPort : nginxPort;
      ports.berth = s.h2 ? berthEnv.tlsPort : berthPort;
      const probe = s.h2?.probe;
      // Berth issues a TLS site's certificate from its local CA after the import: wait for h2 on the port.
      if (probe) for (const port of [ports.nginx, ports.berth]) await waitFor(`h2 on port ${port}`, async () => sendH2(port, probe).then((r) => (r.status === 200 ? true : undefined), () => undefined), 20_000, 100);
    });

    after(() => stopDifferential({ nginx, berth, upstreams, root }));

    it(s.title ?? 'answers the corpus like nginx; every difference is allowlisted with a reason', async () => {
      const result = await runCorpus(s.label, s.corpus, ports.nginx, ports.berth, s.h2 ? sendH2 : send);
      s.check?.(result);
    });

    for (const more of s.extra ?? []) it(more.title, () => runCorpus(more.label, more.corpus, ports.nginx, ports.berth, more.send).then(() => undefined));
  });
}

/** A `check` for suites that must match nginx exactly, allowlisted differences included. */
export function noDifferences(result: CorpusResult): void {
  assert.deepEqual(result.differences, []);
}

export interface Difference {
  case: string;
  field: string;
  nginx: string;
  berth: string;
}

/**
 * `expires 1h` is "now + 1 h" to the second, and the Berth request goes out just after the nginx
 * one: when a second boundary falls between the two, the dates differ by 1 s. Dates this close count
 * as the same (a wrong duration, a missing header or `epoch` still differ).
 */
const CLOCK_SKEW_MS = 2000;
const sameMoment = (a: string, b: string): boolean => {
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  return Number.isFinite(ta) && Number.isFinite(tb) && Math.abs(ta - tb) <= CLOCK_SKEW_MS;
};

export function compare(name: string, a: Reply, b: Reply, portA: number, portB: number, extraHeaders: readonly string[] = []): Difference[] {
  const out: Difference[] = [];
  if (a.status !== b.status) out.push({ case: name, field: 'status', nginx: String(a.status), berth: String(b.status) });
  for (const h of [...COMPARED_HEADERS, ...extraHeaders]) {
    const va = (a.headers[h] ?? '(none)').replace(`:${portA}`, ':PORT');
    const vb = (b.headers[h] ?? '(none)').replace(`:${portB}`, ':PORT');
    if (va !== vb && !(h === 'expires' && sameMoment(va, vb))) out.push({ case: name, field: `header ${h}`, nginx: va, berth: vb });
  }
  if (a.headers[ECHO_HEADER] === '1' && b.headers[ECHO_HEADER] === '1' && a.body.length > 0 && b.body.length > 0) out.push(...compareEchoes(name, a.body, b.body));
  else if (!a.body.equals(b.body)) out.push({ case: name, field: 'body', nginx: preview(a.body), berth: preview(b.body) });
  return out;
}

/** What the upstream saw, field by field (`upstream header x-real-ip`, `upstream body`…). */
function compareEchoes(name: string, a: Buffer, b: Buffer): Difference[] {
  const out: Difference[] = [];
  const parse = (body: Buffer): Echo | null => {
    try {
      return JSON.parse(body.toString('utf8')) as Echo;
    } catch {
      return null;
    }
  };
  const ea = parse(a);
  const eb = parse(b);
  if (ea === null || eb === null) {
    if (!a.equals(b)) out.push({ case: name, field: 'body', nginx: preview(a), berth: preview(b) });
    return out;
  }
  const field = (f: string, va: string, vb: string) => {
    if (va !== vb) out.push({ case: name, field: `upstream ${f}`, nginx: va, berth: vb });
  };
  field('method', ea.method, eb.method);
  field('url', ea.url, eb.url);
  field('http version', ea.version, eb.version);
  field('body', `${ea.bodyLength} bytes sha256 ${ea.bodySha256.slice(0, 12)}`, `${eb.bodyLength} bytes sha256 ${eb.bodySha256.slice(0, 12)}`);
  for (const h of [...new Set([...Object.keys(ea.headers), ...Object.keys(eb.headers)])].sort()) {
    field(`header ${h}`, (ea.headers[h] ?? '(none)').replace(/127\.0\.0\.1:\d+/, '127.0.0.1:UPSTREAM'), (eb.headers[h] ?? '(none)').replace(/127\.0\.0\.1:\d+/, '127.0.0.1:UPSTREAM'));
  }
  return out;
}

function preview(b: Buffer): string {
  const s = b.toString('utf8');
  return s.length > 80 ? `${s.slice(0, 80)}… (${b.length} bytes)` : s;
}
