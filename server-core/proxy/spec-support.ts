// Test helpers for the proxy specs: plain HTTP requests with full control over the request
// line and headers (fetch would normalise `..` and add a Host), and config fixtures.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { configSchema, type BerthConfig, type BerthConfigInput } from '../config/schema.js';

export interface TestResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface TestRequestOptions {
  method?: string;
  /** Host header; null sends none. Default `a.test`. */
  host?: string | null;
  headers?: Record<string, string>;
  address?: string;
  timeoutMs?: number;
  /** A request body, sent as given (set Content-Length in `headers`). */
  body?: string;
}

export function get(port: number, path: string, options: TestRequestOptions = {}): Promise<TestResponse> {
  const { method = 'GET', host = 'a.test', headers = {}, address = '127.0.0.1', timeoutMs = 5000, body } = options;
  return new Promise((resolvePromise, reject) => {
    const req = httpRequest(
      { host: address, port, path, method, setHost: false, agent: false, headers: host === null ? headers : { host, ...headers }, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer to ${method} ${path} within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Sends `text` as is and returns everything the server wrote until it closed (or the timeout). */
export function rawExchange(port: number, text: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolvePromise(received);
    }, timeoutMs);
    socket.on('connect', () => socket.write(text));
    socket.on('data', (d) => (received += d.toString('latin1')));
    socket.on('close', () => {
      clearTimeout(timer);
      resolvePromise(received);
    });
    socket.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** A config with zod defaults applied, as the supervisor sends it. */
export function testConfig(sites: NonNullable<BerthConfigInput['sites']>): BerthConfig {
  return configSchema.parse({ schemaVersion: 1, settings: { httpPort: 0, httpsPort: 0 }, sites });
}
