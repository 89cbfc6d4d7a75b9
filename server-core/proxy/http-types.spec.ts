// The transports' request/response objects satisfy the handler interfaces (checked by the compiler),
// and a node:http server can still drive the pipeline types at run time.
import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { describe, it } from 'node:test';
import type { ProxyRequest, ProxyResponse } from './http-types.js';

// Compile-time conformance: a type error here means the interface drifted from a transport.
type Conforms<T, U extends T> = U;
export type NodeHttpRequestConforms = Conforms<ProxyRequest, IncomingMessage>;
export type NodeHttpResponseConforms = Conforms<ProxyResponse, ServerResponse>;
export type Http2RequestConforms = Conforms<ProxyRequest, Http2ServerRequest>;
export type Http2ResponseConforms = Conforms<ProxyResponse, Http2ServerResponse>;

describe('http-types', () => {
  it('a node:http request/response pair works through the narrow interfaces', async () => {
    const server = createServer((rawReq, rawRes) => {
      const req: ProxyRequest = rawReq;
      const res: ProxyResponse = rawRes;
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        res.setHeader('X-Method', req.method ?? '');
        res.statusCode = 201;
        res.end(`${req.httpVersion} ${body}`);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const answer = await new Promise<{ status: number; method: string; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'PUT', path: '/' }, (res) => {
        let b = '';
        res.on('data', (c: Buffer) => (b += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, method: String(res.headers['x-method']), body: b }));
      });
      req.on('error', reject);
      req.end('hi');
    });
    server.close();
    assert.deepEqual(answer, { status: 201, method: 'PUT', body: '1.1 hi' });
  });
});
