// Header lookups on the raw `[name, value, …]` array, for the hot path: building the lowercased
// `req.headers` object for one or two fields costs more than the scan (PERFORMANCE.md: raw header
// arrays instead of header objects saved 9–21 %).

import { sameLower } from './http-grammar.js';

/** The first value of header `lower` (a lowercase name), like node:http's `headers[lower]` for single fields. */
export function rawHeader(raw: readonly string[], lower: string): string | undefined {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name === lower || sameLower(name, lower)) return raw[i + 1];
  }
  return undefined;
}

/** How many times header `lower` occurs. */
export function rawHeaderCount(raw: readonly string[], lower: string): number {
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name === lower || sameLower(name, lower)) count++;
  }
  return count;
}
