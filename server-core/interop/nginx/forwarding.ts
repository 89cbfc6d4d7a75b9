// Request headers Berth's proxy adds to every proxied request (proxy/upstream/headers.ts), written as
// the nginx values that give the same value. On import the usual recipe lines are implied, not
// copied; on export they are written back, since production nginx adds none of them by itself.
// RFC 7239 `Forwarded` has no nginx variable: the export builds Berth's element
// (`for=ADDR;host=HOST;proto=SCHEME`, appended to the client's own) with the maps below.

/** Lowercased header name → the nginx value equal to Berth's own. */
export const BERTH_FORWARDING_DEFAULTS: Readonly<Record<string, string>> = {
  'x-real-ip': '$remote_addr',
  'x-forwarded-for': '$proxy_add_x_forwarded_for',
  'x-forwarded-proto': '$scheme',
  'x-forwarded-host': '$http_host',
  forwarded: '$berth_forwarded',
};

export const FORWARDING_NAMES: Readonly<Record<string, string>> = {
  'x-real-ip': 'X-Real-IP',
  'x-forwarded-for': 'X-Forwarded-For',
  'x-forwarded-proto': 'X-Forwarded-Proto',
  'x-forwarded-host': 'X-Forwarded-Host',
  forwarded: 'Forwarded',
};

/**
 * The http-level maps behind `$berth_forwarded`, as forwardedElement() in headers.ts builds it:
 * an IPv6 client is `"[addr]"` (RFC 7239 §6), a Host that is not a token is quoted (§4), no Host
 * leaves `host=` out, and the element is appended to the client's Forwarded.
 */
export const FORWARDED_MAPS: readonly string[] = [
  '    map $remote_addr $berth_forwarded_for {',
  '        default $remote_addr;',
  '        "~:" "\\"[$remote_addr]\\"";',
  '    }',
  '    map $http_host $berth_forwarded_host {',
  '        default ";host=\\"$http_host\\"";',
  '        "" "";',
  '        "~^[-0-9A-Za-z.!#%&\'*+^_`|~]+$" ";host=$http_host";',
  '    }',
  '    map $http_forwarded $berth_forwarded {',
  '        default "$http_forwarded, for=$berth_forwarded_for$berth_forwarded_host;proto=$scheme";',
  '        "" "for=$berth_forwarded_for$berth_forwarded_host;proto=$scheme";',
  '    }',
];

/** The variables FORWARDED_MAPS define: the import knows these maps as Berth's own. */
export const FORWARDED_MAP_VARIABLES: ReadonlySet<string> = new Set(['$berth_forwarded_for', '$berth_forwarded_host', '$berth_forwarded']);
