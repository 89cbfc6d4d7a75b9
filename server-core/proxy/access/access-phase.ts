// nginx's PREACCESS and ACCESS phases for a site, in nginx's order:
//   limit_req (site.limits.rateLimit) → 503, or a delay without `nodelay`
//   → allow/deny (site.access.rules) → 403
//   → auth_basic (site.access.basicAuth) → 401 / 403 (user file missing) / 500   (satisfy all)
// The pipeline runs it after location selection and never for a `return` location: nginx's
// `return` acts in the rewrite phase, before preaccess/access (pipeline.ts). Once per request,
// except after an error page's redirect: limit_req counts a request once even across internal
// redirects (r->main->limit_req_status); allow/deny and auth_basic, which nginx re-runs after every
// internal redirect, are per site here, so a second run gives the same answer — it matters only
// for an error page of the site's own refusal (403, 401), which nginx refuses again (the built-in
// page goes out), so the pipeline runs them again for the page (`again`).
// The limit_req buckets live in this process (RateLimiters) or, with several proxy workers, in the
// supervisor, shared like nginx's limit_req_zone (shared-rate-limits.ts).
import { setTimeout as sleep } from 'node:timers/promises';
import type { Site } from '../../config/schema.js';
import type { ErrorLog } from '../error-log.js';
import type { RequestContext } from '../request-context.js';
import { logRequestError, sendErrorPage } from '../respond.js';
import { accessAllowed, compileAccessRules, type CompiledRule } from './access-rules.js';
import { basicChallenge, checkBasicAuth } from './basic-auth.js';
import { HtpasswdStore } from './htpasswd-store.js';
import { RateLimiters, type RateLimitBackend } from './rate-limit.js';

export interface AccessPhaseOptions {
  /** ms clock for the rate limiter and the htpasswd re-check interval. */
  now?: () => number;
  htpasswdCheckIntervalMs?: number;
  maxClientsPerSite?: number;
  /** Where the limit_req buckets live. Default: this process. */
  limiter?: RateLimitBackend;
}

export class AccessPhase {
  readonly limiter: RateLimitBackend;
  readonly htpasswd: HtpasswdStore;
  /** Config objects are never mutated after validation, so compiling once per Site object is safe. */
  private readonly rules = new WeakMap<Site, CompiledRule[]>();
  private errorLog: ErrorLog | null = null;

  constructor(options: AccessPhaseOptions = {}) {
    const now = options.now ?? Date.now;
    this.limiter = options.limiter ?? new RateLimiters(now, options.maxClientsPerSite);
    this.htpasswd = new HtpasswdStore({
      now,
      checkIntervalMs: options.htpasswdCheckIntervalMs ?? 1000,
      onProblems: (path, problems) => {
        for (const p of problems) this.errorLog?.write('error', `refused entry in "${path}": ${p}`);
      },
    });
  }

  /**
   * True when the request may go on to the content phase; otherwise the answer has been sent (or
   * left to an error page, respond.ts). Synchronous `true` for a site without access settings (no
   * promise on the hot path). `again`: a later run for the same request (limit_req is skipped).
   */
  run(ctx: RequestContext, again = false): true | Promise<boolean> {
    const site = ctx.site?.site;
    if (!site || ((again || !site.limits.rateLimit) && site.access.rules.length === 0 && !site.access.basicAuth)) return true;
    return this.check(ctx, site, again);
  }

  private async check(ctx: RequestContext, site: Site, again: boolean): Promise<boolean> {
    const limit = again ? undefined : site.limits.rateLimit;
    const access = site.access;
    this.errorLog = ctx.errorLog;

    if (limit) {
      const decision = await this.limiter.take(site.id, limit, clientKey(ctx.remoteAddress));
      if (decision.kind === 'reject') {
        logRequestError(ctx, 'error', `limiting requests, excess over burst ${limit.burst} by site "${site.id}"`);
        sendErrorPage(ctx, 503);
        return false;
      }
      if (decision.delayMs > 0) {
        logRequestError(ctx, 'warn', `delaying request, ${decision.delayMs} ms by site "${site.id}"`);
        await sleep(decision.delayMs);
      }
    }

    if (access.rules.length > 0 && !accessAllowed(this.compiledRules(site), ctx.remoteAddress)) {
      logRequestError(ctx, 'error', 'access forbidden by rule');
      sendErrorPage(ctx, 403);
      return false;
    }

    const auth = access.basicAuth;
    if (auth) {
      const header = ctx.req.headers.authorization;
      const outcome = await checkBasicAuth(this.htpasswd, auth.htpasswdFile, header);
      if (outcome.kind === 'error') {
        logRequestError(ctx, 'error', outcome.reason);
        sendErrorPage(ctx, outcome.status);
        return false;
      }
      if (outcome.kind === 'challenge') {
        if (outcome.reason !== null) logRequestError(ctx, 'error', outcome.reason);
        sendErrorPage(ctx, 401, { 'WWW-Authenticate': basicChallenge(auth.realm) });
        return false;
      }
      ctx.remoteUser = outcome.user;
    }
    return true;
  }

  /** Forget state of sites that are gone (called after a config swap). */
  retainSites(siteIds: ReadonlySet<string>): void {
    this.limiter.retain(siteIds);
  }

  private compiledRules(site: Site): CompiledRule[] {
    let compiled = this.rules.get(site);
    if (!compiled) {
      compiled = compileAccessRules(site.access.rules);
      this.rules.set(site, compiled);
    }
    return compiled;
  }
}

/** `::ffff:1.2.3.4` and `1.2.3.4` are one client (a dual-stack listener reports the mapped form). */
export function clientKey(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
