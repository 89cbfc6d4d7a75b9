// An HTTP/2 request's header list as the HTTP/1.1 fields the rest of the proxy works with, the way
// nginx's HTTP/2 module hands a request on: node:http2's `rawHeaders` carries the pseudo-header
// fields (`:method`, `:path`, `:scheme`, `:authority`, RFC 9113 §8.3), which are no HTTP/1.1
// field names (an upstream answers 400 to `:method: GET`), and may carry the Cookie field in
// crumbs (§8.2.3).
import { rawHeader } from '../raw-headers.js';

/**
 * The request's fields for HTTP/1.1: pseudo-header fields dropped; a Host field made from
 * `:authority` when the request has none (RFC 9113 §8.3.1: an intermediary forwarding to HTTP/1.1
 * must, and nginx takes `:authority` as the Host), or a second one when its Host differs; Cookie crumbs joined into one field with "; "
 * (§8.2.3), where the first crumb was. Returns the input itself when nothing changes.
 */
export function http1FieldsOf(raw: readonly string[]): readonly string[] {
  let pseudo = false;
  let host = false;
  let cookies = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] ?? '';
    if (name.charCodeAt(0) === 0x3a) pseudo = true;
    else if (name.length === 4 && name.toLowerCase() === 'host') host = true;
    else if (name.length === 6 && name.toLowerCase() === 'cookie') cookies++;
  }
  if (!pseudo && cookies < 2) return raw;
  const out: string[] = [];
  const authority = pseudoValue(raw, ':authority');
  // With a Host field too, RFC 9113 §8.3.1 says a server SHOULD treat a Host naming another entity
  // than :authority as malformed, and nginx answers 400: the :authority goes in as a second Host,
  // which the pipeline refuses like any duplicate Host.
  if (authority !== undefined && authority !== '' && (!host || !sameHost(rawHeader(raw, 'host') ?? '', authority))) out.push('host', authority);
  let cookieAt = -1;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] ?? '';
    const value = raw[i + 1] ?? '';
    if (name.charCodeAt(0) === 0x3a) continue;
    if (cookies > 1 && name.length === 6 && name.toLowerCase() === 'cookie') {
      if (cookieAt === -1) {
        cookieAt = out.length + 1;
        out.push(name, value);
      } else {
        out[cookieAt] = `${out[cookieAt] ?? ''}; ${value}`;
      }
      continue;
    }
    out.push(name, value);
  }
  return out;
}

function pseudoValue(raw: readonly string[], name: string): string | undefined {
  for (let i = 0; i < raw.length; i += 2) if (raw[i] === name) return raw[i + 1];
  return undefined;
}

/** Hosts compare without case (RFC 3986 §6.2.2.1). */
function sameHost(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
