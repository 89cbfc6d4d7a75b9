// Runs a list of commands with administrator rights through the OS's own prompt, for trust-store
// installs the certificate module cannot do as the user (the Linux system store, say):
//   Linux   pkexec /bin/sh -c '…'        (polkit asks for the password)
//   macOS   osascript -e 'do shell script "…" with administrator privileges'
//   Windows powershell Start-Process -Verb RunAs  (UAC)
// The commands come from main itself (trust-install.ts), never from the page. The runner is
// injected so the specs check the exact command lines built for every OS.
import { execFile } from 'node:child_process';

export interface RunResult {
  /** Exit code; null when killed (timeout). */
  code: number | null;
  stdout: string;
  stderr: string;
}

export type CommandRunner = (file: string, args: string[]) => Promise<RunResult>;

export interface ElevatedInvocation {
  file: string;
  args: string[];
}

export type ElevationOutcome = 'installed' | 'cancelled' | 'failed';

export interface ElevationResult {
  outcome: ElevationOutcome;
  output: string;
}

export class ElevationError extends Error {
  readonly code = 'BERTH_ERR_ELEVATION';
}

const maxCommands = 16;
const maxArgs = 64;
const maxArgLength = 4096;

/** Checks an argv list before it goes near a shell: non-empty programs, strings only, no NUL or line breaks. */
export function checkCommands(commands: unknown): string[][] {
  const bad = (why: string): never => {
    throw new ElevationError(`the trust-store commands are not usable (${why}); update Berth or run them by hand`);
  };
  if (!Array.isArray(commands) || commands.length === 0 || commands.length > maxCommands) return bad(`expected 1 to ${maxCommands} commands`);
  return commands.map((argv: unknown) => {
    if (!Array.isArray(argv) || argv.length === 0 || argv.length > maxArgs) return bad('a command is not a list of arguments');
    return argv.map((a: unknown, i) => {
      if (typeof a !== 'string' || a.length > maxArgLength || /[\0\r\n]/.test(a) || (i === 0 && a.length === 0)) return bad('an argument is not a single-line string');
      return a;
    });
  });
}

/** POSIX shell single quotes: nothing inside is special; a quote is closed, escaped and reopened. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** One command line for `sh -c`: the commands run in order and stop at the first failure. */
export function shellScript(commands: readonly string[][]): string {
  return commands.map((argv) => argv.map(shellQuote).join(' ')).join(' && ');
}

/** An AppleScript string literal: backslash and double quote take a backslash. */
export function appleScriptString(text: string): string {
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * One argument for a Windows command line, as CommandLineToArgvW and the MSVC runtime read it:
 * quoted when it has blanks or quotes; backslashes are literal except before a quote, where they
 * are doubled (https://learn.microsoft.com/cpp/c-language/parsing-c-command-line-arguments).
 */
export function windowsArg(arg: string): string {
  if (arg.length > 0 && !/[\s"]/.test(arg)) return arg;
  let out = '"';
  let slashes = 0;
  for (const ch of arg) {
    if (ch === '\\') {
      slashes++;
      continue;
    }
    out += ch === '"' ? '\\'.repeat(slashes * 2 + 1) + '"' : '\\'.repeat(slashes) + ch;
    slashes = 0;
  }
  return `${out + '\\'.repeat(slashes * 2)}"`;
}

/** A PowerShell single-quoted string: only `'` is special, written twice. */
export function powerShellString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

export function elevatedInvocation(platform: NodeJS.Platform, commands: readonly string[][]): ElevatedInvocation {
  if (platform === 'linux') return { file: 'pkexec', args: ['/bin/sh', '-c', shellScript(commands)] };
  if (platform === 'darwin') {
    return { file: '/usr/bin/osascript', args: ['-e', `do shell script ${appleScriptString(shellScript(commands))} with administrator privileges`] };
  }
  if (platform === 'win32') {
    const lines = ["$ErrorActionPreference = 'Stop'"];
    for (const [program, ...rest] of commands) {
      const argList = rest.length > 0 ? ` -ArgumentList ${powerShellString(rest.map(windowsArg).join(' '))}` : '';
      lines.push(`$p = Start-Process -FilePath ${powerShellString(program!)}${argList} -Verb RunAs -Wait -PassThru -WindowStyle Hidden`);
      lines.push('if ($p.ExitCode -ne 0) { exit $p.ExitCode }');
    }
    return { file: 'powershell.exe', args: ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-Command', lines.join('; ')] };
  }
  throw new ElevationError(`elevation is not supported on ${platform}; run the commands as an administrator by hand`);
}

/**
 * Did the user dismiss the prompt? pkexec exits 126 when the dialog is dismissed (127: not
 * authorized); osascript reports error -128 "User canceled"; Start-Process says "canceled by the user".
 */
export function wasCancelled(platform: NodeJS.Platform, result: RunResult): boolean {
  if (platform === 'linux') return result.code === 126 || result.code === 127;
  if (platform === 'darwin') return /\(-128\)|User cancell?ed/i.test(result.stderr);
  if (platform === 'win32') return /cancell?ed by the user/i.test(result.stderr + result.stdout);
  return false;
}

function tail(text: string, lines = 20): string {
  return text.trim().split(/\r?\n/).slice(-lines).join('\n');
}

export async function runElevated(commands: readonly string[][], runner: CommandRunner, platform: NodeJS.Platform = process.platform): Promise<ElevationResult> {
  const { file, args } = elevatedInvocation(platform, checkCommands(commands));
  let result: RunResult;
  try {
    result = await runner(file, args);
  } catch (err) {
    return { outcome: 'failed', output: `could not run ${file}: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (result.code === 0) return { outcome: 'installed', output: tail(result.stdout) };
  if (wasCancelled(platform, result)) return { outcome: 'cancelled', output: '' };
  const why = result.code === null ? `${file} was stopped (timed out)` : `exit code ${result.code}`;
  return { outcome: 'failed', output: tail(`${result.stdout}\n${result.stderr}\n${why}`) };
}

/** The prompt waits for a human: allow minutes, not seconds. */
const runTimeoutMs = 5 * 60_000;

/** execFile without a shell; a missing program (no pkexec) rejects with ENOENT. */
export const execRunner: CommandRunner = (file, args) =>
  new Promise((resolve, reject) => {
    execFile(file, args, { timeout: runTimeoutMs, maxBuffer: 4 * 1024 * 1024, windowsHide: true }, (err, stdout, stderr) => {
      if (err && typeof err.code === 'string') {
        reject(err);
        return;
      }
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ code: err?.killed ? null : code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
