// Building, showing and running trust-store commands.
import type { TrustActionResult, TrustCommand, TrustStepResult } from '../../contract/certs.js';
import type { TrustEnv } from './types.js';

/** POSIX shell quoting for display (the commands themselves run without a shell). */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** cmd.exe-friendly quoting for Windows commands. */
export function windowsQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./\\-]+$/.test(arg) ? arg : `"${arg.replace(/"/g, '""')}"`;
}

export function command(argv: string[], opts: { needsRoot?: boolean; isRoot?: boolean; windows?: boolean } = {}): TrustCommand {
  const needsRoot = opts.needsRoot === true;
  const quote = opts.windows ? windowsQuote : shellQuote;
  const shown = argv.map(quote).join(' ');
  return { argv, needsRoot, display: needsRoot && !opts.isRoot ? `sudo ${shown}` : shown };
}

/** Keeps the end of a tool's error output, where the reason usually is. */
function tail(text: string): string {
  const lines = text.trim().split('\n').filter(Boolean);
  return lines.slice(-3).join('\n').slice(0, 500);
}

/**
 * Runs the commands in order, stopping at the first failure. A store whose commands need root,
 * when Berth is not root, is not run at all: the result is `needs-root` with the commands to run
 * (the desktop shell can run them elevated; on a terminal, with sudo).
 */
export async function runPlan(
  env: TrustEnv,
  base: Pick<TrustActionResult, 'id' | 'label' | 'action'>,
  commands: TrustCommand[],
  opts: { dryRun?: boolean | undefined; doneMessage: string },
): Promise<TrustActionResult> {
  if (opts.dryRun) return { ...base, outcome: 'planned', message: 'these commands would run', commands, steps: [] };
  if (commands.some((c) => c.needsRoot) && !env.isRoot) {
    return {
      ...base,
      outcome: 'needs-root',
      message: 'this store needs administrator rights: run these commands in a terminal (or confirm the desktop prompt)',
      commands,
      steps: [],
    };
  }
  const steps: TrustStepResult[] = [];
  for (const c of commands) {
    const r = await env.run(c.argv);
    const step: TrustStepResult = { display: c.display, exitCode: r.code };
    if (r.code !== 0) step.error = tail(r.stderr || r.stdout) || `exit code ${r.code}`;
    steps.push(step);
    if (r.code !== 0) return { ...base, outcome: 'failed', message: `${c.display} failed: ${step.error}`, commands, steps };
  }
  return { ...base, outcome: 'done', message: opts.doneMessage, commands, steps };
}
