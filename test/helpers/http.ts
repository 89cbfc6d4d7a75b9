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

/**
 * One request over HTTP/2 (TLS, certificate not checked) on its own session; array values go out
 * as repeated fields. A body goes out in two DATA frames, with no Content-Length unless `headers`
 * has one.
 */
export function h2Request(port: number, headers: Record<string, string | string[]>, body?: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const session = h2Connect(`https://127.0.0.1:${port}`, { rejectUnauthorized: false });
    session.on('error', reject);
    const req = session.request(headers, { endStream: body === undefined });
    req.setTimeout(10_000, () => req.destroy(new Error('no HTTP/2 answer within 10 s')));
    let status = 0;
    let text = '';
    req.setEncoding('utf8');
    req.on('response', (h) => (status = Number(h[':status'])));
    req.on('data', (d: string) => (text += d));
    req.on('end', () => {
      session.close();
      resolve({ status, body: text });
    });
    req.on('error', (e) => {
      session.destroy();
      reject(e);
    });
    if (body !== undefined) {
      req.write(body.subarray(0, body.length >> 1));
      req.end(body.subarray(body.length >> 1));
    }
  });
}
