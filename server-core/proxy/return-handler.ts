// The `return` content handler (nginx `return CODE [URL|TEXT]`), answering as
// ngx_http_script_return_code + ngx_http_send_response do.
import { extname } from 'node:path';
import mime from 'mime-types';
import type { ReturnHandler } from '../config/schema.js';
import type { ContentHandler, RequestContext } from './request-context.js';
import { answerStatus, CLOSE_WITHOUT_RESPONSE, sendBody, sendErrorPage, sendRedirect } from './respond.js';
import { expandVariables } from './variables.js';

/** Codes whose argument is a redirect target (nginx ngx_http_send_response). */
const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);

/** Codes nginx answers by closing the connection when `return` gives no text (408, 444, 499). */
const CLOSING_CODES = new Set([408, CLOSE_WITHOUT_RESPONSE, 499]);

/** nginx's stock `default_type` (Debian's nginx.conf); Berth has no per-site default_type. */
const DEFAULT_TYPE = 'application/octet-stream';

export const serveReturn: ContentHandler<ReturnHandler> = async (ctx, h) => {
  // `$status` in the text is the status being answered (nginx sets it before expanding).
  const text = h.body.includes('$status') ? expandVariables(h.body, ctx, (name) => (name === 'status' ? String(answerStatus(ctx, h.status)) : undefined)) : expandVariables(h.body, ctx);
  if (REDIRECT_CODES.has(h.status)) {
    // nginx sets Location even from an empty argument (`return 301;` → `Location: `). Finalised
    // like an error: an error page for the code replaces it (keeping the Location).
    sendRedirect(ctx, h.status, text);
  } else if (h.status >= 400 && text === '') {
    // Without text, ≥ 400 is finalised like an error: the location's error page, nginx's page, or
    // an empty body for codes it has none for (sendErrorPage).
    if (CLOSING_CODES.has(h.status)) ctx.req.socket.destroy();
    else sendErrorPage(ctx, h.status);
  } else {
    // A Content-Type already set (an X-Accel-Redirect upstream's) is kept, as ngx_http_set_content_type does.
    // As an error page's answer, it goes out with the error's status.
    sendBody(ctx, answerStatus(ctx, h.status), text, ctx.contentType ?? typeForUri(ctx));
  }
  return { kind: 'done' };
};

/**
 * nginx ngx_http_set_content_type: the type of the URI's extension from `types`, else `default_type`.
 * No charset is added: nginx adds one only with the `charset` directive.
 */
export function typeForUri(ctx: Pick<RequestContext, 'uri'>): string {
  const ext = extname(ctx.uri);
  return (ext.length > 1 && mime.lookup(ext)) || DEFAULT_TYPE;
}
