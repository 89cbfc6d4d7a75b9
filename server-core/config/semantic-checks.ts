// Rules that span fields, run on a config the schema already accepted. Each check is a small
// function returning issues with the exact path of the field to fix. nginx's own behaviour is the
// reference: where nginx refuses or warns, Berth refuses, and the message says what to change.
import { isAbsolute } from 'node:path';
import type { ValidationIssue } from '../contract/api.js';
import { checkAccessRules, checkHtpasswdFiles } from './access-checks.js';
import { checkAppLocations, checkApps } from './app-checks.js';
import { checkCapabilities } from './capabilities.js';
import { checkErrorPages } from './error-page-checks.js';
import { compilePcre } from './pcre.js';
import { checkAddHeaders } from './static-checks.js';
import { checkProxyTargets, checkUpstreamGroups } from './upstream-checks.js';
import { siteListens } from './site-listens.js';
import { AUTO_PREFIX } from '../certs/layout.js';
import type { BerthConfig, Location, Site } from './schema.js';

/**
 * What a check may need from outside the config. Each field is optional: a check whose facts are
 * absent is skipped. The store loads saved configs without it, so a certificate deleted since a
 * config was applied never makes that config unloadable; the admin API and `berth import` give it.
 */
export interface ValidationContext {
  /** Ids in the certificate store (certs/cert-store.ts ids()). */
  certificateIds?: ReadonlySet<string>;
}

export type SemanticCheck = (config: BerthConfig, context: ValidationContext) => ValidationIssue[];

/** A port a site listens on, after the default rule of site-listens.ts (no listen = the stack's ports). */
interface EffectiveListen {
  port: number;
  tls: boolean;
  defaultServer: boolean;
  /** Path of the listen entry, or of the site's `listen` field when it is implicit. */
  path: string;
}

export function effectiveListens(site: Site, siteIndex: number, config: BerthConfig): EffectiveListen[] {
  return siteListens(site, config.settings).map((l, k) => ({ ...l, path: l.implicit ? `sites.${siteIndex}.listen` : `sites.${siteIndex}.listen.${k}` }));
}

function siteLabel(config: BerthConfig, index: number): string {
  return `sites.${index} ("${config.sites[index]?.id ?? ''}")`;
}

export const checkDuplicateSiteIds: SemanticCheck = (config) => {
  const seen = new Map<string, number>();
  const issues: ValidationIssue[] = [];
  config.sites.forEach((site, i) => {
    const first = seen.get(site.id);
    if (first === undefined) seen.set(site.id, i);
    else issues.push({ path: `sites.${i}.id`, message: `site id "${site.id}" is already used by sites.${first}; ids must be unique` });
  });
  return issues;
};

export const checkDefaultPortsDiffer: SemanticCheck = (config) => {
  const { httpPort, httpsPort } = config.settings;
  // Port 0 asks the OS for any free port, so two zeros still get two different ports.
  if (httpPort !== 0 && httpPort === httpsPort) {
    return [{ path: 'settings.httpsPort', message: `httpPort and httpsPort are both ${httpPort}; one port speaks one protocol, pick two different ports` }];
  }
  return [];
};

/** nginx: `*` only as a whole first label (`*.a.test`) or a whole last label (`a.*`), once. */
export const checkWildcardNames: SemanticCheck = (config) => {
  const issues: ValidationIssue[] = [];
  config.sites.forEach((site, i) =>
    site.names.forEach((name, j) => {
      if (name.startsWith('~') || !name.includes('*')) return;
      const stars = name.split('*').length - 1;
      const leading = name.startsWith('*.') && name.length > 2;
      const trailing = name.endsWith('.*') && name.length > 2;
      if (stars !== 1 || !(leading || trailing)) {
        issues.push({
          path: `sites.${i}.names.${j}`,
          message: `invalid wildcard name "${name}": "*" may only be the whole first label ("*.example.test") or the whole last label ("www.example.*"); use a "~regex" name for anything else`,
        });
      }
    }),
  );
  return issues;
};

/** nginx warns `conflicting server name "x" on 0.0.0.0:80, ignored`: the second site never gets those requests. */
export const checkConflictingServerNames: SemanticCheck = (config) => {
  const owner = new Map<string, number>();
  const issues: ValidationIssue[] = [];
  config.sites.forEach((site, i) => {
    const ports = new Set(effectiveListens(site, i, config).map((l) => l.port));
    site.names.forEach((name, j) => {
      // Regex names are tried in order and may overlap by design; nginx does not compare them either.
      if (name.startsWith('~')) return;
      const key = name.toLowerCase(); // nginx lowercases server names
      for (const port of ports) {
        const first = owner.get(`${port} ${key}`);
        if (first === undefined) {
          owner.set(`${port} ${key}`, i);
        } else if (first !== i) {
          issues.push({
            path: `sites.${i}.names.${j}`,
            message: `conflicting server name "${name}" on port ${port}: ${siteLabel(config, first)} already answers it, so this site would never get those requests`,
          });
        }
      }
    });
  });
  return issues;
};

/** nginx refuses `a duplicate default server for 0.0.0.0:80`. */
export const checkDuplicateDefaultServers: SemanticCheck = (config) => {
  const owner = new Map<number, number>();
  const issues: ValidationIssue[] = [];
  config.sites.forEach((site, i) => {
    site.listen.forEach((l, k) => {
      if (!l.defaultServer) return;
      const first = owner.get(l.port);
      if (first === undefined) owner.set(l.port, i);
      else {
        issues.push({
          path: `sites.${i}.listen.${k}.defaultServer`,
          message: `port ${l.port} already has a default server (${siteLabel(config, first)}); only one site per port can be the default`,
        });
      }
    });
  });
  return issues;
};

/** One socket speaks one protocol: a port cannot be TLS for one site and plain HTTP for another. */
export const checkListenProtocols: SemanticCheck = (config) => {
  const first = new Map<number, { tls: boolean; site: number }>();
  const issues: ValidationIssue[] = [];
  config.sites.forEach((site, i) => {
    for (const l of effectiveListens(site, i, config)) {
      const seen = first.get(l.port);
      if (seen === undefined) first.set(l.port, { tls: l.tls, site: i });
      else if (seen.tls !== l.tls) {
        issues.push({
          path: l.path,
          message: `port ${l.port} is ${seen.tls ? 'TLS' : 'plain HTTP'} for ${siteLabel(config, seen.site)} but ${l.tls ? 'TLS' : 'plain HTTP'} here; one port speaks one protocol`,
        });
      }
    }
  });
  return issues;
};

/**
 * A TLS listen entry needs the site's `tls` block (which certificate), as nginx needs
 * `ssl_certificate` for `listen … ssl`; no silent default, so the choice is visible in the config.
 * `redirectHttp` needs a TLS port to redirect to.
 */
export const checkTlsBlocks: SemanticCheck = (config) => {
  const issues: ValidationIssue[] = [];
  config.sites.forEach((site, i) => {
    const tlsIndex = site.listen.findIndex((l) => l.tls);
    if (tlsIndex !== -1 && !site.tls) {
      issues.push({ path: `sites.${i}.tls`, message: `site "${site.id}" listens with TLS on port ${site.listen[tlsIndex]?.port ?? ''} but has no tls block; add tls: { certificate: 'auto' } for a certificate from Berth's local CA, or name an imported certificate` });
    }
    // With no `listen`, a site with TLS gets the stack's HTTPS port (site-listens.ts): something to redirect to.
    if (tlsIndex === -1 && site.listen.length > 0 && site.tls?.redirectHttp) {
      issues.push({ path: `sites.${i}.tls.redirectHttp`, message: `site "${site.id}" redirects HTTP to HTTPS but has no TLS listen port; add a listen entry with tls: true, or remove the listen entries to use the stack's HTTP and HTTPS ports` });
    }
  });
  return issues;
};

/**
 * A named certificate must be in the store: the proxy would otherwise answer that site's handshakes
 * with its port's default certificate (sni-store.ts), a name mismatch with no hint why. `auto` is
 * issued by the cert service on apply, so it is never missing here.
 */
export const checkCertificateIds: SemanticCheck = (config, context) => {
  const known = context.certificateIds;
  if (!known) return [];
  const issues: ValidationIssue[] = [];
  config.sites.forEach((site, i) => {
    const id = site.tls?.certificate;
    if (id === undefined || id === 'auto' || known.has(id)) return;
    const imported = [...known].filter((k) => !k.startsWith(AUTO_PREFIX)).sort();
    const shown = imported.slice(0, 10).map((k) => `"${k}"`).join(', ');
    const list = imported.length === 0 ? '' : `; stored certificates: ${shown}${imported.length > 10 ? ', …' : ''}`;
    issues.push({
      path: `sites.${i}.tls.certificate`,
      message: `there is no certificate "${id}"; import it on the Certificates page, or use "auto" for one from Berth's local CA${list}`,
    });
  });
  return issues;
};

/** `~regex` names: nginx's PCRE, read into a JavaScript RegExp (pcre.ts); they must translate and compile here. */
export const checkRegexNames: SemanticCheck = (config) => {
  const issues: ValidationIssue[] = [];
  config.sites.forEach((site, i) =>
    site.names.forEach((name, j) => {
      if (!name.startsWith('~')) return;
      const error = regexError(name.slice(1), '');
      if (error !== null) issues.push({ path: `sites.${i}.names.${j}`, message: `regex server name does not compile: ${error}` });
    }),
  );
  return issues;
};

export const checkRegexLocations: SemanticCheck = (config) =>
  eachLocation(config, (loc, base) => {
    if (loc.match.kind !== 'regex' && loc.match.kind !== 'regex-i') return [];
    const error = regexError(loc.match.path, loc.match.kind === 'regex-i' ? 'i' : '');
    return error === null ? [] : [{ path: `${base}.match.path`, message: `location regex does not compile: ${error}` }];
  });

/** nginx only ever matches URIs starting with `/` against exact and prefix locations. */
export const checkLocationPaths: SemanticCheck = (config) =>
  eachLocation(config, (loc, base) => {
    if (loc.match.kind === 'regex' || loc.match.kind === 'regex-i' || loc.match.path.startsWith('/')) return [];
    return [{ path: `${base}.match.path`, message: `location "${loc.match.path}" must start with "/" (request paths always do), or use a regex location` }];
  });

/** nginx refuses `duplicate location "/x"`; `/x` and `^~ /x` count as the same prefix. */
export const checkDuplicateLocations: SemanticCheck = (config) => {
  const issues: ValidationIssue[] = [];
  config.sites.forEach((site, i) => {
    const seen = new Map<string, number>();
    site.locations.forEach((loc, j) => {
      if (loc.match.kind === 'regex' || loc.match.kind === 'regex-i') return;
      const family = loc.match.kind === 'exact' ? 'exact' : 'prefix';
      const key = `${family} ${loc.match.path}`;
      const first = seen.get(key);
      if (first === undefined) seen.set(key, j);
      else {
        issues.push({
          path: `sites.${i}.locations.${j}.match.path`,
          message: `duplicate ${family} location "${loc.match.path}" (also sites.${i}.locations.${first}); merge them into one`,
        });
      }
    });
  });
  return issues;
};

export const checkRootAndAlias: SemanticCheck = (config) =>
  eachLocation(config, (loc, base) => {
    const h = loc.handler;
    if (h.type !== 'static' || h.root === undefined || h.alias === undefined) return [];
    return [{ path: `${base}.handler.alias`, message: 'a static location takes root or alias, not both (nginx refuses this too); keep one' }];
  });

export const checkAbsoluteDirs: SemanticCheck = (config) => {
  const issues: ValidationIssue[] = [];
  const check = (path: string, field: string, value: string | undefined) => {
    if (value !== undefined && !isAbsolute(value)) {
      issues.push({ path, message: `${field} must be an absolute folder path, got "${value}"` });
    }
  };
  config.sites.forEach((site, i) => check(`sites.${i}.root`, 'root', site.root));
  issues.push(
    ...eachLocation(config, (loc, base) => {
      const found: ValidationIssue[] = [];
      if (loc.handler.type !== 'static') return found;
      for (const field of ['root', 'alias'] as const) {
        const value = loc.handler[field];
        if (value !== undefined && !isAbsolute(value)) {
          found.push({ path: `${base}.handler.${field}`, message: `${field} must be an absolute folder path, got "${value}"` });
        }
      }
      return found;
    }),
  );
  return issues;
};

/**
 * The nginx alias traversal: `location /static { alias /srv/files/; }` maps `/static../secret` to
 * `/srv/files/../secret`, outside the folder. Both ending in `/`, or neither, is safe.
 */
export const checkAliasTraversal: SemanticCheck = (config) =>
  eachLocation(config, (loc, base) => {
    const h = loc.handler;
    if (h.type !== 'static' || h.alias === undefined) return [];
    if (loc.match.kind !== 'prefix' && loc.match.kind !== 'prefix-stop') return [];
    if (loc.match.path.endsWith('/') || !h.alias.endsWith('/')) return [];
    return [
      {
        path: `${base}.handler.alias`,
        message:
          `location "${loc.match.path}" does not end with "/" but its alias "${h.alias}" does, so a request for ` +
          `"${loc.match.path}../secret" would read "${h.alias}../secret" outside the folder (the nginx alias traversal); ` +
          `end both with "/" (location "${loc.match.path}/") or neither`,
      },
    ];
  });

/** `return 301 URL`: without a URL the browser gets a redirect with nowhere to go. */
export const checkRedirectTargets: SemanticCheck = (config) =>
  eachLocation(config, (loc, base) => {
    const h = loc.handler;
    if (h.type !== 'return' || !isRedirectStatus(h.status)) return [];
    if (h.body === '') {
      return [{ path: `${base}.handler.body`, message: `return ${h.status} is a redirect and needs a URL (for example "https://example.test/" or "/new-path")` }];
    }
    // The URL becomes the Location header: whitespace and control characters are not allowed there (RFC 9110).
    // eslint-disable-next-line no-control-regex
    if (/[\s\u0000-\u001f\u007f]/.test(h.body)) {
      return [{ path: `${base}.handler.body`, message: `the redirect URL cannot contain spaces or control characters; encode them (%20)` }];
    }
    return [];
  });

/** A static handler needs a folder: its own root/alias or the site's root. */
export const checkStaticHasRoot: SemanticCheck = (config) => {
  const issues: ValidationIssue[] = [];
  config.sites.forEach((site, i) => {
    if (site.root !== undefined) return;
    if (site.locations.length === 0) {
      issues.push({ path: `sites.${i}.root`, message: 'a site without locations serves its root folder as static files: set root' });
      return;
    }
    site.locations.forEach((loc, j) => {
      const h = loc.handler;
      if (h.type === 'static' && h.root === undefined && h.alias === undefined) {
        issues.push({
          path: `sites.${i}.locations.${j}.handler`,
          message: 'this static location has no root or alias and the site has no root either: set one of them',
        });
      }
    });
  });
  return issues;
};

/** Every check, in the order their issues are reported. */
export const semanticChecks: readonly SemanticCheck[] = [
  checkDefaultPortsDiffer,
  checkDuplicateSiteIds,
  checkWildcardNames,
  checkRegexNames,
  checkConflictingServerNames,
  checkDuplicateDefaultServers,
  checkListenProtocols,
  checkTlsBlocks,
  checkCertificateIds,
  checkAbsoluteDirs,
  checkStaticHasRoot,
  checkLocationPaths,
  checkRegexLocations,
  checkDuplicateLocations,
  checkRootAndAlias,
  checkAliasTraversal,
  checkRedirectTargets,
  checkAccessRules,
  checkHtpasswdFiles,
  checkAddHeaders,
  checkErrorPages,
  checkUpstreamGroups,
  checkProxyTargets,
  checkApps,
  checkAppLocations,
  checkCapabilities,
];

function eachLocation(config: BerthConfig, check: (loc: Location, basePath: string) => ValidationIssue[]): ValidationIssue[] {
  return config.sites.flatMap((site, i) => site.locations.flatMap((loc, j) => check(loc, `sites.${i}.locations.${j}`)));
}

/** Berth reads nginx's PCRE regexes as rewrite rules are read (pcre.ts): what has no JavaScript equivalent is named. */
function regexError(source: string, flags: string): string | null {
  const compiled = compilePcre(source, flags.includes('i'));
  return compiled.ok ? null : compiled.problem;
}

function isRedirectStatus(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}
