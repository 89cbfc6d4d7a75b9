// The request fields nginx 1.22 takes only once: its headers_in table (ngx_http_request.c) gives
// them ngx_http_process_unique_header_line, which answers a second one with 400 ("client sent
// duplicate header line"), over HTTP/1.1 and HTTP/2 alike (checked against Debian's nginx 1.22).
// Host has its own check (the pipeline's duplicate Host 400); Range, Cookie, X-Forwarded-For and
// the rest may repeat (nginx uses the first, or all). Transfer-Encoding cannot reach an HTTP/2
// request (RFC 9113 §8.2.2; node:http2 refuses it).
import { sameLower } from './http-grammar.js';

/**
 * The field's bit when nginx takes it only once, else 0. By length first, as the head parser
 * classifies fields: most fields cost one switch, and a name is compared only with the unique
 * names of its length.
 */
export function uniqueFieldBit(name: string): number {
  switch (name.length) {
    case 6:
      return sameLower(name, 'expect') ? 1 << 0 : 0;
    case 8:
      return sameLower(name, 'if-match') ? 1 << 1 : sameLower(name, 'if-range') ? 1 << 2 : 0;
    case 13:
      return sameLower(name, 'if-none-match') ? 1 << 3 : sameLower(name, 'authorization') ? 1 << 4 : sameLower(name, 'content-range') ? 1 << 5 : 0;
    case 14:
      return sameLower(name, 'content-length') ? 1 << 6 : 0;
    case 17:
      return sameLower(name, 'if-modified-since') ? 1 << 7 : sameLower(name, 'transfer-encoding') ? 1 << 8 : 0;
    case 19:
      return sameLower(name, 'if-unmodified-since') ? 1 << 9 : 0;
    default:
      return 0;
  }
}

/** The error-log reason for a second `name`, worded like Berth's other refused heads ("client sent …"). */
export function duplicateFieldReason(name: string): string {
  return `a duplicate ${name} header line`;
}

/** The first field of `raw` (`[name, value, …]`) that repeats one nginx takes only once, or null. */
export function duplicateUniqueField(raw: readonly string[]): string | null {
  let seen = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] ?? '';
    const bit = uniqueFieldBit(name);
    if (bit === 0) continue;
    if ((seen & bit) !== 0) return name;
    seen |= bit;
  }
  return null;
}
