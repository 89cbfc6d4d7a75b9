// An app that cannot start until the user changes something (no interpreter, no working dir, a
// bad entry). The app goes to `failed` with this message and hint; it is not restarted.
export class AppConfigError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'AppConfigError';
  }
}

/**
 * A hint for the last error lines of a crashed app, by what the runtime said. The runtimes'
 * messages are their own (Python tracebacks, uWSGI, php-fpm); the hint is the next step.
 */
export function hintFor(lines: readonly string[], runtime: string): string | null {
  const text = lines.join('\n');
  if (/ModuleNotFoundError|No module named|ImportError/.test(text)) {
    return 'a Python module is missing: check the entry (module:callable), the working dir, and that the packages are installed for this interpreter (activate the virtualenv, pip install -r requirements.txt)';
  }
  if (/has no callable|no app loaded|unable to load app|Failed to find attribute/i.test(text)) return 'the entry names a callable the module does not define: use module:callable, e.g. mysite.wsgi:application';
  if (/SyntaxError/.test(text)) return 'the app\'s code has a syntax error: fix the file named in the traceback';
  if (/Address already in use|EADDRINUSE/i.test(text)) return 'the app\'s socket or port is taken by another program: stop it, or clear the app\'s socket so Berth assigns one';
  if (/plugin.*not found|unable to load plugin|UNABLE to load uWSGI plugin/i.test(text)) return 'uWSGI cannot load its python3 plugin: install uwsgi-plugin-python3 (Debian/Ubuntu)';
  if (/Cannot find module|MODULE_NOT_FOUND/.test(text)) return 'Node cannot find the script or a package: check the entry path and run npm install in the working dir';
  if (/Permission denied|EACCES/.test(text)) return 'a file or socket is not accessible to the user running Berth: check its permissions';
  if (runtime === 'command' || runtime === 'node') return 'the app exited by itself; it must keep running and listen on the port given in $PORT';
  return null;
}
