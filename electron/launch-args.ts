// Flags the desktop app understands, the same spelling as `berth serve` (CLI contract):
// `npm start -- --data-dir X --admin-port N`. Chromium's own switches pass through untouched.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

export interface LaunchArgs {
  dataDir?: string;
  adminPort?: number;
  httpPort?: number;
  httpsPort?: number;
}

function port(flag: string, value: string | boolean | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'string' && /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!(n >= 0 && n <= 65535)) throw new Error(`--${flag} takes a port number from 0 to 65535 (got ${String(value)})`);
  return n;
}

/** Parses the arguments after the executable (and after the app path when run as `electron .`). */
export function parseLaunchArgs(args: readonly string[], cwd: string = process.cwd()): LaunchArgs {
  const { values } = parseArgs({
    args: [...args],
    strict: false,
    allowPositionals: true,
    options: {
      'data-dir': { type: 'string' },
      'admin-port': { type: 'string' },
      'http-port': { type: 'string' },
      'https-port': { type: 'string' },
    },
  });
  const out: LaunchArgs = {};
  const dataDir = values['data-dir'];
  if (dataDir !== undefined) {
    if (typeof dataDir !== 'string' || dataDir === '') throw new Error('--data-dir takes a folder path');
    out.dataDir = resolve(cwd, dataDir);
  }
  const adminPort = port('admin-port', values['admin-port']);
  if (adminPort !== undefined) out.adminPort = adminPort;
  const httpPort = port('http-port', values['http-port']);
  if (httpPort !== undefined) out.httpPort = httpPort;
  const httpsPort = port('https-port', values['https-port']);
  if (httpsPort !== undefined) out.httpsPort = httpsPort;
  return out;
}
