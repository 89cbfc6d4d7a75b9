// nginx `error_page CODE… [=[RESPONSE]] TARGET` → Berth error pages, read as nginx 1.22 reads them
// (ngx_http_core_error_page): the last argument is the target, an `=`/`=CODE` before it the
// response code, every other argument a status from 300 to 599 (499 refused). nginx refuses a
// config with a bad value; the importer warns and leaves that directive out.
import type { z } from 'zod';
import type { errorPageSchema } from '../../config/schema.js';
import type { WarningSink } from '../warnings.js';
import type { Directive } from './parser.js';
import { argValues } from './scope.js';

export type ErrorPageInput = z.input<typeof errorPageSchema>;

/** nginx's statuses of the request line / TLS layer (494–497): answered by Berth before any site is chosen. */
const BEFORE_ANY_SITE: Readonly<Record<number, string>> = {
  494: 'a request header too large (Berth answers 431 before any site is chosen)',
  495: 'a client certificate error (Berth does not ask for client certificates)',
  496: 'a missing client certificate (Berth does not ask for client certificates)',
  497: 'plain HTTP on an HTTPS port (Berth\'s TLS front answers 400 before any site is chosen)',
};

export function mapErrorPages(directives: readonly Directive[], sink: WarningSink): ErrorPageInput[] {
  const out: ErrorPageInput[] = [];
  for (const d of directives) {
    const page = mapErrorPage(d, sink);
    if (page) out.push(page);
  }
  return out;
}

function mapErrorPage(d: Directive, sink: WarningSink): ErrorPageInput | null {
  const args = argValues(d);
  const text = `error_page ${args.join(' ')}`;
  const target = args.at(-1);
  let codeArgs = args.slice(0, -1);
  if (target === undefined || codeArgs.length === 0) {
    sink.add(d, 'error_page', `cannot read "${text}" (nginx needs at least one status and a target); not carried over`);
    return null;
  }
  let response: ErrorPageInput['response'];
  const last = codeArgs.at(-1) as string;
  if (last.startsWith('=')) {
    codeArgs = codeArgs.slice(0, -1);
    const code = last === '=' ? 0 : /^=\d+$/.test(last) ? Number(last.slice(1)) : NaN;
    if (codeArgs.length === 0 || Number.isNaN(code)) {
      sink.add(d, 'error_page', `"${last}" is not a response code nginx accepts here (nginx -t: invalid value); not carried over`);
      return null;
    }
    // `=0` is nginx's bare `=`: the page's own status.
    if (code === 0) response = 'page';
    else if (code < 200 || code > 599 || code === 204 || code === 304) {
      sink.add(d, 'error_page', `the response code ${code} is not in Berth's model (200–599, not 204 or 304: the answer carries the page); not carried over`);
      return null;
    } else response = code;
  }
  const codes: number[] = [];
  for (const a of codeArgs) {
    const code = /^\d+$/.test(a) ? Number(a) : NaN;
    if (!(code >= 300 && code <= 599) || code === 499) {
      sink.add(d, 'error_page', `"${a}" is not a status nginx accepts in error_page (300–599, not 499; nginx -t refuses it); not carried over`);
      return null;
    }
    const early = BEFORE_ANY_SITE[code];
    if (early !== undefined) sink.add(d, 'error_page', `${code} is ${early}: an error page cannot replace it; left out of this error page`);
    else codes.push(code);
  }
  if (codes.length === 0) return null;
  if (target.startsWith('@')) {
    sink.add(d, 'error_page', `"${target}" is a named location, which Berth does not have; not carried over (point the error page at a URI, such as an internal location)`);
    return null;
  }
  return response === undefined ? { codes, target } : { codes, target, response };
}
