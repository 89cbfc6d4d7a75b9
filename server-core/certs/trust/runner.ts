// The real TrustEnv: runs commands with execFile (no shell), finds programs on PATH.
import { execFile } from 'node:child_process';
import { access, readdir, readFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { CommandResult, TrustEnv } from './types.js';

/** A trust command that takes longer has hung on a prompt nobody sees. */
const COMMAND_TIMEOUT_MS = 120_000;

export function systemRunner(argv: readonly string[]): Promise<CommandResult> {
  return new Promise((resolve) => {
    const [file, ...args] = argv;
    if (!file) {
      resolve({ code: 127, stdout: '', stderr: 'empty command' });
      return;
    }
    execFile(file, args, { timeout: COMMAND_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024, windowsHide: true }, (error, stdout, stderr) => {
      if (!error) {
        resolve({ code: 0, stdout, stderr });
        return;
      }
      const code = typeof error.code === 'number' ? error.code : 127;
      resolve({ code, stdout, stderr: stderr || error.message });
    });
  });
}

export async function whichProgram(program: string, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): Promise<string | null> {
  const exts = platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const ext of exts) {
      const candidate = join(dir, program + ext);
      try {
        await access(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not here
      }
    }
  }
  return null;
}

export function systemTrustEnv(overrides: Partial<TrustEnv> = {}): TrustEnv {
  const env = overrides.env ?? process.env;
  const platform = overrides.platform ?? process.platform;
  return {
    platform,
    home: overrides.home ?? env.HOME ?? homedir(),
    env,
    isRoot: overrides.isRoot ?? (typeof process.getuid === 'function' && process.getuid() === 0),
    run: overrides.run ?? systemRunner,
    which: overrides.which ?? ((p) => whichProgram(p, env, platform)),
    exists:
      overrides.exists ??
      (async (p) => {
        try {
          await access(p);
          return true;
        } catch {
          return false;
        }
      }),
    list:
      overrides.list ??
      (async (d) => {
        try {
          return await readdir(d);
        } catch {
          return [];
        }
      }),
    readText:
      overrides.readText ??
      (async (p) => {
        try {
          return await readFile(p, 'utf8');
        } catch {
          return null;
        }
      }),
  };
}
