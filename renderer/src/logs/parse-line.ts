// Reads the log lines the stack writes: nginx `combined` access lines
// ($remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer"
// "$http_user_agent") and nginx-style error lines (`2026/01/02 03:04:05 [error] 12#0: *3 text,
// client: …, server: …, request: "…", host: "…"`). Anything else (app output) stays plain text.

export type LogKind = 'access' | 'error' | 'app' | 'other';

/** What a source name says about its lines: `access:<site>`, `error`, `app:<name>`. */
export function sourceInfo(source: string): { kind: LogKind; site: string | null; app: string | null } {
  if (source.startsWith('access:')) return { kind: 'access', site: source.slice(7), app: null };
  if (source === 'error' || source.startsWith('error:')) return { kind: 'error', site: source.startsWith('error:') ? source.slice(6) : null, app: null };
  if (source.startsWith('app:')) return { kind: 'app', site: null, app: source.slice(4) };
  return { kind: 'other', site: null, app: null };
}

const QUOTED = '"((?:[^"\\\\]|\\\\.)*)"';
const ACCESS = new RegExp(`^(\\S+) - (\\S+) \\[([^\\]]+)\\] ${QUOTED} (\\d{3}) (\\d+|-) ${QUOTED} ${QUOTED}`);
const ERROR = /^(\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}) \[(\w+)\] (\d+)#\d+: (?:\*(\d+) )?(.*)$/;
const ERROR_FIELDS = /, (client|server|request|upstream|host|referrer): ("(?:[^"\\]|\\.)*"|[^,]*)/g;

export interface AccessFields {
  remoteAddr: string;
  remoteUser: string;
  time: string;
  request: string;
  method: string;
  target: string;
  protocol: string;
  status: number;
  bytes: number;
  referer: string;
  userAgent: string;
}

/** The fields of a combined-format line, or null when the line is not one. */
export function parseAccessLine(line: string): AccessFields | null {
  const m = ACCESS.exec(line);
  if (!m) return null;
  const request = unescape(m[4] ?? '');
  const [method = '', target = '', protocol = ''] = request.split(' ');
  return {
    remoteAddr: m[1] ?? '',
    remoteUser: m[2] ?? '-',
    time: m[3] ?? '',
    request,
    method,
    target,
    protocol,
    status: Number(m[5]),
    bytes: m[6] === '-' ? 0 : Number(m[6]),
    referer: unescape(m[7] ?? ''),
    userAgent: unescape(m[8] ?? ''),
  };
}

export interface ErrorFields {
  time: string;
  level: string;
  pid: string;
  connection: string | null;
  message: string;
  /** client, server, request, upstream, host, referrer — when present. */
  context: Record<string, string>;
}

export function parseErrorLine(line: string): ErrorFields | null {
  const m = ERROR.exec(line);
  if (!m) return null;
  let message = m[5] ?? '';
  const context: Record<string, string> = {};
  const first = message.search(ERROR_FIELDS);
  if (first >= 0) {
    for (const f of message.slice(first).matchAll(ERROR_FIELDS)) {
      const v = f[2] ?? '';
      context[f[1] as string] = v.startsWith('"') ? unescape(v.slice(1, -1)) : v;
    }
    message = message.slice(0, first);
  }
  return { time: m[1] ?? '', level: m[2] ?? '', pid: m[3] ?? '', connection: m[4] ?? null, message, context };
}

/** nginx escapes `"`, `\` and non-printable bytes as `\xHH`; show them as characters again. */
export function unescape(s: string): string {
  if (!s.includes('\\')) return s;
  return s.replace(/\\x([0-9A-Fa-f]{2})|\\(.)/g, (_, hex: string | undefined, ch: string | undefined) => (hex ? String.fromCharCode(parseInt(hex, 16)) : (ch ?? '')));
}
