// Phase 0 of every request: turn the raw request-target into the decoded, normalised URI that
// location matching and file mapping work on. nginx semantics (ngx_http_parse_complex_uri):
// decode %XX once, merge slashes, resolve `.`/`..` segments, and refuse what would let a
// request name a file outside the document root.

export type TargetResult =
  | {
      ok: true;
      /** Decoded, normalised path, always starting with `/`. */
      path: string;
      /** Query string without the `?` (still encoded, like nginx `$args`). */
      args: string;
      /** Host from an absolute-form target (`GET http://host/path`), which overrides the Host header (RFC 9112 §3.2.2). */
      host: string | null;
      /** The path held an encoded slash (%2F), decoded to `/` before normalisation, as nginx does; the static handler refuses it. */
      encodedSlash: boolean;
    }
  | { ok: false; reason: string };

const ABSOLUTE_FORM = /^https?:\/\/([^/?#]*)(.*)$/is;

export function parseRequestTarget(raw: string): TargetResult {
  let host: string | null = null;
  let rest = raw;
  const absolute = ABSOLUTE_FORM.exec(raw);
  if (absolute) {
    host = absolute[1] ?? '';
    rest = absolute[2] ?? '';
    if (rest === '' || rest.startsWith('?')) rest = `/${rest}`;
  }
  if (!rest.startsWith('/')) return { ok: false, reason: 'the request target must start with "/"' };

  const hash = rest.indexOf('#');
  if (hash !== -1) rest = rest.slice(0, hash);
  const q = rest.indexOf('?');
  const rawPath = q === -1 ? rest : rest.slice(0, q);
  const args = q === -1 ? '' : rest.slice(q + 1);

  const decoded = decodePath(rawPath);
  if (!decoded.ok) return decoded;
  const path = normalizePath(decoded.path);
  if (path === null) return { ok: false, reason: 'the path climbs above the root with ".."' };
  return { ok: true, path, args, host, encodedSlash: decoded.encodedSlash };
}

/**
 * Percent-decodes a path exactly once, before normalisation, so an encoded slash (%2F) is a
 * separator like any other and `..%2F` cannot climb past it. A proxied location passes such a
 * path on (GitLab's `group%2Fproject`, npm's `@scope%2Fname`); the static handler refuses it
 * (`encodedSlash`). Refuses NUL, backslashes (a separator on Windows, raw or %5C), malformed
 * escapes and bytes that are not UTF-8.
 */
export function decodePath(rawPath: string): { ok: true; path: string; encodedSlash: boolean } | { ok: false; reason: string } {
  // Fast path: plain ASCII without escapes or backslashes decodes to itself.
  if (isPlainAscii(rawPath)) return { ok: true, path: rawPath, encodedSlash: false };
  let encodedSlash = false;
  const bytes: number[] = [];
  for (let i = 0; i < rawPath.length; i++) {
    const code = rawPath.charCodeAt(i);
    if (code === 0x25 /* % */) {
      const hex = rawPath.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) return { ok: false, reason: 'malformed percent-encoding in the path' };
      const byte = parseInt(hex, 16);
      if (byte === 0x2f) encodedSlash = true;
      if (byte === 0) return { ok: false, reason: 'a NUL byte in the path' };
      if (byte === 0x5c) return { ok: false, reason: 'a backslash in the path' };
      bytes.push(byte);
      i += 2;
    } else if (code === 0) {
      return { ok: false, reason: 'a NUL byte in the path' };
    } else if (code === 0x5c) {
      return { ok: false, reason: 'a backslash in the path' };
    } else if (code <= 0xff) {
      // Node hands raw request bytes over as latin1 characters.
      bytes.push(code);
    } else {
      bytes.push(...Buffer.from(rawPath[i] ?? '', 'utf8'));
    }
  }
  try {
    return { ok: true, path: UTF8.decode(Uint8Array.from(bytes)), encodedSlash };
  } catch {
    return { ok: false, reason: 'the decoded path is not valid UTF-8' };
  }
}

/** Reused: decoding without `stream` keeps no state between calls. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

function isPlainAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0 || c === 0x25 /* % */ || c === 0x5c /* \ */ || c > 0x7f) return false;
  }
  return true;
}

/**
 * Merges repeated slashes and resolves `.` and `..` segments like nginx (`/a/./b` → `/a/b`,
 * `/a/..` → `/`, `/a/.` → `/a/`). Returns null when `..` would climb above `/` (nginx: 400).
 */
export function normalizePath(path: string): string | null {
  // Fast path: nothing to merge or resolve (no `//`, no segment starting with a dot).
  if (path.charCodeAt(0) === 0x2f && !path.includes('//') && !path.includes('/.')) return path;
  const segments = path.split('/');
  const out: string[] = [];
  let trailingSlash = false;
  for (let i = 1; i < segments.length; i++) {
    const segment = segments[i] ?? '';
    const last = i === segments.length - 1;
    if (segment === '' || segment === '.') {
      if (last) trailingSlash = true;
      continue;
    }
    if (segment === '..') {
      if (out.length === 0) return null;
      out.pop();
      if (last) trailingSlash = true;
      continue;
    }
    out.push(segment);
  }
  if (out.length === 0) return '/';
  return `/${out.join('/')}${trailingSlash ? '/' : ''}`;
}
