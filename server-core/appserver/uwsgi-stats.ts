// uWSGI's stats server (`stats = <socket>` in the generated ini): on connect it writes one JSON
// document and closes (uWSGI docs, "The uWSGI Stats Server"). Berth reads each worker's
// `requests` from it for the Apps page; gunicorn has no equivalent, so its counts stay unknown.
import { connect } from 'node:net';

/** Larger answers are cut off (a stats document is a few KiB per worker). */
const MAX_BYTES = 4 * 1024 * 1024;

/** Worker pid → requests served, or null when the stats server does not answer in time. */
export function readUwsgiStats(path: string, timeoutMs = 1000): Promise<Map<number, number> | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const done = (v: Map<number, number> | null): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(v);
    };
    const socket = connect(path);
    socket.setTimeout(timeoutMs, () => done(null));
    socket.on('error', () => done(null));
    socket.on('data', (d: Buffer) => {
      size += d.length;
      if (size > MAX_BYTES) return done(null);
      chunks.push(d);
    });
    socket.on('end', () => done(parseUwsgiStats(Buffer.concat(chunks).toString('utf8'))));
  });
}

export function parseUwsgiStats(text: string): Map<number, number> | null {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return null;
  }
  const workers = (doc as { workers?: unknown } | null)?.workers;
  if (!Array.isArray(workers)) return null;
  const out = new Map<number, number>();
  for (const w of workers as Array<{ pid?: unknown; requests?: unknown }>) {
    if (typeof w?.pid === 'number' && w.pid > 0 && typeof w.requests === 'number') out.set(w.pid, w.requests);
  }
  return out;
}
