// Who may talk to the admin API. It listens on loopback only, and that is not enough on its own:
// a web page in the user's browser can still send requests to 127.0.0.1 (and DNS rebinding can make
// it look same-origin), so every request must carry the token, name our Host exactly, and come from
// no foreign Origin.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** The loopback names a browser or client may use for the admin API on `port`. */
export function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
}

export function isAllowedHost(host: string | undefined, port: number): boolean {
  if (!host) return false;
  return allowedHosts(port).includes(host.toLowerCase());
}

/** A present Origin must be the dashboard's own (any of the allowed loopback names, http). */
export function isAllowedOrigin(origin: string | undefined, port: number): boolean {
  if (origin === undefined) return true;
  return allowedHosts(port).some((h) => origin.toLowerCase() === `http://${h}`);
}

/** Cookie names are per port: cookies ignore ports, and two Berth instances must not clobber each other. */
export function tokenCookieName(port: number): string {
  return `berth_token_${port}`;
}

export function tokenFromHeaders(headers: IncomingHttpHeaders, port: number): string | undefined {
  const auth = headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice('Bearer '.length).trim();
  const cookie = headers.cookie;
  if (!cookie) return undefined;
  const name = tokenCookieName(port);
  for (const part of cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/** Constant-time comparison (hashing first makes the lengths equal). */
export function tokensEqual(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export type GuardResult = { ok: true } | { ok: false; status: 401 | 403; code: 'BERTH_ERR_UNAUTHORIZED' | 'BERTH_ERR_FORBIDDEN_HOST' | 'BERTH_ERR_FORBIDDEN_ORIGIN'; message: string };

/** Host and Origin checks, applied to every request (dashboard files too). */
export function checkHostAndOrigin(headers: IncomingHttpHeaders, port: number): GuardResult {
  if (!isAllowedHost(headers.host, port)) {
    return { ok: false, status: 403, code: 'BERTH_ERR_FORBIDDEN_HOST', message: `the admin API answers only to Host ${allowedHosts(port).join(', ')}` };
  }
  const origin = headers.origin;
  if (!isAllowedOrigin(typeof origin === 'string' ? origin : undefined, port)) {
    return { ok: false, status: 403, code: 'BERTH_ERR_FORBIDDEN_ORIGIN', message: 'requests from other origins are refused' };
  }
  return { ok: true };
}

/** Host, Origin and token: for the API and the WebSocket. */
export function checkApiRequest(headers: IncomingHttpHeaders, port: number, token: string): GuardResult {
  const hostOrigin = checkHostAndOrigin(headers, port);
  if (!hostOrigin.ok) return hostOrigin;
  if (!tokensEqual(tokenFromHeaders(headers, port), token)) {
    return {
      ok: false,
      status: 401,
      code: 'BERTH_ERR_UNAUTHORIZED',
      message: 'missing or wrong token: open the dashboard URL printed by `berth serve`, or send `Authorization: Bearer <token>` (token in admin.json)',
    };
  }
  return { ok: true };
}
