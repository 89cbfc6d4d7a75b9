// Which of a site's server names can go into its `auto` leaf. nginx names are richer than
// certificate names: regexes and trailing wildcards (`www.*`) cannot be certified, a leading-dot
// name (`.app.test`) means the name and its subdomains, and a constrained CA signs local names only.
import { errorMessage } from '../errors.js';
import type { AutoSkippedName } from '../contract/certs.js';
import type { NameConstraint } from './names.js';
import { formatNameConstraint, isPermitted, parseCertName } from './names.js';

export interface AutoNames {
  names: string[];
  skipped: AutoSkippedName[];
}

export function autoNamesForSite(siteId: string, serverNames: readonly string[], constraints: readonly NameConstraint[] | null): AutoNames {
  const names: string[] = [];
  const skipped: AutoSkippedName[] = [];
  const skip = (name: string, reason: string): void => {
    skipped.push({ siteId, name, reason });
  };
  for (const raw of serverNames) {
    if (raw.startsWith('~')) {
      skip(raw, 'a regular expression cannot be put in a certificate; add the exact names or a *. wildcard to the site');
      continue;
    }
    if (raw.endsWith('.*')) {
      skip(raw, 'a trailing wildcard (name.*) cannot be put in a certificate; certificates allow only a leading *.');
      continue;
    }
    if (raw === '' || raw === '_') continue; // nginx's "no name" / catch-all placeholders
    // nginx `.app.test` = `app.test` and `*.app.test`.
    const candidates = raw.startsWith('.') ? [raw.slice(1), `*${raw}`] : [raw];
    for (const candidate of candidates) {
      let parsed;
      try {
        parsed = parseCertName(candidate);
      } catch (e) {
        skip(candidate, errorMessage(e));
        continue;
      }
      if (constraints && !isPermitted(parsed, constraints)) {
        skip(candidate, `outside the names the Berth CA may sign (${constraints.map(formatNameConstraint).join(', ')})`);
        continue;
      }
      if (!names.includes(parsed.value)) names.push(parsed.value);
    }
  }
  return { names, skipped };
}

/** Same names, any order. */
export function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const sa = [...a].sort();
  const sb = [...b].sort();
  return sa.every((v, i) => v === sb[i]);
}
