// A CGI response (RFC 3875 §6) as FastCGI's STDOUT carries it: header lines, a blank line, the
// body. `Status: 404 Not Found` sets the status; a `Location` without Status means 302
// (§6.2.3-4); otherwise 200.
import { MAX_RESPONSE_HEAD_BYTES } from '../upstream/response-parser.js';

export interface CgiHead {
  status: number;
  statusMessage: string;
  /** Name, value, name, value… without Status. */
  rawHeaders: string[];
}

export class CgiResponseParser {
  private pending: Buffer | null = null;
  head: CgiHead | null = null;

  /** Feeds stdout bytes; returns the body part of them once the head is complete. */
  feed(chunk: Buffer): Buffer | null {
    if (this.head) return chunk;
    const buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    const end = findHeadEnd(buf);
    if (end === null) {
      if (buf.length > MAX_RESPONSE_HEAD_BYTES) throw new Error('upstream sent too big header while reading response header from upstream');
      this.pending = buf;
      return null;
    }
    this.pending = null;
    this.head = parseCgiHead(buf.toString('latin1', 0, end.at));
    return buf.subarray(end.at + end.length);
  }
}

function findHeadEnd(buf: Buffer): { at: number; length: number } | null {
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  if (crlf < 0 && lf < 0) return null;
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { at: crlf, length: 4 };
  return { at: lf, length: 2 };
}

export function parseCgiHead(text: string): CgiHead {
  const rawHeaders: string[] = [];
  let status = 0;
  let statusMessage = '';
  let location = false;
  for (const line of text.split(/\r?\n/)) {
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`upstream sent invalid header: "${line.slice(0, 80)}" while reading response header from upstream`);
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new Error(`upstream sent invalid header name "${name.slice(0, 80)}" while reading response header from upstream`);
    if (name.toLowerCase() === 'status') {
      const m = /^(\d{3})(?:\s+(.*))?$/.exec(value);
      if (!m) throw new Error(`upstream sent invalid status "${value}" while reading response header from upstream`);
      status = Number(m[1]);
      statusMessage = m[2] ?? '';
      continue;
    }
    if (name.toLowerCase() === 'location') location = true;
    rawHeaders.push(name, value);
  }
  if (status === 0) status = location ? 302 : 200;
  return { status, statusMessage, rawHeaders };
}
