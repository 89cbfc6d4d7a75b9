// Phase 1: find the site (nginx `server`) for a request on one listen port.
// Precedence from nginx's "Server names" document (https://nginx.org/en/docs/http/server_names.html):
// exact name → longest wildcard starting with `*` → longest wildcard ending with `*` →
// first matching regex in config order → the port's default_server → the first site on the port.
import { compilePcre } from '../config/pcre.js';
import { BerthError } from '../errors.js';

export interface NameEntry<T> {
  names: readonly string[];
  defaultServer: boolean;
  value: T;
}

interface LeadingWildcard<T> {
  /** `.example.test` for both `*.example.test` and `.example.test`. */
  suffix: string;
  /** nginx `.example.test` also matches `example.test` itself. */
  matchesBare: boolean;
  value: T;
}

export interface NameIndex<T> {
  readonly exact: ReadonlyMap<string, T>;
  /** Longest first; ties keep config order (nginx ignores a later conflicting name). */
  readonly leading: readonly LeadingWildcard<T>[];
  readonly trailing: readonly { prefix: string; value: T }[];
  readonly regex: readonly { re: RegExp; value: T }[];
  readonly fallback: T | null;
}

/** nginx names are case-insensitive, except regexes (matched against the lowercased host). */
export function buildNameIndex<T>(entries: readonly NameEntry<T>[]): NameIndex<T> {
  const exact = new Map<string, T>();
  const leading: LeadingWildcard<T>[] = [];
  const trailing: { prefix: string; value: T }[] = [];
  const regex: { re: RegExp; value: T }[] = [];
  for (const entry of entries) {
    for (const name of entry.names) {
      if (name.startsWith('~')) {
        regex.push({ re: compileNginxRegex(name.slice(1)), value: entry.value });
        continue;
      }
      const lower = name.toLowerCase().replace(/\.$/, '');
      if (lower.startsWith('*.')) {
        checkNoInnerStar(name, lower.slice(2));
        leading.push({ suffix: lower.slice(1), matchesBare: false, value: entry.value });
      } else if (lower.startsWith('.') && lower.length > 1) {
        checkNoInnerStar(name, lower.slice(1));
        leading.push({ suffix: lower, matchesBare: true, value: entry.value });
      } else if (lower.endsWith('.*')) {
        checkNoInnerStar(name, lower.slice(0, -2));
        trailing.push({ prefix: lower.slice(0, -1), value: entry.value });
      } else {
        checkNoInnerStar(name, lower);
        if (!exact.has(lower)) exact.set(lower, entry.value);
      }
    }
  }
  // Array.prototype.sort is stable, so equal lengths keep config order.
  leading.sort((a, b) => b.suffix.length - a.suffix.length);
  trailing.sort((a, b) => b.prefix.length - a.prefix.length);
  const fallback = entries.find((e) => e.defaultServer)?.value ?? entries[0]?.value ?? null;
  return { exact, leading, trailing, regex, fallback };
}

function checkNoInnerStar(name: string, rest: string): void {
  if (rest.includes('*') || rest === '') {
    throw new BerthError('BERTH_ERR_CONFIG_INVALID', `invalid server name "${name}": a wildcard "*" may only stand at the start ("*.a.test") or the end ("a.*") of a name, on a dot border`);
  }
}

/** An nginx regex (PCRE) of a `~name` or a regex location, as a JavaScript RegExp (config/pcre.ts). */
export function compileNginxRegex(source: string, caseless = false): RegExp {
  // The same PCRE reading as rewrite rules (config/pcre.ts): `(?P<n>…)`, `(?i)`, POSIX classes…
  const compiled = compilePcre(source, caseless);
  if (!compiled.ok) throw new BerthError('BERTH_ERR_CONFIG_INVALID', `invalid regex "~${source}": ${compiled.problem}`);
  return compiled.regex;
}

/** The site for `host` (already normalised, or null when the request has none). */
export function selectByHost<T>(index: NameIndex<T>, host: string | null): T | null {
  if (host === null || host === '') return index.fallback;
  const exact = index.exact.get(host);
  if (exact !== undefined) return exact;
  for (const w of index.leading) {
    if ((host.length > w.suffix.length && host.endsWith(w.suffix)) || (w.matchesBare && host === w.suffix.slice(1))) return w.value;
  }
  for (const w of index.trailing) {
    if (host.length > w.prefix.length && host.startsWith(w.prefix)) return w.value;
  }
  for (const r of index.regex) {
    if (r.re.test(host)) return r.value;
  }
  return index.fallback;
}

/**
 * Normalises a Host header like nginx (ngx_http_validate_host): lowercase, drop the port and
 * a trailing dot, keep an IPv6 literal with its brackets. Returns null for a host nginx
 * refuses with 400 (empty, `..`, a path separator, control characters).
 */
export function normalizeHost(raw: string): string | null {
  let end = raw.length;
  let state: 'usual' | 'literal' | 'rest' = 'usual';
  let prevDot = -2;
  for (let i = 0; i < raw.length; i++) {
    const ch = raw.charCodeAt(i);
    if (ch === 0x2e /* . */) {
      if (prevDot === i - 1) return null;
      prevDot = i;
    } else if (ch === 0x3a /* : */) {
      if (state === 'usual') {
        end = i;
        state = 'rest';
      }
    } else if (ch === 0x5b /* [ */) {
      if (i === 0) state = 'literal';
    } else if (ch === 0x5d /* ] */) {
      if (state === 'literal') {
        end = i + 1;
        state = 'rest';
      }
    } else if (ch === 0x2f || ch === 0x5c || ch <= 0x20 || ch === 0x7f) {
      return null;
    }
  }
  if (state === 'literal') return null;
  let host = raw.slice(0, end);
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (host === '') return null;
  return host.toLowerCase();
}
