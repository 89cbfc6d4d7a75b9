// Random but valid-shaped Berth configs from a fixed seed, for the import(export(config)) property
// test. It draws only what round-trips by design (see docs/ARCHITECTURE.md, "Import and export"):
// apps with fixed sockets (every runtime: `app` locations of each protocol; only wsgi/uwsgi apps
// come back as apps, from their uwsgi.ini), upstreams without active health checks,
// plain-HTTP listens with the default http2 flag, no HSTS/Connection/Upgrade in header maps.
import { configSchema, type BerthConfig, type BerthConfigInput } from '../config/schema.js';

/** mulberry32: small, fast, deterministic. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function generateConfig(seed: number): BerthConfig {
  const r = rng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const maybe = (p = 0.5) => r() < p;
  // Rewrites draw from their own stream, so adding them left every other drawn value as it was.
  const rr = rng(seed ^ 0x5eed);
  const rewrites = () => {
    if (rr() < 0.6) return {};
    const rules = [
      { pattern: '^/old/(.*)$', replacement: '/new/$1' },
      { pattern: '^/api/v(\\d{1,2})/(.*)$', replacement: '/api/$2?version=$1', flag: 'last' as const },
      { pattern: '^/(?<slug>[a-z-]+)\\.html$', replacement: '/pages/$slug?', flag: 'break' as const },
      { pattern: '^', replacement: 'https://x.test$request_uri?', flag: 'permanent' as const },
      { pattern: '^/tmp/(.*)', replacement: '/t/$1 "quoted";', flag: 'redirect' as const },
    ];
    const n = 1 + Math.floor(rr() * 2);
    return { rewrites: Array.from({ length: n }, () => rules[Math.floor(rr() * rules.length)] as (typeof rules)[number]) };
  };

  const upstreams: NonNullable<BerthConfigInput['upstreams']> = [];
  for (let i = 0; i < int(0, 3); i++) {
    const method = pick(['round_robin', 'least_conn', 'ip_hash', 'random_two'] as const);
    upstreams.push({
      id: `up${i}_${pick(['api', 'web', 'php'])}`,
      protocol: pick(['http', 'uwsgi', 'fastcgi'] as const),
      method,
      keepalive: pick([0, 16, 32]),
      servers: Array.from({ length: int(1, 3) }, (_, k) => ({
        address: maybe(0.8) ? `127.0.0.1:${9000 + i * 10 + k}` : `unix:/run/up${i}-${k}.sock`,
        weight: int(1, 5),
        maxFails: int(0, 3),
        failTimeoutS: pick([10, 30, 1]),
        backup: k > 0 && (method === 'round_robin' || method === 'least_conn') && maybe(0.2),
        down: maybe(0.1),
      })),
    });
  }
  const apps: NonNullable<BerthConfigInput['apps']> = [];
  for (let i = 0; i < int(0, 2); i++) {
    const runtime = pick(['wsgi', 'uwsgi', 'gunicorn', 'node', 'command', 'php-fpm'] as const);
    const entries = { wsgi: ['mysite.wsgi:application', 'run:app'], uwsgi: ['mysite.wsgi:application', 'run:app'], gunicorn: ['run:app'], node: ['server.mjs'], command: ['npm run dev'], 'php-fpm': [''] };
    apps.push({
      id: `app${i}`,
      runtime,
      workingDir: `/srv/app${i}`,
      entry: pick(entries[runtime]),
      interpreter: maybe() ? `/srv/app${i}/venv/bin/python` : '',
      env: maybe() ? { DJANGO_SETTINGS_MODULE: 'mysite.settings', MODE: 'a b' } : {},
      processes: int(1, 4),
      threads: int(1, 4),
      maxRequests: pick([0, 2000]),
      harakiriS: pick([0, 30]),
      autostart: maybe(0.8),
      socket: runtime === 'wsgi' || maybe() ? `unix:/run/berth/app${i}.sock` : `127.0.0.1:${8100 + i}`,
      reloadOnChange: maybe(0.3),
    });
  }

  // nginx error_page entries: codes, a URI (with args and variables nginx knows) or a URL, an optional `=`/`=CODE`.
  const errorPages = () =>
    Array.from({ length: int(1, 2) }, () => {
      const response = pick([undefined, undefined, 'page', 200, 301, 404] as const);
      return {
        codes: pick([[404], [500, 502, 503, 504], [403, 404], [401], [413]]),
        target: pick(['/50x.html', '/errors/404.html?from=$uri', 'https://status.example.test/down', '/err/$host']),
        ...(response !== undefined ? { response } : {}),
      };
    });

  const sites: NonNullable<BerthConfigInput['sites']> = [];
  for (let i = 0; i < int(1, 4); i++) {
    const tls = maybe(0.3);
    const names = [`s${i}.test`, ...(maybe(0.3) ? [`*.s${i}.test`] : [])];
    const locations: NonNullable<NonNullable<BerthConfigInput['sites']>[number]['locations']> = [];
    for (let j = 0; j < int(0, 5); j++) {
      const kind = pick(['exact', 'prefix', 'prefix-stop', 'regex', 'regex-i'] as const);
      const path = kind.startsWith('regex') ? pick(['\\.php$', '^/api/(v\\d+)/', '\\.(png|jpe?g){1}$']) : `/p${j}${pick(['', '/'])}`;
      const type = pick(['static', 'return', 'proxy', 'uwsgi', 'fastcgi', 'app'] as const);
      const byProtocol = (p: string) => upstreams.filter((u) => u.protocol === p);
      let handler: NonNullable<BerthConfigInput['sites']>[number]['locations'] extends Array<infer L> | undefined ? (L extends { handler: infer H } ? H : never) : never;
      if (type === 'return') handler = { type, status: pick([200, 204, 301, 302, 404, 418]), body: pick(['', 'hello world', 'say "hi" \\ bye', 'https://x.test$request_uri']) };
      else if (type === 'proxy') {
        const up = byProtocol('http');
        handler = {
          type,
          // A URL with a path has no prefix to replace in a regex location: nginx and the validator refuse it there.
          ...(up.length > 0 && maybe() ? { upstream: pick(up).id } : { url: kind.startsWith('regex') ? 'http://127.0.0.1:3000' : pick(['http://127.0.0.1:3000', 'http://127.0.0.1:3001/base/']) }),
          setHeaders: maybe() ? { Host: '$host', 'X-Client': '$remote_addr', 'X-Real-IP': '', 'X-Empty': '' } : {},
          hideHeaders: maybe(0.3) ? ['X-Powered-By'] : [],
          connectTimeoutS: pick([60, 5]),
          readTimeoutS: pick([60, 300, 1.5]),
          sendTimeoutS: 60,
          websocket: maybe(),
        };
      } else if ((type === 'uwsgi' || type === 'fastcgi') && byProtocol(type).length > 0) {
        const base = { upstream: pick(byProtocol(type)).id, params: (maybe() ? { APP_ENV: 'dev', SCRIPT_NAME: '/x' } : {}) as Record<string, string>, connectTimeoutS: 60, readTimeoutS: pick([60, 120]), sendTimeoutS: 60 };
        handler = type === 'uwsgi' ? { type, ...base } : { type, ...base, index: pick(['index.php', 'app.php']), ...(maybe() ? { splitPathInfo: '^(.+\\.php)(/.+)$' } : {}), ...(maybe() ? { root: '/srv/php' } : {}) };
      } else if (type === 'app' && apps.length > 0) handler = { type, app: pick(apps).id };
      else {
        handler = {
          type: 'static',
          ...(maybe(0.3) ? { root: `/srv/r${j}` } : maybe(0.3) ? { alias: `/srv/a${j}${path.endsWith('/') ? '/' : ''}` } : {}),
          ...(maybe(0.3) ? { index: ['index.htm', 'default.html'] } : {}),
          autoindex: maybe(0.3),
          tryFiles: maybe(0.3) ? ['$uri', '$uri/', pick(['=404', '/index.html'])] : [],
          ...(maybe(0.3) ? { expiresS: pick([-1, 0, 3600, 2_592_000]) } : {}),
          compress: maybe(),
          addHeaders: maybe(0.3) ? { 'X-Frame-Options': 'DENY', 'Cache-Control': 'public, max-age=60' } : {},
        };
      }
      const passing = handler.type === 'proxy' || handler.type === 'uwsgi' || handler.type === 'fastcgi' || handler.type === 'app';
      const own = maybe(0.2) ? { errorPages: errorPages() } : {};
      const intercept = passing && maybe(0.3) ? { interceptErrors: true } : {};
      if (!locations.some((l) => l.match.kind === kind && l.match.path === path)) locations.push({ match: { kind, path }, handler, internal: maybe(0.2), ...rewrites(), ...own, ...intercept });
    }
    sites.push({
      id: `site-${i}`,
      names,
      // Every third TLS site has no listen: the stack's HTTP + HTTPS ports (config/site-listens.ts).
      // Others may add a plain port, before or after the TLS one (with redirectHttp it is the redirect's).
      listen: tls
        ? i % 3 === 0
          ? []
          : withPlain({ port: 8443 + i, tls: true, http2: maybe(), defaultServer: maybe(0.2) }, maybe() ? { port: 8080 + i, defaultServer: maybe(0.2) } : null, maybe())
        : maybe(0.3)
          ? []
          : [{ port: 8080 + i, defaultServer: maybe(0.2) }],
      ...(maybe(0.8) ? { root: `/srv/site${i}` } : {}),
      index: pick([['index.html'], ['index.html', 'index.htm']]),
      accessLog: maybe(0.8),
      ...rewrites(),
      locations,
      ...(maybe(0.4) ? { errorPages: errorPages() } : {}),
      ...(tls ? { tls: { certificate: pick(['auto', 'shared-cert']), redirectHttp: maybe(), hstsMaxAgeS: pick([0, 31_536_000]) } } : {}),
      access: {
        rules: maybe(0.3) ? [{ action: 'allow', source: '127.0.0.1' }, { action: 'allow', source: '10.0.0.0/8' }, { action: 'deny', source: 'all' }] : [],
        ...(maybe(0.2) ? { basicAuth: { realm: 'Team only', htpasswdFile: '/etc/berth/htpasswd' } } : {}),
      },
      limits: {
        maxBodyBytes: pick([0, 1_048_576, 75 * 1_048_576, 1000]),
        headerTimeoutS: pick([60, 10]),
        bodyTimeoutS: pick([60, 30]),
        keepaliveTimeoutS: pick([75, 65, 0]),
        ...(maybe(0.3) ? { rateLimit: { perSecond: pick([1, 10, 0.5]), burst: pick([0, 20]), nodelay: maybe() } } : {}),
      },
    });
  }
  return configSchema.parse({ schemaVersion: 1, sites, upstreams, apps });
}

/** A TLS site's listens: the TLS entry, and the plain one (if any) before or after it. */
function withPlain<T, P>(tls: T, plain: P | null, plainFirst: boolean): (T | P)[] {
  if (plain === null) return [tls];
  return plainFirst ? [plain, tls] : [tls, plain];
}
