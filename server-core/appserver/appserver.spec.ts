import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { App } from '../config/schema.js';
import { hintFor } from './app-errors.js';
import { splitCommandLine } from './command-line.js';
import { phpFpmConfig } from './runtimes/php-fpm.js';
import { uwsgiIni } from './runtimes/uwsgi.js';
import { runDirFor } from './app-manager.js';

const app: App = { id: 'shop', runtime: 'uwsgi', workingDir: '/srv/shop', entry: 'shop.wsgi:application', interpreter: '', env: { A: 'b"c' }, processes: 4, threads: 2, maxRequests: 500, harakiriS: 30, autostart: true, socket: '', reloadOnChange: false };

describe('generated runtime configs', () => {
  test('uwsgi.ini carries the seeds\' settings and stops on SIGTERM', () => {
    const ini = uwsgiIni(app, 'unix:/run/shop.sock', null);
    for (const line of ['[uwsgi]', 'plugins = python3', 'socket = /run/shop.sock', 'chdir = /srv/shop', 'module = shop.wsgi:application', 'master = true', 'processes = 4', 'threads = 2', 'max-requests = 500', 'harakiri = 30', 'die-on-term = true', 'need-app = true']) {
      assert.ok(ini.split('\n').includes(line), `${line} in\n${ini}`);
    }
  });
  test('php-fpm pool: listen, pm, limits, env quoted', () => {
    const conf = phpFpmConfig({ ...app, runtime: 'php-fpm' }, 'unix:/run/php.sock', '/run/x', 'static');
    assert.match(conf, /^listen = \/run\/php\.sock$/m);
    assert.match(conf, /^pm = static$/m);
    assert.match(conf, /^pm\.max_children = 4$/m);
    assert.match(conf, /^pm\.max_requests = 500$/m);
    assert.match(conf, /^request_terminate_timeout = 30s$/m);
    assert.match(conf, /^env\[A\] = "bc"$/m);
    assert.match(conf, /^daemonize = no$/m);
  });
});

describe('command lines', () => {
  test('words, quotes and escapes like a shell, without expansion', () => {
    assert.deepEqual(splitCommandLine(`python3 -m http.server $PORT --bind '127.0.0.1' "a b" c\\ d`), ['python3', '-m', 'http.server', '$PORT', '--bind', '127.0.0.1', 'a b', 'c d']);
    assert.throws(() => splitCommandLine('echo "open'));
  });
});

describe('hints', () => {
  test('by what the runtime said', () => {
    assert.match(hintFor(["ModuleNotFoundError: No module named 'flask'"], 'wsgi') ?? '', /installed for this interpreter/);
    assert.match(hintFor(['UNABLE to load uWSGI plugin: python3_plugin.so'], 'uwsgi') ?? '', /uwsgi-plugin-python3/);
    assert.equal(hintFor(['something else'], 'wsgi'), null);
  });
});

describe('run dirs', () => {
  test('short paths stay in the data dir; long ones move under the temp dir (unix socket path limit)', () => {
    assert.equal(runDirFor('/home/u/.config/Berth', 'shop'), '/home/u/.config/Berth/run/apps/shop');
    const long = runDirFor(`/home/${'x'.repeat(90)}`, 'shop');
    assert.ok(long.length < 80 && long.endsWith('/shop'), long);
  });
});
