// Validation issues come back with the dotted path of their field (`sites.0.locations.1.handler
// .upstream`). Inputs carry the same path in `data-field`; these helpers pick an input's issues and
// find the closest input for an issue whose exact field has no input of its own.
import type { ValidationIssue } from '../../../server-core/contract/api.js';

/** Issues about exactly `path`, or (deep) about anything inside it. */
export function issuesAt(issues: readonly ValidationIssue[], path: string, deep = false): ValidationIssue[] {
  return issues.filter((i) => i.path === path || (deep && i.path.startsWith(`${path}.`)));
}

/** `a.b.c` → [`a.b.c`, `a.b`, `a`]: the field, then its containers. */
export function pathAncestors(path: string): string[] {
  const parts = path.split('.');
  const out: string[] = [];
  for (let n = parts.length; n > 0; n--) out.push(parts.slice(0, n).join('.'));
  return out;
}

/** The nearest path in `known` for an issue path (itself or a container), or null. */
export function nearestField(path: string, known: ReadonlySet<string>): string | null {
  for (const p of pathAncestors(path)) if (known.has(p)) return p;
  return null;
}

/** `sites.3.…` → 3 for prefix `sites`; null when the path is not under that list. */
export function indexUnder(path: string, list: string): number | null {
  const m = new RegExp(`^${list.replace(/\./g, '\\.')}\\.(\\d+)(?:\\.|$)`).exec(path);
  return m ? Number(m[1]) : null;
}

/** Issues grouped by their index in a list (`sites`, `upstreams`), for badges on the list rows. */
export function countByIndex(issues: readonly ValidationIssue[], list: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const i of issues) {
    const idx = indexUnder(i.path, list);
    if (idx !== null) out.set(idx, (out.get(idx) ?? 0) + 1);
  }
  return out;
}
