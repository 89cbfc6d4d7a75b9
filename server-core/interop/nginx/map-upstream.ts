// nginx `upstream NAME { … }` → a Berth upstream. The protocol is decided later by which
// `*_pass` uses it (or the `# berth: protocol=…` hint of Berth's own export).
import type { z } from 'zod';
import type { upstreamSchema } from '../../config/schema.js';
import type { WarningSink } from '../warnings.js';
import { normalizeAddress } from './addresses.js';
import type { Directive } from './parser.js';
import { argValues, markers } from './scope.js';
import { parseTimeS } from './units.js';

export type UpstreamInput = z.input<typeof upstreamSchema>;

export interface MappedUpstream {
  /** The nginx name, as `proxy_pass http://NAME` refers to it. */
  name: string;
  upstream: UpstreamInput;
  /** `# berth: app=ID`: this upstream is an app's own (export writes one per app). */
  appId: string | null;
  /** `# berth: protocol=…` from Berth's export, used when no *_pass refers to it. */
  protocolHint: UpstreamInput['protocol'] | null;
  at: Directive;
}

export function upstreamId(name: string): string {
  const id = name
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[-_]+/, '')
    .slice(0, 63);
  return id === '' ? 'upstream' : id;
}

export function mapUpstream(block: Directive, sink: WarningSink): MappedUpstream | null {
  const name = block.args[0]?.value;
  if (name === undefined || block.args.length !== 1) {
    sink.add(block, 'upstream', 'an upstream block needs exactly one name; not carried over');
    return null;
  }
  const hints = markers(block);
  const id = upstreamId(name);
  if (id !== name) sink.add(block, 'upstream', `renamed "${name}" to "${id}" (Berth ids are lowercase letters, digits, "-" and "_")`);
  const upstream: UpstreamInput = { id, servers: [] };
  let keepaliveSet = false;
  for (const d of block.block ?? []) {
    const args = argValues(d);
    switch (d.name) {
      case 'server': {
        const server = mapServer(d, args, sink);
        if (server) upstream.servers.push(server);
        break;
      }
      case 'ip_hash':
        upstream.method = 'ip_hash';
        break;
      case 'least_conn':
        upstream.method = 'least_conn';
        break;
      case 'random':
        if (args[0] === 'two' && (args[1] === undefined || args[1] === 'least_conn')) upstream.method = 'random_two';
        else sink.add(d, d.name, `"random ${args.join(' ')}" is not in Berth's model (only "random two least_conn"); round-robin is used`);
        break;
      case 'keepalive': {
        const n = Number(args[0]);
        if (Number.isInteger(n) && n >= 0) {
          upstream.keepalive = n;
          keepaliveSet = true;
        } else sink.add(d, d.name, `"${args[0] ?? ''}" is not a number of connections; not carried over`);
        break;
      }
      case 'hash':
        sink.add(d, d.name, 'hash balancing is not in Berth\'s model; round-robin is used (ip_hash keeps clients on one server)');
        break;
      default:
        sink.add(d, d.name, `"${d.name}" inside an upstream is not in Berth's model; not carried over`);
    }
  }
  // nginx keeps no idle upstream connections unless `keepalive` is set.
  if (!keepaliveSet) upstream.keepalive = 0;
  if (upstream.servers.length === 0) {
    sink.add(block, 'upstream', `upstream "${name}" has no usable server; not carried over`);
    return null;
  }
  const protocol = hints.protocol;
  return {
    name,
    upstream,
    appId: hints.app ?? null,
    protocolHint: protocol === 'http' || protocol === 'uwsgi' || protocol === 'fastcgi' ? protocol : null,
    at: block,
  };
}

function mapServer(d: Directive, args: string[], sink: WarningSink): UpstreamInput['servers'][number] | null {
  const address = normalizeAddress(args[0] ?? '');
  if (address === null) {
    sink.add(d, 'server', `"${args[0] ?? ''}" is not an address Berth can use; this server is not carried over`);
    return null;
  }
  const server: UpstreamInput['servers'][number] = { address };
  for (const opt of args.slice(1)) {
    const [key, value = ''] = opt.split('=', 2) as [string, string?];
    if (key === 'weight' && /^\d+$/.test(value)) server.weight = Number(value);
    else if (key === 'max_fails' && /^\d+$/.test(value)) server.maxFails = Number(value);
    else if (key === 'fail_timeout' && parseTimeS(value) !== null) server.failTimeoutS = parseTimeS(value) as number;
    else if (opt === 'backup') server.backup = true;
    else if (opt === 'down') server.down = true;
    else sink.add(d, 'server', `server option "${opt}" is not in Berth's model; not carried over`);
  }
  return server;
}
