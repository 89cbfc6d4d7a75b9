// Root confinement: a file is served only when its real path (symlinks resolved) lies inside
// the real path of the document root (or alias). nginx follows symlinks anywhere by default
// (`disable_symlinks off`); Berth refuses escapes, since a dashboard user may not know that a
// link in a shared folder points at ~/.ssh.
import type { Stats } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { sep } from 'node:path';

export type ConfinedResult =
  | { kind: 'found'; realPath: string; stat: Stats }
  /** ENOENT, ENOTDIR, ENAMETOOLONG: nginx answers 404. */
  | { kind: 'missing'; code: string }
  /** EACCES, ELOOP: nginx answers 403. */
  | { kind: 'forbidden'; code: string }
  /** The real path leaves the root: 403. */
  | { kind: 'outside'; realPath: string };

const MISSING = new Set(['ENOENT', 'ENOTDIR', 'ENAMETOOLONG']);
const FORBIDDEN = new Set(['EACCES', 'EPERM', 'ELOOP']);

/** Errors other than missing/forbidden are thrown (the pipeline answers 500 and logs them). */
export async function resolveConfined(base: string, candidate: string): Promise<ConfinedResult> {
  let realBase: string;
  let realTarget: string;
  try {
    realBase = await realpath(base);
    realTarget = await realpath(candidate);
  } catch (e) {
    return classify(e);
  }
  if (!isInside(realBase, realTarget)) return { kind: 'outside', realPath: realTarget };
  try {
    return { kind: 'found', realPath: realTarget, stat: await stat(realTarget) };
  } catch (e) {
    return classify(e);
  }
}

export function isInside(base: string, target: string): boolean {
  if (target === base) return true;
  const prefix = base.endsWith(sep) ? base : base + sep;
  return target.startsWith(prefix);
}

function classify(e: unknown): ConfinedResult {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  if (MISSING.has(code)) return { kind: 'missing', code };
  if (FORBIDDEN.has(code)) return { kind: 'forbidden', code };
  throw e;
}
