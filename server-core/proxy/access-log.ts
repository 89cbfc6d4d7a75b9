// Phase 5 (log): one line per request in nginx's `combined` format
// (https://nginx.org/en/docs/http/ngx_http_log_module.html#log_format):
// $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"
import { join } from 'node:path';
import type { LogFiles } from './log-files.js';

export interface AccessLogEntry {
  remoteAddr: string;
  remoteUser: string | null;
  time: Date;
  request: string;
  status: number;
  bodyBytes: number;
  /** undefined when the request has no such header ('' when it was sent empty). */
  referer: string | undefined;
  userAgent: string | undefined;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function formatCombined(e: AccessLogEntry): string {
  return (
    `${escapeLogValue(e.remoteAddr)} - ${e.remoteUser ? escapeLogValue(e.remoteUser) : '-'} [${formatTimeLocal(e.time)}] ` +
    `"${escapeLogValue(e.request)}" ${e.status} ${e.bodyBytes} ` +
    `"${headerField(e.referer)}" "${headerField(e.userAgent)}"`
  );
}

/** nginx writes `-` for a header that is absent; one sent empty is an empty value, so `""`. */
function headerField(value: string | undefined): string {
  return value === undefined ? '-' : escapeLogValue(value);
}

/** nginx `$time_local`: `21/Nov/2026:11:00:00 +0100`. */
export function formatTimeLocal(d: Date): string {
  const offset = -d.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const abs = Math.abs(offset);
  return (
    `${pad(d.getDate())}/${MONTHS[d.getMonth()]}/${d.getFullYear()}:${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ` +
    `${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`
  );
}

/**
 * nginx's default log escaping: `"`, `\`, control characters and bytes ≥ 0x7F become `\xHH`,
 * so a request cannot forge extra log lines or fields. Node hands header bytes over as latin1
 * characters; anything wider is escaped as its UTF-8 bytes.
 */
export function escapeLogValue(s: string): string {
  let out = '';
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (code >= 0x20 && code < 0x7f && code !== 0x22 && code !== 0x5c) {
      out += ch;
    } else if (code <= 0xff) {
      out += `\\x${code.toString(16).toUpperCase().padStart(2, '0')}`;
    } else {
      for (const b of Buffer.from(ch, 'utf8')) out += `\\x${b.toString(16).toUpperCase()}`;
    }
  }
  return out;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** `<logDir>/<siteId>.access.log`. */
export function accessLogPath(logDir: string, siteId: string): string {
  return join(logDir, `${siteId}.access.log`);
}

export class AccessLog {
  constructor(private readonly files: LogFiles) {}

  write(logDir: string, siteId: string, entry: AccessLogEntry): void {
    this.files.file(accessLogPath(logDir, siteId)).append(formatCombined(entry));
  }
}
