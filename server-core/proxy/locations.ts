// Phase 2: find the location inside a site. nginx's order
// (https://nginx.org/en/docs/http/ngx_http_core_module.html#location):
// 1. an `=` location equal to the URI wins at once;
// 2. otherwise remember the longest matching prefix; if it is `^~`, it wins;
// 3. otherwise regex locations (`~`, `~*`) in config order, the first match wins;
// 4. otherwise the remembered longest prefix.
import type { ErrorPage, Handler, LocationMatch } from '../config/schema.js';
import { compileNginxRegex } from './server-names.js';
import { NO_REWRITES, type CompiledRewrite } from './rewrite.js';

export interface CompiledLocation {
  readonly match: LocationMatch;
  readonly handler: Handler;
  /** Set for `regex` / `regex-i` locations. */
  readonly regex: RegExp | null;
  /** True for the site-level location a site gets when none of its locations match (nginx serves with server-level settings). */
  readonly implicit: boolean;
  /** nginx `internal`: only internal redirects may select it; a client request gets 404 (pipeline.ts). */
  readonly internal: boolean;
  /** nginx `rewrite` rules of the location, run after it is chosen (pipeline.ts). */
  readonly rewrites: readonly CompiledRewrite[];
  /** nginx `error_page`: status → the page that replaces it here (the location's own list, else the site's); null = none. */
  readonly errorPages: ErrorPageTable;
  /** nginx `*_intercept_errors on`: an upstream answer with a status in `errorPages` gets the page. */
  readonly interceptErrors: boolean;
}

export type ErrorPageTable = ReadonlyMap<number, ErrorPage> | null;

/** Status → entry, the first entry naming a status winning as in nginx; null for an empty list. */
export function compileErrorPages(pages: readonly ErrorPage[] | undefined): ErrorPageTable {
  if (!pages || pages.length === 0) return null;
  const table = new Map<number, ErrorPage>();
  for (const page of pages) for (const code of page.codes) if (!table.has(code)) table.set(code, page);
  return table;
}

export interface LocationFlags {
  implicit?: boolean;
  internal?: boolean;
  errorPages?: ErrorPageTable;
  interceptErrors?: boolean;
  rewrites?: readonly CompiledRewrite[];
}

/** Regex captures, usable as `$1`…`$9` and `$name` in alias and return (like nginx). */
export interface Captures {
  readonly positional: readonly string[];
  readonly named: Readonly<Record<string, string>>;
}

export const NO_CAPTURES: Captures = { positional: [], named: {} };

export interface LocationHit {
  location: CompiledLocation;
  captures: Captures;
  /**
   * nginx's auto_redirect: the URI is a `*_pass` prefix location's path without its trailing
   * slash (`/app` for `location /app/ { proxy_pass … }`): answered with 301 to the location's path.
   */
  slashRedirect?: true;
}

/** Handlers that pass requests on (nginx sets auto_redirect for proxy_pass, uwsgi_pass, fastcgi_pass…). */
const PASSING = new Set(['proxy', 'uwsgi', 'fastcgi', 'app']);

export function compileLocation(match: LocationMatch, handler: Handler, flags: LocationFlags = {}): CompiledLocation {
  let regex: RegExp | null = null;
  if (match.kind === 'regex' || match.kind === 'regex-i') {
    regex = compileNginxRegex(match.path, match.kind === 'regex-i');
  }
  return { match, handler, regex, implicit: flags.implicit ?? false, internal: flags.internal ?? false, errorPages: flags.errorPages ?? null, interceptErrors: flags.interceptErrors ?? false, rewrites: flags.rewrites ?? NO_REWRITES };
}

export function selectLocation(locations: readonly CompiledLocation[], uri: string): LocationHit | null {
  let longest: CompiledLocation | null = null;
  let slashOf: CompiledLocation | null = null;
  for (const loc of locations) {
    const { kind, path } = loc.match;
    if (kind === 'exact') {
      if (path === uri) return { location: loc, captures: NO_CAPTURES };
    } else if (kind === 'prefix' || kind === 'prefix-stop') {
      if (uri.startsWith(path) && (longest === null || path.length > longest.match.path.length)) longest = loc;
      else if (path.length === uri.length + 1 && path.endsWith('/') && path.startsWith(uri) && PASSING.has(loc.handler.type)) slashOf = loc;
    }
  }
  // nginx decides this in the prefix search, before any regex location is tried.
  if (slashOf) return { location: slashOf, captures: NO_CAPTURES, slashRedirect: true };
  if (longest?.match.kind === 'prefix-stop') return { location: longest, captures: NO_CAPTURES };
  for (const loc of locations) {
    if (loc.regex === null) continue;
    const m = loc.regex.exec(uri);
    if (m) {
      return {
        location: loc,
        captures: { positional: Array.from(m, (s) => s ?? ''), named: { ...(m.groups ?? {}) } },
      };
    }
  }
  return longest ? { location: longest, captures: NO_CAPTURES } : null;
}
