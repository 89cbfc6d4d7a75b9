// nginx variables used in `return` URLs/texts, `alias` and `try_files` (`$host$request_uri`, `$1`).
// Unknown names stay as written.
import type { RequestContext } from './request-context.js';

const VARIABLE = /\$(?:\{(\w+)\}|(\d)|([A-Za-z_]\w*))/g;

export function expandVariables(template: string, ctx: RequestContext): string {
  if (!template.includes('$')) return template;
  return template.replace(VARIABLE, (whole, braced: string | undefined, digit: string | undefined, word: string | undefined) => {
    const name = braced ?? digit ?? word ?? '';
    return variableValue(ctx, name) ?? whole;
  });
}

/** nginx `$request_uri`: path and query as sent; an absolute-form target (`GET http://host/p`) loses its scheme and host. */
export function requestUri(ctx: RequestContext): string {
  const url = ctx.req.url ?? '/';
  // Origin form (almost every request) needs no rewriting.
  if (url.charCodeAt(0) === 47) return url;
  return url.replace(/^https?:\/\/[^/?#]*/i, '') || '/';
}

export function variableValue(ctx: RequestContext, name: string): string | undefined {
  if (/^\d+$/.test(name)) return ctx.captures.positional[Number(name)] ?? '';
  if (Object.hasOwn(ctx.captures.named, name)) return ctx.captures.named[name] ?? '';
  switch (name) {
    case 'scheme':
      return ctx.listener.protocol;
    case 'host':
      return ctx.host ?? ctx.site?.serverName ?? ctx.listener.address;
    case 'server_name':
      return ctx.site?.serverName ?? '';
    case 'server_port':
      return String(ctx.listener.port);
    case 'request_uri':
      return requestUri(ctx);
    case 'uri':
    case 'document_uri':
      return ctx.uri;
    case 'args':
    case 'query_string':
      return ctx.args;
    case 'is_args':
      return ctx.args === '' ? '' : '?';
    case 'request_method':
      return ctx.req.method ?? '';
    case 'remote_addr':
      return ctx.remoteAddress;
    default:
      return undefined;
  }
}
