// Argument parsing for the CLI: strict (unknown flags are usage errors, exit code 2).
import { parseArgs } from 'node:util';

export class UsageError extends Error {}

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
}

export class ParsedOptions {
  constructor(private readonly values: Record<string, string | boolean | undefined>) {}
  string(name: string): string | undefined {
    const v = this.values[name];
    return typeof v === 'string' ? v : undefined;
  }
  flag(name: string): boolean {
    return this.values[name] === true;
  }
}

export function parseStrict(args: string[], options: Record<string, OptionSpec>): ParsedOptions {
  try {
    const { values } = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false });
    return new ParsedOptions(values as Record<string, string | boolean | undefined>);
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message.replace(/\. To specify a positional argument.*$/s, '') : String(e));
  }
}

/** A TCP port from a flag: a whole number 0–65535. */
export function portOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) throw new UsageError(`--${name} must be a port number from 0 to 65535, not '${value}'`);
  return Number(value);
}

/** A whole number from `min` to `max` (e.g. --proxy-workers). */
export function countOption(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,4}$/.test(value) || Number(value) < min || Number(value) > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not '${value}'`);
  return Number(value);
}
