// Turns zod's issues into ValidationIssues a user can act on: a dotted path (`sites.0.names.1`)
// and a plain message. Messages written in the schema itself (refine/regex texts) are kept as they are.
import type { z } from 'zod';
import type { ValidationIssue } from '../contract/api.js';

type IssueForMap = Parameters<z.core.$ZodErrorMap>[0];

/** `['sites', 0, 'names', 1]` → `sites.0.names.1`; the root is the empty string. */
export function dottedPath(path: readonly PropertyKey[]): string {
  return path.map((p) => String(p)).join('.');
}

/**
 * A per-parse zod error map (`schema.safeParse(x, { error: friendlyZodMessage })`). zod only consults it
 * for issues whose schema has no message of its own; returning undefined keeps zod's text.
 */
export function friendlyZodMessage(issue: IssueForMap): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'this field is required';
      return `expected ${typeName(issue.expected)}, got ${describeValue(issue.input)}`;
    case 'too_small':
      return tooSmall(issue.origin, Number(issue.minimum));
    case 'too_big':
      return tooBig(issue.origin, Number(issue.maximum));
    case 'invalid_value':
      return issue.values.length === 1
        ? `must be ${JSON.stringify(issue.values[0])}, got ${describeValue(issue.input)}`
        : `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describeValue(issue.input)}`;
    case 'invalid_union': {
      const options = (issue as { options?: unknown[] }).options;
      if (Array.isArray(options) && options.length > 0) {
        return `must be one of ${options.map((v) => JSON.stringify(v)).join(', ')}`;
      }
      return 'does not match any of the allowed shapes';
    }
    case 'invalid_format':
      return 'has an invalid format';
    default:
      return undefined;
  }
}

/** Maps a zod error to ValidationIssues. An unknown key becomes one issue at the key's own path. */
export function issuesFromZod(error: z.ZodError): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.push({ path: dottedPath([...issue.path, key]), message: `unknown field "${key}" (check the spelling)` });
      }
      continue;
    }
    out.push({ path: dottedPath(issue.path), message: issue.message });
  }
  return out;
}

/** One line per issue, for the CLI: `  sites.0.names.1: conflicting server name …`. */
export function formatIssues(issues: readonly ValidationIssue[]): string {
  return issues.map((i) => `  ${i.path === '' ? '(config)' : i.path}: ${i.message}`).join('\n');
}

function typeName(expected: string): string {
  switch (expected) {
    case 'string':
      return 'text';
    case 'number':
      return 'a number';
    case 'int':
      return 'a whole number';
    case 'boolean':
      return 'true or false';
    case 'array':
      return 'a list';
    case 'object':
      return 'an object';
    default:
      return expected;
  }
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string': {
      const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
      return `text ${JSON.stringify(shown)}`;
    }
    case 'number':
      return `${value}`;
    case 'boolean':
      return `${value}`;
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}

function tooSmall(origin: string, minimum: number): string {
  if (origin === 'string') return minimum === 1 ? 'cannot be empty' : `must be at least ${minimum} characters`;
  if (origin === 'array' || origin === 'set') return minimum === 1 ? 'needs at least one entry' : `needs at least ${minimum} entries`;
  return `must be at least ${minimum}`;
}

function tooBig(origin: string, maximum: number): string {
  if (origin === 'string') return `must be at most ${maximum} characters`;
  if (origin === 'array' || origin === 'set') return `can have at most ${maximum} entries`;
  return `must be at most ${maximum}`;
}
