// The content handlers for app protocols: `uwsgi` (nginx uwsgi_pass), `fastcgi` (nginx
// fastcgi_pass) and `app` (an app of the config: uwsgi, FastCGI or HTTP by its runtime).
import type { AppHandler, FastcgiHandler, ProxyHandler, UwsgiHandler } from '../../config/schema.js';
import type { ContentResult, RequestContext } from '../request-context.js';
import { logRequestError, sendErrorPage } from '../respond.js';
import { UpstreamExchange } from '../upstream/exchange.js';
import type { UpstreamGroup } from '../upstream/group.js';
import { proxyToGroup } from '../upstream/proxy-handler.js';
import { appBackends } from './backends.js';
import { fastcgiParams, uwsgiParams } from './cgi-params.js';
import { clientSink, type ClientSink } from './client-sink.js';
import { FastcgiExchange } from './fastcgi-exchange.js';
import { DEFAULT_SPLIT_PATH_INFO, mapScript, scriptRunnable } from './fastcgi-script.js';
import { DEFAULT_TIMEOUTS, forward, timeoutsOf, type Timeouts } from './forward.js';
import { prepareBody } from './request-body.js';
import { readSmallBody, SMALL_BODY_BYTES } from '../upstream/small-body.js';
import { encodeUwsgiPacket, UwsgiPacketTooBig } from './uwsgi-packet.js';

const DONE: ContentResult = { kind: 'done' };

export async function serveUwsgi(ctx: RequestContext, h: UwsgiHandler): Promise<ContentResult> {
  const group = appBackends.upstream(h.upstream);
  if (!group) return noUpstream(ctx, `upstream "${h.upstream}"`);
  return toUwsgi(ctx, group, `upstream:${h.upstream}`, h.params, timeoutsOf(h));
}

export async function serveFastcgi(ctx: RequestContext, h: FastcgiHandler): Promise<ContentResult> {
  const group = appBackends.upstream(h.upstream);
  if (!group) return noUpstream(ctx, `upstream "${h.upstream}"`);
  const root = h.root ?? ctx.site?.root ?? '';
  return toFastcgi(ctx, group, `upstream:${h.upstream}`, root, h.index, h.splitPathInfo, h.params, timeoutsOf(h), group.spec.keepalive > 0);
}

export async function serveApp(ctx: RequestContext, h: AppHandler): Promise<ContentResult> {
  const backend = appBackends.app(h.app);
  if (!backend) return noUpstream(ctx, `app "${h.app}" (it is not running: start it on the Apps page, or see its log)`);
  const label = `app:${h.app}`;
  if (backend.protocol === 'uwsgi') return toUwsgi(ctx, backend.group, label, {}, DEFAULT_TIMEOUTS);
  if (backend.protocol === 'fastcgi') return toFastcgi(ctx, backend.group, label, backend.root, 'index.php', DEFAULT_SPLIT_PATH_INFO, {}, DEFAULT_TIMEOUTS, backend.group.spec.keepalive > 0);
  return proxyToGroup(ctx, APP_HTTP, backend.group, true);
}

function noUpstream(ctx: RequestContext, what: string): ContentResult {
  logRequestError(ctx, 'error', `no live upstreams while connecting to upstream, ${what}`);
  sendErrorPage(ctx, 502);
  return DONE;
}

/** nginx's answer for a request it cannot pass on (413, 400, 502, 404): sent, and the handler is done. */
function answered(ctx: RequestContext, status: number): ContentResult {
  sendErrorPage(ctx, status);
  return DONE;
}

async function toUwsgi(ctx: RequestContext, group: UpstreamGroup, label: string, extra: Readonly<Record<string, string>>, timeouts: Timeouts): Promise<ContentResult> {
  const body = await prepareBody(ctx, false);
  if (body.kind === 'too-large') return answered(ctx, 413);
  if (body.kind === 'bad') return answered(ctx, 400);
  const length = body.kind === 'stream' ? body.length : 0;
  let packet: string;
  try {
    packet = encodeUwsgiPacket(uwsgiParams(ctx, { contentLength: length > 0 ? String(length) : '', documentRoot: ctx.site?.root ?? '' }, extra)).toString('latin1');
  } catch (e) {
    if (!(e instanceof UwsgiPacketTooBig)) throw e;
    logRequestError(ctx, 'error', `${e.message} (too many or too big request headers), upstream: "${label}"`);
    return answered(ctx, 502);
  }
  const method = ctx.method || 'GET';
  // A small body goes out with the packet in one write (small-body.ts: an app that answers
  // without reading it must not turn into a 502).
  let bodyBuffer: Buffer | null = null;
  if (body.kind === 'stream' && length <= SMALL_BODY_BYTES) {
    bodyBuffer = await readSmallBody(body.stream, length);
    if (bodyBuffer === null) return DONE;
  }
  let sink: ClientSink | null = null;
  await forward(ctx, group, label, timeouts, (pooled, _peer, control) => {
    sink = clientSink(ctx, control);
    return new UpstreamExchange(
      {
        socket: pooled.socket,
        head: packet,
        method,
        body: body.kind === 'stream' && bodyBuffer === null ? body.stream : null,
        bodyBuffer,
        framing: length > 0 ? { kind: 'length', length } : { kind: 'none' },
        readTimeoutMs: timeouts.readMs,
        sendTimeoutMs: timeouts.sendMs,
      },
      sink,
    );
  }, () => decidedBy(sink));
  return redirectOf(sink);
}

async function toFastcgi(
  ctx: RequestContext,
  group: UpstreamGroup,
  label: string,
  root: string,
  index: string,
  split: string | undefined,
  extra: Readonly<Record<string, string>>,
  timeouts: Timeouts,
  keepConn: boolean,
): Promise<ContentResult> {
  let script = mapScript(ctx.uri, root, index, split);
  if (split === undefined && root !== '' && !(await scriptRunnable(script))) {
    // No fastcgi_split_path_info (Laravel's recipe: `location ~ ^/index\.php(/|$)`): nginx sends
    // /index.php/foo whole and PHP-FPM's cgi.fix_pathinfo walks back to /index.php with PATH_INFO
    // /foo. The same split, done here, keeps the rule that only an existing .php file runs.
    script = mapScript(ctx.uri, root, index, DEFAULT_SPLIT_PATH_INFO);
  }
  if (root === '' || !(await scriptRunnable(script))) {
    // Not an existing .php file: never handed to PHP (see fastcgi-script.ts).
    logRequestError(ctx, 'error', `FastCGI script "${script.filename}" is not an existing .php file; not passed to upstream "${label}"`);
    return answered(ctx, 404);
  }
  const body = await prepareBody(ctx, false);
  if (body.kind === 'too-large') return answered(ctx, 413);
  if (body.kind === 'bad') return answered(ctx, 400);
  const length = body.kind === 'stream' ? body.length : 0;
  const params = fastcgiParams(ctx, { contentLength: length > 0 ? String(length) : '', documentRoot: root, script }, extra);
  const headOnly = ctx.method === 'HEAD';
  let sink: ClientSink | null = null;
  await forward(ctx, group, label, timeouts, (pooled, _peer, control) => {
    sink = clientSink(ctx, control);
    return new FastcgiExchange(
      {
        socket: pooled.socket,
        params,
        body: body.kind === 'stream' ? { length, stream: body.stream } : null,
        keepConn,
        headOnly,
        readTimeoutMs: timeouts.readMs,
        sendTimeoutMs: timeouts.sendMs,
        stderr: (line) => logRequestError(ctx, 'error', `${line}, upstream: "${label}"`),
      },
      sink,
    );
  }, () => decidedBy(sink));
  return redirectOf(sink);
}

/** The last attempt's X-Accel-Redirect, if its answer had one. */
function redirectOf(sink: ClientSink | null): ContentResult {
  return sink?.redirect ?? DONE;
}

/** The upstream's head decided the answer (an intercepted error, an X-Accel-Redirect). */
function decidedBy(sink: ClientSink | null): boolean {
  return sink !== null && sink.redirect !== null;
}

/**
 * HTTP apps (gunicorn, node, command) take the `proxy` handler's own path (retries, keep-alive,
 * header rules, WebSocket tunnels after a 101) with the client's Host kept: apps check the Host
 * they are served under (Django ALLOWED_HOSTS), like `proxy_set_header Host $host` in every app
 * tutorial. nginx's proxy defaults: 60 s timeouts.
 */
const APP_HTTP: ProxyHandler = { type: 'proxy', setHeaders: {}, hideHeaders: [], connectTimeoutS: 60, readTimeoutS: 60, sendTimeoutS: 60, websocket: true };
