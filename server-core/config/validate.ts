// Config validation at the boundary (admin API, CLI import, the store): the schema first, then the
// semantic checks. Either the whole config is accepted, or every problem comes back with its path.
import type { ValidationIssue } from '../contract/api.js';
import { BerthError } from '../errors.js';
import { formatIssues, friendlyZodMessage, issuesFromZod } from './issues.js';
import { configSchema, type BerthConfig } from './schema.js';
import { semanticChecks, type ValidationContext } from './semantic-checks.js';

export { formatIssues } from './issues.js';
export type { ValidationContext } from './semantic-checks.js';

export type ValidationResult = { ok: true; config: BerthConfig } | { ok: false; issues: ValidationIssue[] };

/** `context`: facts from outside the config (the certificate store's ids); a check without its facts is skipped. */
export function validateConfig(input: unknown, context: ValidationContext = {}): ValidationResult {
  const parsed = configSchema.safeParse(input, { error: friendlyZodMessage });
  if (!parsed.success) return { ok: false, issues: issuesFromZod(parsed.error) };
  const issues = semanticChecks.flatMap((check) => check(parsed.data, context));
  return issues.length === 0 ? { ok: true, config: parsed.data } : { ok: false, issues };
}

/** Thrown where a config must be valid (the store's `apply`); carries every issue for the API's error body. */
export class ConfigValidationError extends BerthError {
  readonly issues: ValidationIssue[];

  constructor(issues: ValidationIssue[]) {
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    super('BERTH_ERR_VALIDATION', `the config has ${count}:\n${formatIssues(issues)}`, {
      hint: 'fix the fields listed above; nothing was changed',
    });
    this.name = 'ConfigValidationError';
    this.issues = issues;
  }
}

/** validateConfig, throwing ConfigValidationError instead of returning issues. */
export function assertValidConfig(input: unknown): BerthConfig {
  const result = validateConfig(input);
  if (!result.ok) throw new ConfigValidationError(result.issues);
  return result.config;
}
