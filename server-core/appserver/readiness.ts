// "Ready" for a socket runtime means its socket accepts a connection (like systemd's socket
// readiness or a load balancer's TCP check).
import { connect } from 'node:net';

export function parseAddress(address: string): { path: string } | { host: string; port: number } {
  if (address.startsWith('unix:')) return { path: address.slice(5) };
  const m = /^\[?([^\]]*)\]?:(\d+)$/.exec(address);
  if (!m) throw new Error(`not an address: ${address}`);
  return { host: m[1] || '127.0.0.1', port: Number(m[2]) };
}

/** One connection attempt: resolves true when the socket accepted within `timeoutMs`. */
export function probeOnce(address: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const target = parseAddress(address);
    const socket = 'path' in target ? connect({ path: target.path }) : connect({ host: target.host, port: target.port });
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
