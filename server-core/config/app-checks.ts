// Semantic checks for `apps` and the locations that use apps and app protocols: unique app ids,
// `app` locations naming an app that exists, `uwsgi`/`fastcgi` locations naming an upstream that
// speaks that protocol, socket formats per runtime, and what each runtime needs in `entry`.
import { isAbsolute } from 'node:path';
import type { ValidationIssue } from '../contract/api.js';
import { parseUpstreamAddress } from '../proxy/upstream/address.js';
import type { App, BerthConfig } from './schema.js';

const MODULE_CALLABLE = /^[A-Za-z_][\w.]*(:[A-Za-z_][\w.]*)?$/;

function checkApp(app: App, i: number): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const base = `apps.${i}`;
  if (!isAbsolute(app.workingDir)) issues.push({ path: `${base}.workingDir`, message: `workingDir must be an absolute folder path, got "${app.workingDir}"` });
  switch (app.runtime) {
    case 'wsgi':
    case 'uwsgi':
    case 'gunicorn':
      if (!MODULE_CALLABLE.test(app.entry)) {
        issues.push({ path: `${base}.entry`, message: `a ${app.runtime} app's entry is the WSGI module and callable, e.g. mysite.wsgi:application or app:app; got "${app.entry}"` });
      }
      break;
    case 'node':
      if (app.entry === '') issues.push({ path: `${base}.entry`, message: 'a node app needs its server script in entry, e.g. server.js' });
      break;
    case 'command':
      if (app.entry.trim() === '') issues.push({ path: `${base}.entry`, message: 'a command app needs the command line in entry; it gets its port in $PORT' });
      break;
    case 'php-fpm':
      break;
  }
  if (app.socket !== '') {
    const address = parseUpstreamAddress(app.socket);
    if (!address) {
      issues.push({ path: `${base}.socket`, message: `"${app.socket}" is not a socket: write unix:/absolute/path.sock or 127.0.0.1:PORT, or leave it empty to let Berth assign one` });
    } else if (address.kind === 'unix' && (app.runtime === 'node' || app.runtime === 'command')) {
      issues.push({ path: `${base}.socket`, message: `a ${app.runtime} app is given a TCP port in $PORT: write 127.0.0.1:PORT, or leave the socket empty` });
    } else if (address.kind === 'tcp' && app.runtime === 'wsgi') {
      issues.push({ path: `${base}.socket`, message: 'Berth\'s WSGI runtime gives each worker its own unix socket: write unix:/absolute/path.sock (a name prefix), or leave the socket empty' });
    } else if (address.kind === 'tcp' && address.port + (app.runtime === 'node' || app.runtime === 'command' ? app.processes - 1 : 0) > 65535) {
      issues.push({ path: `${base}.socket`, message: `instances use ports ${address.port}–${address.port + app.processes - 1}, past 65535; pick a lower port` });
    }
  }
  return issues;
}

export function checkApps(config: BerthConfig): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const ids = new Map<string, number>();
  const sockets = new Map<string, number>();
  config.apps.forEach((app, i) => {
    const first = ids.get(app.id);
    if (first === undefined) ids.set(app.id, i);
    else issues.push({ path: `apps.${i}.id`, message: `app id "${app.id}" is already used by apps.${first}; ids must be unique` });
    if (app.socket !== '') {
      const other = sockets.get(app.socket);
      if (other !== undefined) issues.push({ path: `apps.${i}.socket`, message: `socket ${app.socket} is already used by apps.${other}; two apps cannot listen on one socket` });
      else sockets.set(app.socket, i);
    }
    issues.push(...checkApp(app, i));
  });
  return issues;
}

export function checkAppLocations(config: BerthConfig): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const apps = new Set(config.apps.map((a) => a.id));
  const upstreams = new Map(config.upstreams.map((u) => [u.id, u]));
  config.sites.forEach((site, i) =>
    site.locations.forEach((loc, j) => {
      const h = loc.handler;
      const base = `sites.${i}.locations.${j}.handler`;
      if (h.type === 'app' && !apps.has(h.app)) {
        const known = [...apps].map((id) => `"${id}"`).join(', ');
        issues.push({ path: `${base}.app`, message: `there is no app "${h.app}"${known ? `; known apps: ${known}` : '; add it under apps'}` });
      }
      if (h.type === 'uwsgi' || h.type === 'fastcgi') {
        const u = upstreams.get(h.upstream);
        if (!u) issues.push({ path: `${base}.upstream`, message: `there is no upstream "${h.upstream}"; add one with protocol ${h.type}, or use an app location` });
        else if (u.protocol !== h.type) issues.push({ path: `${base}.upstream`, message: `upstream "${u.id}" speaks ${u.protocol}; a ${h.type} location needs protocol ${h.type}` });
      }
      if (h.type === 'fastcgi') {
        if (h.root === undefined && site.root === undefined) issues.push({ path: `${base}.root`, message: 'a fastcgi location needs a document root for SCRIPT_FILENAME: set root here or on the site' });
        if (h.root !== undefined && !isAbsolute(h.root)) issues.push({ path: `${base}.root`, message: `root must be an absolute folder path, got "${h.root}"` });
        if (h.splitPathInfo !== undefined) {
          let groups = -1;
          try {
            groups = new RegExp(`${h.splitPathInfo}|`).exec('')?.length ?? 0;
          } catch (e) {
            issues.push({ path: `${base}.splitPathInfo`, message: `splitPathInfo does not compile: ${(e as Error).message}` });
          }
          if (groups >= 0 && groups < 3) issues.push({ path: `${base}.splitPathInfo`, message: 'splitPathInfo needs two capture groups, the script and the path info, like ^(.+\\.php)(/.+)$ (nginx fastcgi_split_path_info)' });
        }
      }
    }),
  );
  return issues;
}
