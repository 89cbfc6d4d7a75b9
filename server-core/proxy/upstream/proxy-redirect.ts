// nginx `proxy_redirect default`: an upstream's Location and Refresh that point at the address
// the proxy used (`http://127.0.0.1:3000/app2/next`, or `http://backend/x` built by an app from
// the Host header it got, `$proxy_host`) are turned back into the client's view of the site —
// what a browser can follow. nginx's default pattern is the proxy_pass URL with the location's
// path as replacement, or, without a URI part, `URL/` → `/`; a rewritten Location is then made
// absolute with the request's scheme, Host and port, as any redirect of nginx's own
// (absolute_redirect on). A Location the pattern does not match — a relative one included —
// passes untouched.
import { sameLower } from '../http-grammar.js';
import type { CompiledLocation } from '../locations.js';

export interface RedirectRewrite {
  /** A prefix, compared with case as nginx does. */
  readonly from: string;
  readonly to: string;
}

/**
 * The default rewrite for `proxy_pass http://<proxyHost><uri>` in `location`; null for a regex
 * location with a URI part (nginx refuses that combination, so there is no default to follow).
 */
export function defaultRedirect(proxyHost: string, uri: string | null, location: CompiledLocation | null): RedirectRewrite | null {
  if (uri === null) return { from: `http://${proxyHost}/`, to: '/' };
  if (!location || location.implicit || location.regex !== null) return null;
  return { from: `http://${proxyHost}${uri}`, to: location.match.path };
}

/**
 * `rawHeaders` with Location and Refresh (`5; url=…`) rewritten; the same array when nothing
 * matched. `absolute` makes a rewritten Location that starts with `/` absolute.
 */
export function rewriteRedirects(rawHeaders: readonly string[], r: RedirectRewrite, absolute: (path: string) => string): readonly string[] {
  let out: string[] | null = null;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] ?? '';
    const value = rawHeaders[i + 1] ?? '';
    let next: string | null = null;
    if (name.length === 8 && sameLower(name, 'location')) {
      const rewritten = replacePrefix(value, r);
      if (rewritten !== null) next = rewritten.startsWith('/') ? absolute(rewritten) : rewritten;
    } else if (name.length === 7 && sameLower(name, 'refresh')) {
      // nginx rewrites the URL after `url=` only, and leaves it as it comes out.
      const at = value.search(/url=/i);
      if (at >= 0) {
        const rewritten = replacePrefix(value.slice(at + 4), r);
        if (rewritten !== null) next = value.slice(0, at + 4) + rewritten;
      }
    }
    if (next !== null) {
      out ??= rawHeaders.slice();
      out[i + 1] = next;
    }
  }
  return out ?? rawHeaders;
}

function replacePrefix(value: string, r: RedirectRewrite): string | null {
  return value.startsWith(r.from) ? r.to + value.slice(r.from.length) : null;
}
