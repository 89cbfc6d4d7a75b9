// Semantic checks for the static handler's extras: `addHeaders` must be valid header fields
// (RFC 9110 §5.1 token names, values without CR/LF/NUL), and must not override the framing or
// validators the handler computes itself.
import type { ValidationIssue } from '../contract/api.js';
import type { BerthConfig } from './schema.js';

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Set by the static handler from the file: a copy in add_header would contradict the body. */
const RESERVED = new Set(['content-length', 'content-type', 'content-encoding', 'content-range', 'transfer-encoding', 'etag', 'last-modified', 'connection']);

export function checkAddHeaders(config: BerthConfig): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  config.sites.forEach((site, i) =>
    site.locations.forEach((loc, j) => {
      if (loc.handler.type !== 'static') return;
      for (const [name, value] of Object.entries(loc.handler.addHeaders)) {
        const path = `sites.${i}.locations.${j}.handler.addHeaders.${name}`;
        if (!TOKEN.test(name)) issues.push({ path, message: `"${name}" is not a header name: use letters, digits and !#$%&'*+.^_\`|~- (RFC 9110 §5.1)` });
        else if (RESERVED.has(name.toLowerCase())) issues.push({ path, message: `${name} is set by the static handler from the file itself; remove it from addHeaders` });
        if (/[\r\n\0]/.test(value)) issues.push({ path, message: `the value of ${name} cannot contain line breaks or NUL characters` });
      }
    }),
  );
  return issues;
}
