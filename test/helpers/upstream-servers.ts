// Real upstream servers for reverse-proxy tests: node:http on 127.0.0.1 port 0, each tagged with
// a name, echoing what it received; plus a killable variant and a WebSocket echo (ws).
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer } from 'ws';

export interface EchoAnswer {
  server: string;
  method: string;
  url: string;
  rawHeaders: string[];
}

export interface TestUpstream {
  name: string;
  port: number;
  server: Server;
  /** Requests served, by path. */
  hits: number;
  /** Stops listening and cuts every open connection (a crashed server). */
  kill(): Promise<void>;
}

/**
 * Routes: `/big?bytes=N` streams N bytes (sha256 in a trailer-free header), `/upload` answers the
 * sha256 and length of the body, `/slow?ms=N` waits before the head, `/hop` answers with hop-by-hop
 * headers, anything else echoes method, URL and raw headers as JSON.
 */
export async function startUpstream(name: string, handler?: (req: IncomingMessage, res: ServerResponse) => boolean): Promise<TestUpstream> {
  const sockets = new Set<Socket>();
  const up: TestUpstream = {
    name,
    port: 0,
    server: null as unknown as Server,
    hits: 0,
    kill: async () => {
      up.server.close();
      for (const s of sockets) s.destroy();
      up.server.closeAllConnections?.();
      if (up.server.listening) await once(up.server, 'close');
    },
  };
  const server = createServer((req, res) => {
    up.hits++;
    if (handler?.(req, res)) return;
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname.endsWith('/big')) {
      const total = Number(url.searchParams.get('bytes') ?? '0');
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(total), 'X-Server': name });
      const block = Buffer.alloc(64 * 1024, 'abcdefghijklmnopqrstuvwxyz');
      let sent = 0;
      const pump = (): void => {
        while (sent < total) {
          const n = Math.min(block.length, total - sent);
          sent += n;
          if (!res.write(n === block.length ? block : block.subarray(0, n))) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      res.on('close', () => res.removeAllListeners('drain'));
      pump();
      return;
    }
    if (url.pathname.endsWith('/upload')) {
      const hash = createHash('sha256');
      let length = 0;
      req.on('data', (c: Buffer) => {
        length += c.length;
        hash.update(c);
      });
      req.on('end', () => {
        const body = JSON.stringify({ server: name, length, sha256: hash.digest('hex'), te: req.headers['transfer-encoding'] ?? null, cl: req.headers['content-length'] ?? null });
        res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
        res.end(body);
      });
      return;
    }
    if (url.pathname.endsWith('/slow')) {
      const timer = setTimeout(() => res.end('late'), Number(url.searchParams.get('ms') ?? '1000'));
      res.on('close', () => clearTimeout(timer));
      return;
    }
    if (url.pathname.endsWith('/hop')) {
      res.writeHead(200, [
        ['Content-Type', 'text/plain'],
        ['Connection', 'X-Resp-Hop'],
        ['X-Resp-Hop', 'secret'],
        ['Keep-Alive', 'timeout=5'],
        ['X-Powered-By', 'test'],
        ['Set-Cookie', 'a=1'],
        ['Set-Cookie', 'b=2'],
        ['X-Server', name],
      ].flat() as unknown as string[]);
      res.end('hop');
      return;
    }
    const answer: EchoAnswer = { server: name, method: req.method ?? '', url: req.url ?? '', rawHeaders: req.rawHeaders };
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'X-Server': name });
      res.end(JSON.stringify(answer));
    });
  });
  server.keepAliveTimeout = 30_000;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  // WebSocket echo on /ws.
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    if (!(req.url ?? '').endsWith('/ws')) {
      // Declines the upgrade with an ordinary answer (RFC 9110 §7.8: the server may ignore Upgrade).
      up.hits++;
      const body = JSON.stringify({ server: name, method: req.method ?? '', url: req.url ?? '', rawHeaders: req.rawHeaders } satisfies EchoAnswer);
      socket.end(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => ws.on('message', (data, binary) => ws.send(binary ? data : `${name}:${String(data)}`)));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  up.server = server;
  up.port = (server.address() as AddressInfo).port;
  return up;
}

/** A port with nothing listening (bound once, then closed). */
export async function closedPort(): Promise<number> {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as AddressInfo).port;
  s.close();
  await once(s, 'close');
  return port;
}
