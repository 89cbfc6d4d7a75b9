// The upstream both nginx and Berth proxy to in the differential corpus: a plain node:http server
// on 127.0.0.1 that tells what it received (so the request side of a proxy can be compared) and
// answers a few fixed shapes (large, chunked, hop-by-hop headers, slow) for the response side.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** Marks an echo answer; the comparison then compares what the upstream saw field by field. */
export const ECHO_HEADER = 'x-conformance-echo';

/** Request headers an echo reports: the ones a proxy adds, rewrites or must drop. */
const REPORTED = ['host', 'x-forwarded-for', 'x-real-ip', 'x-forwarded-proto', 'x-forwarded-host', 'forwarded', 'x-custom', 'x-set-by-proxy', 'user-agent', 'keep-alive', 'te', 'trailer', 'upgrade', 'proxy-connection', 'x-named-by-connection', 'expect', 'content-length', 'transfer-encoding', 'cookie', 'authorization'];

export interface Echo {
  id: string;
  method: string;
  url: string;
  version: string;
  headers: Record<string, string>;
  bodyLength: number;
  bodySha256: string;
}

/** `n` deterministic bytes (a response both sides must pass on unchanged). */
export function pattern(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + (i >> 8)) & 0xff;
  return b;
}

export interface RunningUpstream {
  id: string;
  port: number;
  requests: number;
  close(): Promise<void>;
}

/** One upstream server; `id` is in every answer (`X-Upstream`), so balancing can be observed. */
export async function startUpstream(id: string): Promise<RunningUpstream> {
  const state = { requests: 0 };
  const server: Server = createServer((req, res) => {
    state.requests++;
    handle(id, req, res);
  });
  server.keepAliveTimeout = 2000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    id,
    port: (server.address() as { port: number }).port,
    get requests() {
      return state.requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function handle(id: string, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://upstream');
  const hash = createHash('sha256');
  let length = 0;
  req.on('data', (d: Buffer) => {
    length += d.length;
    hash.update(d);
  });
  req.on('end', () => {
    res.setHeader('X-Upstream', id);
    const path = url.pathname.replace(/^\/(plain|recipe|pool|timeout|dead|lb|fewest|sticky|backup|deep|xa|up|upi)(?=\/)/, '');
    if (path.startsWith('/xaccel')) {
      // The "sendfile through nginx" answer: X-Accel-Redirect to ?to= (default /protected/a.txt), a few
      // headers nginx keeps and one it drops; &ct= a Content-Type, &status= a status, &body= N body bytes.
      const headers: Record<string, string> = { 'X-Accel-Redirect': url.searchParams.get('to') ?? '/protected/a.txt', 'Set-Cookie': 'xa=1; Path=/', 'Content-Disposition': 'attachment; filename="a.txt"', 'X-Dropped': 'yes' };
      const ct = url.searchParams.get('ct');
      if (ct !== null) headers['Content-Type'] = ct;
      res.writeHead(Number(url.searchParams.get('status') ?? '200'), headers);
      res.end(Buffer.alloc(Number(url.searchParams.get('body') ?? '0'), 0x78));
    } else if (path.startsWith('/int-loop/')) {
      // Names itself again: an internal redirection cycle.
      res.writeHead(200, { 'X-Accel-Redirect': path });
      res.end();
    } else if (path.startsWith('/big')) {
      const body = pattern(Number(url.searchParams.get('n') ?? '1048576'));
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length });
      res.end(body);
    } else if (path.startsWith('/chunked')) {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      for (let i = 0; i < 20; i++) res.write(`line ${i}\n`);
      res.end();
    } else if (path.startsWith('/hop')) {
      // Hop-by-hop headers (RFC 9110 §7.6.1) and nginx's hidden-by-default ones next to an end-to-end one.
      res.writeHead(200, [
        ['Content-Type', 'text/plain'],
        ['Connection', 'X-Named-By-Connection'],
        ['X-Named-By-Connection', 'secret'],
        ['Keep-Alive', 'timeout=5'],
        ['X-Accel-Buffering', 'no'],
        ['X-Pad', 'avoid browser bug'],
        ['Server', 'upstream-server'],
        ['X-End-To-End', 'kept'],
        ['Set-Cookie', 'a=1; Path=/'],
        ['Set-Cookie', 'b=2; Path=/'],
        ['Cache-Control', 'no-store'],
      ].flat());
      res.end('hop\n');
    } else if (path.startsWith('/to-self')) {
      // An app building its redirect from the Host it was sent (`$proxy_host` by default), as Django and Rails do.
      res.writeHead(302, { Location: `http://${req.headers.host ?? ''}${url.pathname}-next`, Refresh: `3; url=http://${req.headers.host ?? ''}${url.pathname}-later`, 'Content-Type': 'text/plain' });
      res.end('moved\n');
    } else if (path.startsWith('/status/')) {
      const code = Number(path.slice('/status/'.length));
      const headers: Record<string, string> = { 'Content-Type': 'text/plain' };
      if (code >= 300 && code < 400) headers.Location = '/moved-here';
      if (code === 401) headers['WWW-Authenticate'] = 'Basic realm="upstream"';
      res.writeHead(code, headers);
      res.end(code === 204 || code === 304 ? undefined : `status ${code}\n`);
    } else if (path.startsWith('/slow')) {
      setTimeout(() => {
        if (!res.destroyed) res.end('late\n');
      }, 3000).unref();
    } else if (path.startsWith('/id')) {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end(`${id}\n`);
    } else {
      const headers: Record<string, string> = {};
      for (const name of REPORTED) {
        const v = req.headers[name];
        if (v !== undefined) headers[name] = Array.isArray(v) ? v.join(', ') : v;
      }
      const echo: Echo = { id, method: req.method ?? '', url: req.url ?? '', version: req.httpVersion, headers, bodyLength: length, bodySha256: hash.digest('hex') };
      res.writeHead(200, { 'Content-Type': 'application/json', [ECHO_HEADER]: '1' });
      res.end(JSON.stringify(echo));
    }
  });
}
