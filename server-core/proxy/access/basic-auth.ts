// nginx `auth_basic`: the Basic scheme of RFC 7617. No or bad credentials → 401 with a
// `WWW-Authenticate: Basic realm="…"` challenge; a missing user file → 403, an unreadable one →
// 500 (nginx 1.22's ngx_http_auth_basic_handler: ENOENT is NGX_HTTP_FORBIDDEN).
// User and password are bytes, as nginx compares them: RFC 7617 only suggests UTF-8 (its
// `charset` parameter), and clients send what they have (Java's default Authenticator: Latin-1).
// Decoding them as UTF-8 turned every invalid byte into U+FFFD: a right Latin-1 password failed and
// two different wrong ones could match a stored password holding U+FFFD.
import type { HtpasswdStore } from './htpasswd-store.js';

export interface Credentials {
  /** The user name's bytes, one latin1 character per byte (how header values are kept here). */
  user: string;
  /** The password's bytes. */
  password: Buffer;
}

/** `Basic base64(user:password)`; the scheme is case-insensitive (RFC 9110 §11.1). */
export function parseBasicAuthorization(header: string | undefined): Credentials | null {
  if (header === undefined) return null;
  const m = /^basic[ \t]+([A-Za-z0-9+/]+={0,2})[ \t]*$/i.exec(header);
  if (!m) return null;
  const decoded = Buffer.from(m[1] ?? '', 'base64');
  const colon = decoded.indexOf(0x3a);
  // nginx: no colon, or nothing before it, is no credentials at all.
  if (colon <= 0) return null;
  return { user: decoded.toString('latin1', 0, colon), password: decoded.subarray(colon + 1) };
}

/** A user name (bytes as latin1 characters) for a log message: its UTF-8 reading. */
export function shownUser(user: string): string {
  return Buffer.from(user, 'latin1').toString('utf8');
}

/**
 * RFC 9110 §5.6.4 quoted-string: `"` and `\` escaped; control characters dropped. The realm's
 * UTF-8 bytes, one latin1 character each: the header writers send a value's characters as bytes,
 * so `ü` went out as the single byte 0xFC and `日本` as their low bytes; nginx sends the bytes of
 * the configured text.
 */
export function basicChallenge(realm: string): string {
  // eslint-disable-next-line no-control-regex
  const quoted = `Basic realm="${realm.replace(/[\x00-\x1f\x7f]/g, '').replace(/["\\]/g, '\\$&')}"`;
  return Buffer.from(quoted, 'utf8').toString('latin1');
}

export type AuthOutcome =
  | { kind: 'ok'; user: string }
  | { kind: 'challenge'; reason: string | null }
  | { kind: 'error'; status: 403 | 500; reason: string };

export async function checkBasicAuth(store: HtpasswdStore, htpasswdFile: string, authorization: string | undefined): Promise<AuthOutcome> {
  const creds = parseBasicAuthorization(authorization);
  if (!creds) {
    // nginx logs nothing for a missing header (the browser's first try); it logs a malformed one.
    return { kind: 'challenge', reason: authorization === undefined ? null : 'no user/password was provided for basic authentication' };
  }
  let result;
  try {
    result = await store.check(htpasswdFile, creds.user, creds.password);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { kind: 'error', status: code === 'ENOENT' ? 403 : 500, reason: `open() "${htpasswdFile}" failed (${code ?? (e as Error).message})` };
  }
  if (result === 'ok') return { kind: 'ok', user: creds.user };
  if (result === 'unknown-user') return { kind: 'challenge', reason: `user "${shownUser(creds.user)}" was not found in "${htpasswdFile}"` };
  return { kind: 'challenge', reason: `user "${shownUser(creds.user)}": password mismatch` };
}
