// Plain HTTP/1.1 requests with full control of the headers (fetch will not send a foreign Host), and HTTP/2 ones.
import { request } from 'node:http';
import { connect as h2Connect } from 'node:http2';

export interface SimpleResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function httpRequest(opts: { port: number; host?: string; path?: string; method?: string; headers?: Record<string, string>; body?: string; address?: string }): Promise<SimpleResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: opts.address ?? '127.0.0.1',
        port: opts.port,
        path: opts.path ?? '/',
        method: opts.method ?? 'GET',
        headers: { Host: opts.host ?? `127.0.0.1:${opts.port}`, ...opts.headers },
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(opts.body);
  });
}

export interface H2Reply {
  status: number;
  /** Response fields without the pseudo-headers; repeated ones joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * One request over HTTP/2 on its own TLS session (ALPN h2, certificate not checked); array values
 * go out as repeated fields. A body goes out in `pieces` DATA frames, with no Content-Length
 * unless `headers` has one.
 */
export function h2Exchange(port: number, headers: Record<string, string | string[]>, body?: Buffer, pieces = 2, timeoutMs = 10_000): Promise<H2Reply> {
  return new Promise((resolve, reject) => {
    const session = h2Connect(`https://127.0.0.1:${port}`, { rejectUnauthorized: false });
    const fail = (e: Error): void => {
      session.destroy();
      reject(e);
    };
    session.on('error', fail);
    const req = session.request(headers, { endStream: body === undefined });
    req.setTimeout(timeoutMs, () => fail(new Error(`no HTTP/2 answer to ${String(headers[':method'] ?? 'GET')} ${String(headers[':path'] ?? '/')} on port ${port} within ${timeoutMs} ms`)));
    let status = 0;
    const replyHeaders: Record<string, string> = {};
    const chunks: Buffer[] = [];
    req.on('response', (h) => {
      status = Number(h[':status'] ?? 0);
      for (const [k, v] of Object.entries(h)) if (!k.startsWith(':') && v !== undefined) replyHeaders[k] = Array.isArray(v) ? v.join(', ') : String(v);
    });
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      session.close();
      resolve({ status, headers: replyHeaders, body: Buffer.concat(chunks) });
    });
    req.on('error', fail);
    if (body !== undefined) {
      const step = Math.max(1, Math.ceil(body.length / pieces));
      for (let i = 0; i < body.length; i += step) req.write(body.subarray(i, i + step));
      req.end();
    }
  });
}

/** `h2Exchange` with the body as text. */
export async function h2Request(port: number, headers: Record<string, string | string[]>, body?: Buffer): Promise<{ status: number; body: string }> {
  const reply = await h2Exchange(port, headers, body);
  return { status: reply.status, body: reply.body.toString('utf8') };
}
