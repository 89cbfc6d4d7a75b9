// The `return` content handler (nginx `return CODE [URL|TEXT]`).
import type { ReturnHandler } from '../config/schema.js';
import type { ContentHandler } from './request-context.js';
import { sendBody, sendErrorPage, sendRedirect } from './respond.js';
import { expandVariables } from './variables.js';

/** Codes whose argument is a redirect target (nginx ngx_http_rewrite_return). */
const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);

export const serveReturn: ContentHandler<ReturnHandler> = async (ctx, h) => {
  const text = expandVariables(h.body, ctx);
  if (REDIRECT_CODES.has(h.status) && text !== '') {
    sendRedirect(ctx, h.status, text);
  } else if (text === '' && h.status >= 300) {
    sendErrorPage(ctx, h.status);
  } else {
    sendBody(ctx, h.status, text, 'text/plain; charset=utf-8');
  }
  return { kind: 'done' };
};
