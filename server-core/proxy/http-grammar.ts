// RFC 9110 field grammar shared by the request parser (http1/head-parser.ts) and the upstream
// response parser (upstream/response-parser.ts). Scans by char code: these run per header line.

/** RFC 9110 §5.6.2 tchar, by char code (1 = allowed; codes ≥ 128 are never tchar). */
export const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") TCHAR[c.charCodeAt(0)] = 1;

/** `text[from, to)` is a non-empty token. */
export function isToken(text: string, from: number, to: number): boolean {
  if (from >= to) return false;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c > 127 || TCHAR[c] === 0) return false;
  }
  return true;
}

/** Field values may hold HTAB, visible ASCII and obs-text; never other controls (RFC 9110 §5.5). */
export function hasBadValueChar(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return true;
  }
  return false;
}

/**
 * `name` lowercased equals `lower` (all lowercase already): compared by char code, with no new
 * string and no hash — header names from the wire are fresh strings, and hashing one for a Map
 * lookup costs more than comparing a few characters.
 */
export function sameLower(name: string, lower: string): boolean {
  return name.length === lower.length && startsLower(name, lower);
}

/** `name` starts with `lowerPrefix` (all lowercase), ignoring ASCII case. */
export function startsLower(name: string, lowerPrefix: string): boolean {
  if (name.length < lowerPrefix.length) return false;
  for (let i = 0; i < lowerPrefix.length; i++) {
    const c = name.charCodeAt(i);
    if ((c >= 65 && c <= 90 ? c + 32 : c) !== lowerPrefix.charCodeAt(i)) return false;
  }
  return true;
}
