// Phase 4 (content): handlers registered by the config's handler `type`. A later issue adds
// `proxy`, `uwsgi`, `fastcgi` and `app` here; the mapped type makes a missing one a compile error.
import type { Handler } from '../config/schema.js';
import type { ContentHandler, ContentResult, RequestContext } from './request-context.js';
import { serveReturn } from './return-handler.js';
import { serveStatic } from './static-files.js';
import { serveProxy } from './upstream/proxy-handler.js';
import { serveApp, serveFastcgi, serveUwsgi } from './app-protocols/handlers.js';

/** Handler types served here; config/capabilities.ts keeps the others out until they are built. */
type ServedType = 'static' | 'return' | 'proxy' | 'uwsgi' | 'fastcgi' | 'app';
type HandlerRegistry = { [K in ServedType]: ContentHandler<Extract<Handler, { type: K }>> };

export const contentHandlers = {
  static: serveStatic,
  return: serveReturn,
  proxy: serveProxy,
  uwsgi: serveUwsgi,
  fastcgi: serveFastcgi,
  app: serveApp,
} satisfies HandlerRegistry;

export function runContentHandler(ctx: RequestContext, handler: Handler): Promise<ContentResult> {
  // TypeScript cannot correlate `handler.type` with the registry entry; the registry type above guarantees it.
  const run = (contentHandlers as Partial<Record<Handler['type'], ContentHandler<Handler>>>)[handler.type];
  if (!run) throw new Error(`handler type '${handler.type}' is not served by this proxy (the validator should have refused it)`);
  return run(ctx, handler);
}
