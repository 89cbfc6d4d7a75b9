// Header rewriting between client and upstream, both ways.
// Hop-by-hop headers (RFC 9110 §7.6.1) never cross a proxy: Connection, Keep-Alive, Proxy-*,
// TE, Trailer, Transfer-Encoding, Upgrade, and every header the Connection header names.
// Towards the upstream Berth adds what nginx configs usually add by hand:
//   X-Forwarded-For (the client's list plus its address, nginx $proxy_add_x_forwarded_for),
//   X-Real-IP, X-Forwarded-Proto, X-Forwarded-Host, and Forwarded (RFC 7239, appended);
// Host is nginx's `$proxy_host` unless the location sets it.

import { isToken, sameLower, startsLower } from '../http-grammar.js';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization']);

/** Response headers nginx hides by default (proxy_hide_header): Berth writes its own Date and Server. */
const HIDDEN_BY_DEFAULT = new Set(['date', 'server', 'x-pad', 'x-accel-expires', 'x-accel-redirect', 'x-accel-limit-rate', 'x-accel-buffering', 'x-accel-charset']);

/** Shared answer for the usual case (no Connection header); never mutated. */
const NO_TOKENS: ReadonlySet<string> = new Set();

/** Lowercased names listed in Connection headers (`Connection: close, X-Foo` names x-foo). */
export function connectionTokens(rawHeaders: readonly string[]): ReadonlySet<string> {
  let names: Set<string> | null = null;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (!sameLower(rawHeaders[i] as string, 'connection')) continue;
    const value = rawHeaders[i + 1] ?? '';
    // The usual values name no field to drop (Keep-Alive is hop-by-hop anyway): no split, no Set.
    if (sameLower(value, 'keep-alive') || sameLower(value, 'close')) continue;
    for (const t of value.split(',')) {
      const name = t.trim().toLowerCase();
      if (name !== '') (names ??= new Set()).add(name);
    }
  }
  return names ?? NO_TOKENS;
}

/** Lowercased header names, memoised: the same few names arrive on every request and response. */
const lowerNames = new Map<string, string>();
export function lowerName(name: string): string {
  let lower = lowerNames.get(name);
  if (lower === undefined) {
    lower = name.toLowerCase();
    // Bounded: odd names from clients must not grow it without limit.
    if (lowerNames.size >= 1024) lowerNames.clear();
    lowerNames.set(name, lower);
  }
  return lower;
}

export function isHopByHop(lowerName: string, named: ReadonlySet<string>): boolean {
  return HOP_BY_HOP.has(lowerName) || lowerName.startsWith('proxy-') || named.has(lowerName);
}

export type RequestBodyFraming = { kind: 'none' } | { kind: 'length'; length: number } | { kind: 'chunked' };

export interface UpstreamRequestSpec {
  method: string;
  /** Path and query sent to the upstream. */
  target: string;
  /** The client's headers as received. */
  rawHeaders: readonly string[];
  /** nginx `$proxy_host`: the Host sent unless `setHeaders` overrides it. */
  proxyHost: string;
  clientAddress: string;
  /** `http` or `https`: the scheme the client used. */
  scheme: string;
  /** The client's Host header as sent (with port), or null. */
  clientHost: string | null;
  body: RequestBodyFraming;
  /** The Upgrade token to pass on (a WebSocket handshake), or null. */
  upgrade: string | null;
  /** Keep the connection for another request (a pool exists). */
  keepAlive: boolean;
  /** nginx `proxy_set_header`, already expanded; an empty value removes the header. Lowercased names. */
  setHeaders: ReadonlyMap<string, { name: string; value: string }>;
}

/** Header names Berth writes itself towards the upstream (a client's copy is dropped). */
const REPLACED = new Set(['host', 'x-real-ip', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-for', 'forwarded', 'content-length', 'expect']);

/** The request head for the upstream, as one latin1 string ending in the blank line. */
export function buildRequestHead(spec: UpstreamRequestSpec): string {
  const named = connectionTokens(spec.rawHeaders);
  let xff = '';
  let forwarded = '';
  let head = `${spec.method} ${spec.target} HTTP/1.1\r\n`;
  const set = spec.setHeaders;
  const add = (lower: string, name: string, value: string): void => {
    const override = set.get(lower);
    if (override !== undefined) return; // written below, once
    head += `${name}: ${value}\r\n`;
  };
  add('host', 'Host', spec.proxyHost);
  const raw = spec.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] ?? '';
    const value = raw[i + 1] ?? '';
    const lower = lowerName(name);
    if (lower === 'x-forwarded-for') {
      xff = xff === '' ? value : `${xff}, ${value}`;
      continue;
    }
    if (lower === 'forwarded') {
      forwarded = forwarded === '' ? value : `${forwarded}, ${value}`;
      continue;
    }
    if (REPLACED.has(lower) || isHopByHop(lower, named) || set.has(lower)) continue;
    head += `${name}: ${value}\r\n`;
  }
  add('x-real-ip', 'X-Real-IP', spec.clientAddress);
  add('x-forwarded-for', 'X-Forwarded-For', xff === '' ? spec.clientAddress : `${xff}, ${spec.clientAddress}`);
  add('x-forwarded-proto', 'X-Forwarded-Proto', spec.scheme);
  if (spec.clientHost !== null) add('x-forwarded-host', 'X-Forwarded-Host', spec.clientHost);
  const element = forwardedElement(spec.clientAddress, spec.clientHost, spec.scheme);
  add('forwarded', 'Forwarded', forwarded === '' ? element : `${forwarded}, ${element}`);
  if (set.size > 0) for (const [, h] of set) if (h.value !== '') head += `${h.name}: ${h.value}\r\n`;
  if (spec.body.kind === 'length') head += `Content-Length: ${spec.body.length}\r\n`;
  else if (spec.body.kind === 'chunked') head += 'Transfer-Encoding: chunked\r\n';
  if (spec.upgrade !== null) head += `Connection: upgrade\r\nUpgrade: ${spec.upgrade}\r\n`;
  else if (!spec.keepAlive) head += 'Connection: close\r\n';
  return head + '\r\n';
}

/** One RFC 7239 forwarded-element for this hop: `for=…;host=…;proto=…`. */
export function forwardedElement(clientAddress: string, host: string | null, scheme: string): string {
  // RFC 7239 §6: IPv6 nodes are bracketed and quoted; unknown clients are "unknown".
  const node = clientAddress === '' || clientAddress === '-' ? 'unknown' : clientAddress.includes(':') ? `"[${clientAddress}]"` : clientAddress;
  let element = `for=${node}`;
  if (host !== null && host !== '') element += `;host=${quoteIfNeeded(host)}`;
  return `${element};proto=${scheme}`;
}

function quoteIfNeeded(value: string): string {
  // RFC 7239 §4: a value is a token or a quoted-string.
  if (isToken(value, 0, value.length)) return value;
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

/** A response field the client gets: not hop-by-hop, not hidden (nginx's defaults and the location's), Content-Length only when kept. */
function passesToClient(lower: string, named: ReadonlySet<string>, hidden: ReadonlySet<string>, keepLength: boolean): boolean {
  const rule = responseFieldRule(lower);
  if (rule === DROP || named.has(lower) || hidden.has(lower)) return false;
  return rule !== LENGTH || keepLength;
}

/**
 * Response headers to pass to the client: hop-by-hop, nginx's default hidden ones and the
 * location's `hideHeaders` removed. Repeated headers (Set-Cookie) stay repeated.
 */
export function responseHeaders(rawHeaders: readonly string[], hidden: ReadonlySet<string>, keepLength: boolean): Map<string, { name: string; values: string[] }> {
  const named = connectionTokens(rawHeaders);
  const out = new Map<string, { name: string; values: string[] }>();
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] ?? '';
    const lower = lowerName(name);
    if (!passesToClient(lower, named, hidden, keepLength)) continue;
    const value = rawHeaders[i + 1] ?? '';
    const entry = out.get(lower);
    if (entry) entry.values.push(value);
    else out.set(lower, { name, values: [value] });
  }
  return out;
}

/** Response fields a proxy never passes (hop-by-hop and nginx's hidden defaults), by name length. */
const DROPPED_BY_LENGTH: string[][] = [];
for (const name of [...HOP_BY_HOP, ...HIDDEN_BY_DEFAULT]) (DROPPED_BY_LENGTH[name.length] ??= []).push(name);

const PASS = 0;
const LENGTH = 1;
const DROP = 2;

/** The fixed rules for a response field (`passesToClient` without the per-response sets), without lowercasing it. */
function responseFieldRule(name: string): number {
  const dropped = DROPPED_BY_LENGTH[name.length];
  if (dropped !== undefined) for (const d of dropped) if (sameLower(name, d)) return DROP;
  if (sameLower(name, 'content-length')) return LENGTH;
  return startsLower(name, 'proxy-') ? DROP : PASS;
}

export interface RelayedLines {
  lines: string;
  hasLength: boolean;
  /** Lowercased names of relayed fields that are in `existing` (the response already has them). */
  overrides: string[];
}

/**
 * The same filtering as `responseHeaders`, as header lines for the HTTP/1.1 engine to relay
 * unchanged (`Http1Response.relayHeaderLines`): no Map, no per-field setHeader. Content-Length
 * goes out once (the parser made sure repeated values agree). `existing`: names the response
 * already set (null: none that an upstream field could replace), reported back in `overrides`.
 */
export function relayedHeaderLines(rawHeaders: readonly string[], hidden: ReadonlySet<string>, keepLength: boolean, existing: ReadonlySet<string> | null = null): RelayedLines {
  const named = connectionTokens(rawHeaders);
  // The usual response names no extra hop-by-hop field and the location hides nothing: then no
  // name needs lowercasing at all.
  const needLower = named.size > 0 || hidden.size > 0 || existing !== null;
  const overrides: string[] = [];
  let lines = '';
  let hasLength = false;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] ?? '';
    const rule = responseFieldRule(name);
    if (rule === DROP) continue;
    if (rule === LENGTH) {
      if (!keepLength || hasLength) continue;
      hasLength = true;
    }
    if (needLower) {
      const lower = lowerName(name);
      if (named.has(lower) || hidden.has(lower)) {
        if (rule === LENGTH) hasLength = false;
        continue;
      }
      if (existing?.has(lower)) overrides.push(lower);
    }
    lines += `${name}: ${rawHeaders[i + 1] ?? ''}\r\n`;
  }
  return { lines, hasLength, overrides };
}
