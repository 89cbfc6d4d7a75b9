// An HTTP/2 sender through curl, for requests node:http2's client refuses to make: it will not
// send a second value of a field it knows as single-valued (If-Match, Authorization…:
// ERR_HTTP2_HEADER_SINGLE_VALUE), which is exactly what nginx's duplicate-field 400 is about.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CorpusCase, Reply } from './harness.js';

/** One request over HTTP/2 (TLS, certificate not verified); `Host` becomes `:authority`, array values repeated fields. */
export function sendH2Curl(port: number, c: CorpusCase, extra: Record<string, string> = {}): Promise<Reply> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-curl-h2-'));
  const args = ['-sk', '--http2', '--max-time', '5', '-X', c.method ?? 'GET', '-D', join(dir, 'head'), '-o', join(dir, 'body')];
  for (const [name, value] of Object.entries({ Host: 'conf.test', ...c.headers, ...extra })) {
    for (const v of Array.isArray(value) ? value : [value]) args.push('-H', `${name}: ${v}`);
  }
  args.push(`https://127.0.0.1:${port}${c.path}`);
  return new Promise((resolve, reject) => {
    execFile('curl', args, (err) => {
      try {
        if (err) throw new Error(`curl ${c.path} on port ${port} failed: ${err.message}`);
        const lines = readFileSync(join(dir, 'head'), 'latin1').split('\r\n');
        const status = Number(/^HTTP\/2 (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0);
        const headers: Record<string, string> = {};
        for (const line of lines.slice(1)) {
          const colon = line.indexOf(':');
          if (colon <= 0) continue;
          const name = line.slice(0, colon).toLowerCase();
          const value = line.slice(colon + 1).trim();
          headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
        }
        resolve({ status, headers, body: readFileSync(join(dir, 'body')) });
      } catch (e) {
        reject(e as Error);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
