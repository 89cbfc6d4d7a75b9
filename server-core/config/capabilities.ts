// What this build serves. The schema describes the whole model (so saved configs, import and the
// dashboard can already speak it); a feature whose runtime is not built yet is refused at
// validation with a clear message instead of being accepted and silently ignored. Each feature's
// issue removes its entry here when the proxy, app server or cert service serves it.
import type { ValidationIssue } from '../contract/api.js';
import type { BerthConfig, Handler } from './schema.js';

/** Location handlers the proxy serves. */
export const servedHandlerTypes: ReadonlySet<Handler['type']> = new Set<Handler['type']>(['static', 'return', 'proxy', 'uwsgi', 'fastcgi', 'app']);

// Site/top-level features: all served now (TLS listen ports since the proxy's TLS front). A
// feature added to the model before its runtime gets a gate here again.

const notYet = (what: string): string => `${what} is part of the config model but not served by this version of Berth yet`;

export function checkCapabilities(config: BerthConfig): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  config.sites.forEach((site, i) => {
    site.locations.forEach((loc, j) => {
      if (!servedHandlerTypes.has(loc.handler.type)) {
        issues.push({ path: `sites.${i}.locations.${j}.handler.type`, message: notYet(`the '${loc.handler.type}' handler`) });
      }
    });
  });
  return issues;
}
