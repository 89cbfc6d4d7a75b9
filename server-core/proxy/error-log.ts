// `<logDir>/error.log` in nginx's format:
// `2026/11/21 11:00:00 [error] 4242#0: *7 open() "/srv/x" failed (2: No such file or directory), client: 127.0.0.1, server: a.test, request: "GET /x HTTP/1.1", host: "a.test"`
import { join } from 'node:path';
import type { LogFiles } from './log-files.js';

export type ErrorLevel = 'error' | 'warn' | 'notice' | 'info';

/** nginx's order: a configured level writes itself and everything more severe. */
const SEVERITY: Readonly<Record<ErrorLevel, number>> = { error: 3, warn: 2, notice: 1, info: 0 };

/**
 * Request facts nginx appends to a message logged while serving a request. `request`, `upstream`
 * and `host` are wire text: one character per byte received (latin1), as the engines hand it over.
 */
export interface ErrorLogRequest {
  connection: number;
  client: string;
  server: string;
  request: string;
  /** nginx adds `upstream: "http://…"` for errors talking to an upstream. */
  upstream?: string | undefined;
  host: string | undefined;
}

export interface ErrorLogEntry {
  time: Date;
  level: ErrorLevel;
  pid: number;
  message: string;
  request?: ErrorLogRequest | undefined;
}

export function formatErrorLine(e: ErrorLogEntry): string {
  const t = e.time;
  const stamp = `${t.getFullYear()}/${pad(t.getMonth() + 1)}/${pad(t.getDate())} ${pad(t.getHours())}:${pad(t.getMinutes())}:${pad(t.getSeconds())}`;
  let line = `${stamp} [${e.level}] ${e.pid}#0: `;
  const r = e.request;
  if (!r) return line + oneLine(e.message);
  line += `*${r.connection} ${oneLine(e.message)}, client: ${r.client}, server: ${r.server}, request: "${quotedWire(r.request)}"`;
  if (r.upstream !== undefined) line += `, upstream: "${quotedWire(r.upstream)}"`;
  if (r.host !== undefined) line += `, host: "${quotedWire(r.host)}"`;
  return line;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * nginx writes the request line's bytes to error.log as received (unlike the access log, which
 * escapes them): `GET /café` stays `/café`. The file is UTF-8 text, so wire text (one latin1
 * character per byte) is turned back into its bytes and read as UTF-8; bytes that are no UTF-8
 * cannot be written as text and become `\xHH`, as the access log writes them.
 */
function quotedWire(s: string): string {
  // ASCII, or text that is not one character per byte (already decoded): as it is.
  // eslint-disable-next-line no-control-regex
  if (!/[\x80-\xff]/.test(s) || /[^\x00-\xff]/.test(s)) return quoted(s);
  try {
    return quoted(utf8.decode(Buffer.from(s, 'latin1')));
  } catch {
    // eslint-disable-next-line no-control-regex
    return s.replace(/[\x00-\x1f\x7f-\xff"\\]/g, hexEscape);
  }
}

/** Keeps one entry on one line whatever a client sent. */
function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x1f\x7f]/g, hexEscape);
}

/** Client text inside quotes: also escape `"` and `\` so it cannot end the field early. */
function quoted(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x1f\x7f"\\]/g, hexEscape);
}

function hexEscape(c: string): string {
  return `\\x${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

export class ErrorLog {
  private logDir: string;
  /** nginx's default `error_log … error`. */
  private minSeverity = SEVERITY.error;

  constructor(
    private readonly files: LogFiles,
    logDir: string,
    private readonly clock: () => Date = () => new Date(),
    private readonly pid: number = process.pid,
  ) {
    this.logDir = logDir;
  }

  setLogDir(logDir: string): void {
    this.logDir = logDir;
  }

  setLevel(level: ErrorLevel): void {
    this.minSeverity = SEVERITY[level];
  }

  /** Whether a `level` line would be written (skip building costly messages otherwise). */
  enabled(level: ErrorLevel): boolean {
    return SEVERITY[level] >= this.minSeverity;
  }

  write(level: ErrorLevel, message: string, request?: ErrorLogRequest): void {
    if (SEVERITY[level] < this.minSeverity) return;
    this.files.file(join(this.logDir, 'error.log')).append(formatErrorLine({ time: this.clock(), level, pid: this.pid, message, request }));
  }
}
