// Semantic checks for error pages (nginx `error_page`) and `interceptErrors`. The schema checks
// each field's range; these say what nginx or Berth cannot do with an accepted value.
import type { ValidationIssue } from '../contract/api.js';
import type { BerthConfig, ErrorPage } from './schema.js';

/** Handlers that pass requests to an upstream: the only ones whose answers can be intercepted. */
const PASSING = new Set(['proxy', 'uwsgi', 'fastcgi', 'app']);

/**
 * Statuses nginx makes before a server is chosen (494 request header too large, 495/496 client
 * certificates, 497 plain HTTP on an HTTPS port): Berth answers those itself (431, its TLS front's
 * 400) before any site is chosen, so a site's error page could never replace them.
 */
const BEFORE_ANY_SITE = new Set([494, 495, 496, 497]);

/** Whitespace and control characters: not allowed in a Location header (RFC 9110), where a URL target goes. */
// eslint-disable-next-line no-control-regex
const NOT_IN_LOCATION = /[\s\u0001-\u001f\u007f]/;

export function checkErrorPages(config: BerthConfig): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  config.sites.forEach((site, i) => {
    site.errorPages.forEach((page, k) => issues.push(...checkPage(page, `sites.${i}.errorPages.${k}`)));
    site.locations.forEach((loc, j) => {
      const base = `sites.${i}.locations.${j}`;
      (loc.errorPages ?? []).forEach((page, k) => issues.push(...checkPage(page, `${base}.errorPages.${k}`)));
      if (loc.interceptErrors && !PASSING.has(loc.handler.type)) {
        issues.push({ path: `${base}.interceptErrors`, message: `intercepting errors applies to answers from an upstream (proxy, uwsgi, FastCGI and app locations); a ${loc.handler.type} location's own errors always get its error pages` });
      }
    });
  });
  return issues;
}

function checkPage(page: ErrorPage, path: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  page.codes.forEach((code, n) => {
    if (BEFORE_ANY_SITE.has(code)) issues.push({ path: `${path}.codes.${n}`, message: `${code} is answered before any site is chosen (Berth sends ${code === 497 ? '400 from its TLS front' : code === 494 ? '431' : '400'}), so an error page cannot replace it` });
  });
  const { target, response } = page;
  if (target.startsWith('@')) {
    issues.push({ path: `${path}.target`, message: `"${target}" names a named location, which Berth does not have; point the page at a URI (a location marked internal, such as /50x.html) or at a URL to redirect to` });
  } else if (/[\r\n\0]/.test(target)) {
    issues.push({ path: `${path}.target`, message: 'the target cannot contain line breaks or NUL characters' });
  } else if (!target.startsWith('/') && NOT_IN_LOCATION.test(target)) {
    issues.push({ path: `${path}.target`, message: 'a URL to redirect to cannot contain spaces or control characters (it becomes the Location header); encode them (%20)' });
  }
  if (response === 204 || response === 304) {
    issues.push({ path: `${path}.response`, message: `a ${response} answer carries no body, so it cannot carry the page; use 200, or leave the response code out to keep the error's own` });
  }
  return issues;
}
