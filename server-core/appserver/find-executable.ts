// Finding the program an app runs: an explicit path, a virtualenv in the working dir, or PATH.
import { accessSync, constants, readdirSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { AppConfigError } from './app-errors.js';

export function isExecutable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Searches PATH (and `extraDirs`) for a program by name; null when absent. */
export function whichSync(name: string, env: NodeJS.ProcessEnv = process.env, extraDirs: string[] = []): string | null {
  if (name.includes('/')) return isExecutable(name) ? resolve(name) : null;
  for (const dir of [...(env.PATH ?? '').split(delimiter), ...extraDirs]) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

/** The virtualenv's bin dir (`venv`, `.venv`, `env` in the working dir, like most tutorials name it). */
export function findVirtualenvBin(workingDir: string): string | null {
  for (const name of ['.venv', 'venv', 'env']) {
    const bin = join(workingDir, name, process.platform === 'win32' ? 'Scripts' : 'bin');
    if (isExecutable(join(bin, 'python')) || isExecutable(join(bin, 'python3'))) return bin;
  }
  return null;
}

/**
 * The Python for wsgi apps: the explicit `interpreter`, else the virtualenv's python, else python3
 * on PATH. Throws AppConfigError with a hint when none exists.
 */
export function resolvePython(interpreter: string, workingDir: string, env: NodeJS.ProcessEnv): string {
  if (interpreter !== '') return resolveExplicit(interpreter, workingDir, 'the Python interpreter', 'install Python 3 or set the app\'s interpreter to the path of python3 (for a virtualenv: /path/to/venv/bin/python)');
  const venv = findVirtualenvBin(workingDir);
  if (venv) return isExecutable(join(venv, 'python')) ? join(venv, 'python') : join(venv, 'python3');
  const found = whichSync('python3', env) ?? whichSync('python', env);
  if (found) return found;
  throw new AppConfigError('BERTH_ERR_APP_INTERPRETER', 'no Python interpreter found: no virtualenv (venv, .venv) in the working dir and no python3 on PATH', 'install Python 3, create a virtualenv in the app folder (python3 -m venv venv), or set the app\'s interpreter to a python path');
}

/** A runtime's own binary (uwsgi, gunicorn, node, php-fpm): explicit, then the virtualenv, then PATH. */
export function resolveProgram(interpreter: string, names: string[], workingDir: string, env: NodeJS.ProcessEnv, what: string, installHint: string, extraDirs: string[] = []): string {
  if (interpreter !== '') return resolveExplicit(interpreter, workingDir, what, installHint);
  const venv = findVirtualenvBin(workingDir);
  for (const name of names) {
    if (venv && isExecutable(join(venv, name))) return join(venv, name);
    const found = whichSync(name, env, extraDirs);
    if (found) return found;
  }
  throw new AppConfigError('BERTH_ERR_APP_INTERPRETER', `${what} was not found (looked for ${names.join(', ')} in the virtualenv and on PATH)`, installHint);
}

function resolveExplicit(interpreter: string, workingDir: string, what: string, hint: string): string {
  const path = interpreter.includes('/') ? (isAbsolute(interpreter) ? interpreter : resolve(workingDir, interpreter)) : whichSync(interpreter);
  if (path !== null && isExecutable(path)) return path;
  throw new AppConfigError('BERTH_ERR_APP_INTERPRETER', `${what} "${interpreter}" does not exist or is not executable`, hint);
}

/** php-fpm's binary carries the PHP version on Debian (`php-fpm8.2` in /usr/sbin). */
export function findPhpFpm(env: NodeJS.ProcessEnv): string | null {
  const dirs = [...(env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/opt/homebrew/sbin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    if (isExecutable(join(dir, 'php-fpm'))) return join(dir, 'php-fpm');
    let names: string[];
    try {
      names = readdirSync(dir).filter((n) => /^php-fpm\d+(\.\d+)?$/.test(n));
    } catch {
      continue;
    }
    names.sort().reverse();
    for (const n of names) if (isExecutable(join(dir, n))) return join(dir, n);
  }
  return null;
}
