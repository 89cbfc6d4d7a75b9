// Request headers Berth's proxy adds to every proxied request (proxy/upstream/headers.ts), written as
// the nginx variables that give the same value. On import the usual recipe lines are implied, not
// copied; on export they are written back, since production nginx adds none of them by itself.
// (RFC 7239 `Forwarded`, which Berth also appends, has no nginx variable and is not exported.)

/** Lowercased header name → the nginx value equal to Berth's own. */
export const BERTH_FORWARDING_DEFAULTS: Readonly<Record<string, string>> = {
  'x-real-ip': '$remote_addr',
  'x-forwarded-for': '$proxy_add_x_forwarded_for',
  'x-forwarded-proto': '$scheme',
  'x-forwarded-host': '$http_host',
};

export const FORWARDING_NAMES: Readonly<Record<string, string>> = {
  'x-real-ip': 'X-Real-IP',
  'x-forwarded-for': 'X-Forwarded-For',
  'x-forwarded-proto': 'X-Forwarded-Proto',
  'x-forwarded-host': 'X-Forwarded-Host',
};
