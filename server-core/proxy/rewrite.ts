// nginx `rewrite` (ngx_http_rewrite_module, ngx_http_script_regex_start/end_code in nginx 1.22),
// run by the pipeline at server level (before a location is chosen) and in the chosen location.
// - The regex is matched against the normalised URI (`$uri`, no query). A match replaces the
//   request's captures (`$1`…`$9`, named groups); a failed match clears the numbered ones.
// - A replacement starting with `http://`, `https://` or `$scheme`, or a `redirect`/`permanent`
//   flag, answers 302/301 with that Location (a relative one made absolute as for `return`).
// - Otherwise the URI (and maybe the query) change: the part before a `?` written in the
//   replacement is the new URI, the part after it the new args. The request's own args are kept
//   (appended after `&` to the replacement's) unless the replacement ends in `?`.
// - Captures copied into the args or a redirect are %-escaped (nginx NGX_ESCAPE_ARGS) when the
//   request's path was sent with a `%` or `+` (nginx quoted_uri / plus_in_uri), so a decoded
//   `&` or space does not change the query's meaning; a redirect is then unescaped again for the
//   characters that are safe in a URL (NGX_UNESCAPE_REDIRECT).
// - A changed URI makes the request internal (an `internal` location may then be chosen).
import { compilePcre } from '../config/pcre.js';
import type { Rewrite } from '../config/schema.js';
import { BerthError } from '../errors.js';
import type { Captures } from './locations.js';
import type { RequestContext } from './request-context.js';
import { logRequestError, sendErrorPage, sendRedirect } from './respond.js';
import { expandVariables, requestUri, type HandlerVariables } from './variables.js';

export interface CompiledRewrite {
  readonly regex: RegExp;
  /** The replacement as written, without nginx's trailing `?`. */
  readonly replacement: string;
  readonly flag: Rewrite['flag'];
  /** 301/302 for a redirecting rule, else 0. */
  readonly redirectStatus: 0 | 301 | 302;
  /** The request's args go on after the rewrite (no trailing `?` in the replacement). */
  readonly keepArgs: boolean;
}

/** What a list of rewrites did. */
export type RewriteOutcome =
  /** No rule changed the URI. */
  | 'unchanged'
  /** A rule without a flag changed it and the list ran to its end. */
  | 'changed'
  /** A `last` rule stopped the list. */
  | 'last'
  /** A `break` rule stopped the list. */
  | 'break'
  /** A redirect (or nginx's 500 for an empty URI) was sent. */
  | 'answered';

const EXTERNAL = /^(?:https?:\/\/|\$scheme)/;

/** Throws BerthError `BERTH_ERR_CONFIG_INVALID` for a regex the config checks would have refused. */
export function compileRewrite(r: Rewrite): CompiledRewrite {
  const compiled = compilePcre(r.pattern);
  if (!compiled.ok) throw new BerthError('BERTH_ERR_CONFIG_INVALID', `invalid rewrite regex "${r.pattern}": ${compiled.problem}`);
  // nginx checks the trailing `?` first, then the scheme, then the flag.
  const keepArgs = !r.replacement.endsWith('?');
  const replacement = keepArgs ? r.replacement : r.replacement.slice(0, -1);
  const redirectStatus = r.flag === 'permanent' ? 301 : r.flag === 'redirect' || EXTERNAL.test(replacement) ? 302 : 0;
  return { regex: compiled.regex, replacement, flag: r.flag, redirectStatus, keepArgs };
}

export function compileRewrites(list: readonly Rewrite[] | undefined): readonly CompiledRewrite[] {
  return list === undefined || list.length === 0 ? NO_REWRITES : list.map(compileRewrite);
}

export const NO_REWRITES: readonly CompiledRewrite[] = [];

/** Runs `rules` in order on the request, as nginx's rewrite phase does. */
export function runRewrites(ctx: RequestContext, rules: readonly CompiledRewrite[]): RewriteOutcome {
  let changed = false;
  for (const rule of rules) {
    const m = rule.regex.exec(ctx.uri);
    if (m === null) {
      // nginx sets r->ncaptures = 0 on a failed match; named captures are variables and stay.
      ctx.captures = { positional: [], named: ctx.captures.named };
      continue;
    }
    ctx.captures = { positional: Array.from(m, (s) => s ?? ''), named: { ...ctx.captures.named, ...(m.groups ?? {}) } };
    if (rule.redirectStatus !== 0) {
      sendRedirect(ctx, rule.redirectStatus, redirectTarget(ctx, rule));
      return 'answered';
    }
    const q = rule.replacement.indexOf('?');
    const uri = expandVariables(q < 0 ? rule.replacement : rule.replacement.slice(0, q), ctx);
    if (q >= 0) {
      const own = expandVariables(rule.replacement.slice(q + 1), ctx, escapedCaptures(ctx));
      ctx.args = rule.keepArgs && ctx.args !== '' ? `${own}&${ctx.args}` : own;
    } else if (!rule.keepArgs) ctx.args = '';
    if (uri === '') {
      logRequestError(ctx, 'error', 'the rewritten URI has a zero length');
      sendErrorPage(ctx, 500);
      return 'answered';
    }
    ctx.uri = uri;
    ctx.rewritten = true;
    changed = true;
    if (rule.flag === 'last') return 'last';
    if (rule.flag === 'break') {
      ctx.rewriteBreak = true;
      return 'break';
    }
  }
  return changed ? 'changed' : 'unchanged';
}

/** The Location of a redirecting rule: the whole replacement (a `?` in it does not split), then the request's args. */
function redirectTarget(ctx: RequestContext, rule: CompiledRewrite): string {
  const target = unescapeForRedirect(expandVariables(rule.replacement, ctx, escapedCaptures(ctx)));
  if (!rule.keepArgs || ctx.args === '') return target;
  return `${target}${rule.replacement.includes('?') ? '&' : '?'}${ctx.args}`;
}

/** Captures %-escaped for the args or a redirect when the request's path held `%` or `+` (nginx quoted_uri, plus_in_uri). */
function escapedCaptures(ctx: RequestContext): HandlerVariables | undefined {
  const sent = requestUri(ctx);
  const q = sent.indexOf('?');
  const path = q < 0 ? sent : sent.slice(0, q);
  if (!path.includes('%') && !path.includes('+')) return undefined;
  const captures: Captures = ctx.captures;
  return (name) => {
    if (/^\d$/.test(name)) return escapeArgs(captures.positional[Number(name)] ?? '');
    return undefined;
  };
}

/** nginx ngx_escape_uri(NGX_ESCAPE_ARGS): controls, space, non-ASCII and `"#%&+;<>?\^\`{|}`. */
export function escapeArgs(value: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/[\x00-\x20"#%&+;<>?\\^`{|}\x7f-\uffff]/.test(value)) return value;
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += byte <= 0x20 || byte >= 0x7f || '"#%&+;<>?\\^`{|}'.includes(c) ? `%${byte.toString(16).toUpperCase().padStart(2, '0')}` : c;
  }
  return out;
}

/**
 * nginx ngx_unescape_uri(NGX_UNESCAPE_REDIRECT) on a redirect: `%XX` of a printable character
 * above `%` is decoded, others stay escaped; decoding stops at the first `?` (written or decoded).
 */
export function unescapeForRedirect(s: string): string {
  if (!s.includes('%')) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === '?') return out + s.slice(i);
    const hex = s.slice(i + 1, i + 3);
    if (c !== '%' || !/^[0-9a-fA-F]{2}$/.test(hex)) {
      out += c;
      continue;
    }
    const code = parseInt(hex, 16);
    i += 2;
    if (code === 0x3f) return `${out}?${s.slice(i + 1)}`;
    out += code > 0x25 && code < 0x7f ? String.fromCharCode(code) : `%${hex}`;
  }
  return out;
}
