// New apps for the Apps page's form, every field at the schema's default (server-core/config/
// schema.ts `appSchema`), and the site that serves a new app at `<id>.localhost`.
import type { App, Site } from '../../../server-core/config/schema.js';
import { newSite } from './defaults.js';

export type AppRuntime = App['runtime'];
export const APP_RUNTIMES: readonly AppRuntime[] = ['wsgi', 'uwsgi', 'gunicorn', 'node', 'php-fpm', 'command'];

export function newApp(id: string, runtime: AppRuntime = 'wsgi'): App {
  return { id, runtime, workingDir: '', entry: '', interpreter: '', env: {}, processes: 1, threads: 1, maxRequests: 0, harakiriS: 0, autostart: true, socket: '', reloadOnChange: false };
}

/** A site `<id>.localhost` whose `/` goes to the app (what most users want next). */
export function newAppSite(siteId: string, appId: string): Site {
  return { ...newSite(siteId), names: [`${appId}.localhost`], locations: [{ match: { kind: 'prefix', path: '/' }, handler: { type: 'app', app: appId }, internal: false, interceptErrors: false }] };
}

/** Runtimes that use the threads setting (PHP-FPM, Node and commands have their own models). */
export function usesThreads(runtime: AppRuntime): boolean {
  return runtime === 'wsgi' || runtime === 'uwsgi' || runtime === 'gunicorn';
}
