// The runtimes, registered by id; the mapped type makes a missing one a compile error.
import type { App } from '../../config/schema.js';
import { gunicornRuntime } from './gunicorn.js';
import { phpFpmRuntime } from './php-fpm.js';
import { commandRuntime, nodeRuntime } from './port-runtimes.js';
import type { Runtime } from './types.js';
import { uwsgiRuntime } from './uwsgi.js';
import { wsgiRuntime } from './wsgi.js';

export const runtimes: { readonly [K in App['runtime']]: Runtime } = {
  wsgi: wsgiRuntime,
  uwsgi: uwsgiRuntime,
  gunicorn: gunicornRuntime,
  node: nodeRuntime,
  'php-fpm': phpFpmRuntime,
  command: commandRuntime,
};
