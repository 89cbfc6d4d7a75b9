// What this build serves. The schema describes the whole model (so saved configs, import and the
// dashboard can already speak it); a feature whose runtime is not built yet is refused at
// validation with a clear message instead of being accepted and silently ignored. Each feature's
// issue removes its entry here when the proxy, app server or cert service serves it.
import type { ValidationIssue } from '../contract/api.js';
import type { BerthConfig, Handler } from './schema.js';

/** Location handlers the proxy serves. */
export const servedHandlerTypes: ReadonlySet<Handler['type']> = new Set<Handler['type']>(['static', 'return']);

/** Site/top-level features not served yet, by the dotted field they live in. */
export interface PendingFeatures {
  tlsListen: boolean;
  accessRules: boolean;
  basicAuth: boolean;
  rateLimit: boolean;
  apps: boolean;
}

export const pendingFeatures: PendingFeatures = {
  tlsListen: true,
  accessRules: true,
  basicAuth: true,
  rateLimit: true,
  apps: true,
};

const notYet = (what: string): string => `${what} is part of the config model but not served by this version of Berth yet`;

export function checkCapabilities(config: BerthConfig): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  config.sites.forEach((site, i) => {
    site.locations.forEach((loc, j) => {
      if (!servedHandlerTypes.has(loc.handler.type)) {
        issues.push({ path: `sites.${i}.locations.${j}.handler.type`, message: notYet(`the '${loc.handler.type}' handler`) });
      }
    });
    if (pendingFeatures.tlsListen) {
      site.listen.forEach((l, k) => {
        if (l.tls) issues.push({ path: `sites.${i}.listen.${k}.tls`, message: notYet('HTTPS (a TLS listen port)') });
      });
    }
    if (pendingFeatures.accessRules && site.access.rules.length > 0) issues.push({ path: `sites.${i}.access.rules`, message: notYet('allow/deny access rules') });
    if (pendingFeatures.basicAuth && site.access.basicAuth) issues.push({ path: `sites.${i}.access.basicAuth`, message: notYet('basic auth') });
    if (pendingFeatures.rateLimit && site.limits.rateLimit) issues.push({ path: `sites.${i}.limits.rateLimit`, message: notYet('rate limiting') });
  });
  if (pendingFeatures.apps && config.apps.length > 0) issues.push({ path: 'apps', message: notYet('running apps') });
  return issues;
}
