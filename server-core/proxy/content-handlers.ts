// Phase 4 (content): handlers registered by the config's handler `type`. A later issue adds
// `proxy`, `uwsgi`, `fastcgi` and `app` here; the mapped type makes a missing one a compile error.
import type { Handler } from '../config/schema.js';
import type { ContentHandler, ContentResult, RequestContext } from './request-context.js';
import { serveReturn } from './return-handler.js';
import { serveStatic } from './static-files.js';

type HandlerRegistry = { [K in Handler['type']]: ContentHandler<Extract<Handler, { type: K }>> };

export const contentHandlers = {
  static: serveStatic,
  return: serveReturn,
} satisfies HandlerRegistry;

export function runContentHandler(ctx: RequestContext, handler: Handler): Promise<ContentResult> {
  // TypeScript cannot correlate `handler.type` with the registry entry; the registry type above guarantees it.
  const run = contentHandlers[handler.type] as ContentHandler<Handler>;
  return run(ctx, handler);
}
