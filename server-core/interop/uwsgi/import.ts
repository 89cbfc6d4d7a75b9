// uwsgi.ini → a Berth app. The app keeps the ini's socket address (0.0.0.0 and `:port` become
// 127.0.0.1: Berth keeps apps on loopback), so an nginx `uwsgi_pass` to that address — imported
// before or after — reaches it, whether Berth runs it with its own WSGI worker or real uWSGI.
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { z } from 'zod';
import type { appSchema } from '../../config/schema.js';
import { normalizeAddress } from '../nginx/addresses.js';
import type { WarningSink } from '../warnings.js';
import type { IniEntry, ParsedIni } from './ini.js';

export type AppInput = z.input<typeof appSchema>;

export interface UwsgiImportOptions {
  /** `wsgi`: Berth's own worker (no uWSGI needed); `uwsgi`: run real uWSGI. Default wsgi. */
  runtime?: 'wsgi' | 'uwsgi';
}

const NOT_CARRIED: Record<string, string> = {
  'chmod-socket': 'Berth creates the socket itself, readable by your user only',
  'chown-socket': 'Berth creates the socket itself, readable by your user only',
  vacuum: 'Berth removes its sockets on stop',
  daemonize: 'Berth runs the app and keeps its output in its own log (logs/)',
  logto: 'Berth keeps the app\'s output in its own log (logs/)',
  pidfile: 'Berth tracks the app\'s processes itself',
  uid: 'Berth runs apps as your user',
  gid: 'Berth runs apps as your user',
  'enable-threads': 'threads are enabled whenever threads > 1',
  'lazy-apps': "not in Berth's model",
  'buffer-size': "not in Berth's model",
  'die-on-term': 'Berth stops apps with SIGTERM and waits for them',
  'need-app': 'Berth reports an app that fails to load',
  'single-interpreter': "not in Berth's model",
  plugins: 'Berth picks the Python plugin itself',
  plugin: 'Berth picks the Python plugin itself',
  'socket-timeout': "not in Berth's model",
  stats: "not in Berth's model; see the dashboard's metrics",
  pythonpath: "not in Berth's model; set PYTHONPATH with env instead",
};

export interface ImportedApp {
  app: AppInput;
  /** The address the ini listens on (normalised), even when Berth's worker uses its own sockets: nginx's uwsgi_pass to it means this app. */
  address: string | null;
}

export function importUwsgiIni(ini: ParsedIni, sink: WarningSink, options: UwsgiImportOptions = {}): ImportedApp {
  const at = (e: IniEntry) => ({ file: ini.file, line: e.line, column: e.column });
  const app: AppInput = {
    id: '',
    runtime: ini.hints.runtime === 'uwsgi' || ini.hints.runtime === 'wsgi' ? ini.hints.runtime : (options.runtime ?? 'wsgi'),
    workingDir: '',
    env: {},
  };
  if (ini.hints.autostart === 'false') app.autostart = false;
  let module: string | null = null;
  let wsgiFile: IniEntry | null = null;
  let callable: string | null = null;
  let socketSet = false;
  const number = (e: IniEntry, set: (n: number) => void) => {
    if (/^\d+$/.test(e.value)) set(Number(e.value));
    else sink.add(at(e), e.key, `"${e.value}" is not a whole number; not carried over`);
  };

  for (const e of ini.entries) {
    if (/%[a-z(]/i.test(e.value)) sink.add(at(e), e.key, `the uWSGI magic variable in "${e.value}" is not expanded by Berth; check the value`);
    switch (e.key) {
      case 'socket':
      case 'uwsgi-socket':
      case 'http':
      case 'http-socket': {
        if (socketSet) {
          sink.add(at(e), e.key, 'Berth runs an app on one socket; only the first is carried over');
          break;
        }
        const address = normalizeAddress(e.value.startsWith(':') ? `127.0.0.1${e.value}` : e.value);
        if (address === null) {
          sink.add(at(e), e.key, `"${e.value}" is not an address Berth can use; Berth assigns one`);
          break;
        }
        socketSet = true;
        app.socket = address;
        if (/^(0\.0\.0\.0|\*|\[::\])?:/.test(e.value) && !e.value.startsWith('127.')) {
          sink.add(at(e), e.key, `Berth keeps apps on loopback: "${e.value}" became ${address}`);
        }
        if (e.key === 'http' || e.key === 'http-socket') {
          sink.add(at(e), e.key, `the app answers HTTP here in uWSGI; in Berth a site reaches it through an \`app\` location on ${address}`);
        }
        break;
      }
      case 'chdir':
        app.workingDir = e.value.replace(/(.)\/+$/, '$1');
        break;
      case 'module':
      case 'wsgi':
        module = e.value;
        break;
      case 'wsgi-file':
      case 'file':
        wsgiFile = e;
        break;
      case 'callable':
        callable = e.value;
        break;
      case 'processes':
      case 'workers':
      case 'p':
        number(e, (n) => (app.processes = n));
        break;
      case 'threads':
        number(e, (n) => (app.threads = n));
        break;
      case 'max-requests':
        number(e, (n) => (app.maxRequests = n));
        break;
      case 'harakiri':
        number(e, (n) => (app.harakiriS = n));
        break;
      case 'master':
        if (!/^(true|1|yes|on)$/i.test(e.value)) sink.add(at(e), e.key, "Berth's app server is always the master of the app's processes");
        break;
      case 'env': {
        const eq = e.value.indexOf('=');
        if (eq <= 0) sink.add(at(e), e.key, `"${e.value}" is not NAME=value; not carried over`);
        else (app.env as Record<string, string>)[e.value.slice(0, eq)] = e.value.slice(eq + 1);
        break;
      }
      case 'home':
      case 'virtualenv':
      case 'venv':
      case 'pyhome':
        app.interpreter = `${e.value.replace(/\/+$/, '')}/bin/python`;
        break;
      case 'py-autoreload':
        app.reloadOnChange = e.value !== '0';
        break;
      case 'static-map': {
        const [mount, dir] = e.value.split('=', 2);
        sink.add(at(e), e.key, `static files are served by a site in Berth: add \`location ${mount ?? '/static'} { alias ${dir ?? '…'}; }\` to the site that uses this app`);
        break;
      }
      case 'process':
        sink.add(at(e), e.key, 'not a uWSGI option (did you mean "processes"?); not carried over');
        break;
      default:
        sink.add(at(e), e.key, NOT_CARRIED[e.key] ?? `unknown or unsupported uWSGI option "${e.key}"; not carried over`);
    }
  }

  const first = ini.entries[0];
  const fileAt = first ? at(first) : { file: ini.file, line: 1, column: 1 };
  if (app.workingDir === '') {
    app.workingDir = dirname(ini.file);
    sink.add(fileAt, 'chdir', `no chdir: the app runs in the ini's folder, ${app.workingDir}`);
  }
  if (module !== null) {
    app.entry = module.includes(':') ? module : `${module}:${callable ?? 'application'}`;
  } else if (wsgiFile !== null) {
    app.entry = entryFromFile(wsgiFile, app.workingDir, callable ?? 'application', sink, at(wsgiFile));
  } else {
    sink.add(fileAt, 'module', 'no module or wsgi-file: set the app\'s entry (module:callable) in Berth');
  }
  app.id = ini.hints.id ?? appIdFrom(app.entry ?? '', ini.file);
  const address = app.socket ?? null;
  // Berth's WSGI worker gives each worker process its own unix socket (a name prefix); a TCP address
  // stays with real uWSGI only. nginx's uwsgi_pass to the old address still becomes this app.
  if (app.runtime === 'wsgi' && address !== null && !address.startsWith('unix:')) {
    const socketEntry = ini.entries.find((e) => ['socket', 'uwsgi-socket', 'http', 'http-socket'].includes(e.key));
    sink.add(
      socketEntry ? at(socketEntry) : fileAt,
      socketEntry?.key ?? 'socket',
      `Berth's WSGI worker listens on its own unix sockets, so ${address} is not kept; an nginx uwsgi_pass to ${address} is routed to app "${app.id}". Re-run with --runtime uwsgi to run real uWSGI on ${address}`,
    );
    delete app.socket;
  }
  return { app, address };
}

/** `run.py` in chdir → `run:app`; `/srv/x/mysite/wsgi.py` with chdir /srv/x → `mysite.wsgi:application`. */
function entryFromFile(e: IniEntry, workingDir: string, callable: string, sink: WarningSink, pos: { file: string; line: number; column: number }): string {
  const path = isAbsolute(e.value) ? e.value : resolve(workingDir, e.value);
  const rel = relative(workingDir, path);
  if (rel.startsWith('..') || isAbsolute(rel) || !rel.endsWith('.py')) {
    sink.add(pos, e.key, `"${e.value}" is outside chdir (${workingDir}); set the app's entry (module:callable) in Berth`);
    return `${path}:${callable}`;
  }
  return `${rel.slice(0, -3).split(sep).join('.')}:${callable}`;
}

function appIdFrom(entry: string, file: string): string {
  const fromEntry = entry.split(/[.:]/)[0] ?? '';
  const base = /^(wsgi|app|application|run|main|uwsgi)$/.test(fromEntry) || fromEntry.includes('/') || fromEntry === '' ? file.replace(/^.*\//, '').replace(/\.ini$/, '') : fromEntry;
  const id = base
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[-_]+/, '')
    .slice(0, 63);
  return id === '' ? 'app' : id;
}
