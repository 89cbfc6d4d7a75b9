// Backend addresses as nginx and uWSGI write them, normalised so the same socket compares equal:
// `127.0.0.1:8001`, `localhost:8001`, `:8001` and `0.0.0.0:8001` (uWSGI) all reach
// 127.0.0.1:8001 from this machine; `unix:///run/x.sock` (uWSGI/nginx comments) is `unix:/run/x.sock`.

/** `host:port`, `[v6]:port` or `unix:/path`; a missing port is nginx's default 80. Null when unreadable. */
export function normalizeAddress(raw: string, defaultPort = 80): string | null {
  let a = raw.trim().replace(/^(uwsgi|suwsgi|fastcgi|http):\/\//, '');
  if (a.startsWith('unix:')) {
    const path = a.slice(5).replace(/^\/\/(?=\/)/, '');
    return path.startsWith('/') ? `unix:${path}` : null;
  }
  if (a.startsWith('/')) return `unix:${a}`;
  a = a.replace(/\/.*$/, '');
  let host: string;
  let port: string;
  const v6 = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/.exec(a);
  if (v6) {
    host = `[${v6[1]}]`;
    port = v6[2] ?? String(defaultPort);
  } else {
    const m = /^([^:]*)(?::(\d+))?$/.exec(a);
    if (!m) return null;
    host = m[1] as string;
    port = m[2] ?? String(defaultPort);
  }
  if (Number(port) < 1 || Number(port) > 65535) return null;
  if (host === '' || host === '*' || host === '0.0.0.0' || host === 'localhost') host = '127.0.0.1';
  if (host === '[::]' || host === '[::1]') host = host === '[::]' ? '[::1]' : host;
  return `${host.toLowerCase()}:${port}`;
}

/** An id-safe name for an address: `127.0.0.1:8001` → `127-0-0-1-8001`. */
export function addressSlug(address: string): string {
  return address
    .replace(/^unix:/, 'unix-')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 50);
}
