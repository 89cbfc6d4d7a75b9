// A WebSocket (or any Upgrade) tunnel after the upstream's 101: bytes both ways with back-pressure,
// closed on either side's end or error, and after `idleMs` without traffic (nginx applies
// proxy_read_timeout to an upgraded connection, 60 s by default).
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { writeCopy } from '../write-copies.js';
import { routeSocket } from './pool.js';

export function openTunnel(client: Duplex, upstream: Socket, idleMs: number, onClose: () => void): void {
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    client.destroy();
    upstream.destroy();
    onClose();
  };
  client.on('error', close);
  upstream.on('error', close);
  client.on('close', close);
  upstream.on('close', close);
  upstream.setTimeout(idleMs, close);
  // A half-close is passed on; the other side's close then ends the tunnel.
  client.pipe(upstream);
  // A pool socket reading into the shared buffer emits no 'data' (pool.ts): its reads come
  // through the pool's routing, copied (write-copies.ts) before they are queued on the client.
  const routed = routeSocket(upstream, {
    onSocketData: (chunk) => {
      if (!writeCopy(client, chunk)) upstream.pause();
    },
    onSocketEnd: () => client.end(),
    onSocketError: close,
    onSocketClose: close,
  });
  if (routed) client.on('drain', () => upstream.resume());
  else upstream.pipe(client);
  upstream.resume();
}
