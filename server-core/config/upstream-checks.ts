// Semantic checks for upstream groups and `proxy` locations, with nginx's refusals as the
// reference: `proxy_pass` needs a known upstream or one URL, a URI part is refused in a regex
// location, `backup` is refused with ip_hash and random (their modules do not accept it).
import type { ValidationIssue } from '../contract/api.js';
import { parseProxyUrl, parseUpstreamAddress } from '../proxy/upstream/address.js';
import type { BerthConfig } from './schema.js';

export function checkUpstreamGroups(config: BerthConfig): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const seen = new Map<string, number>();
  config.upstreams.forEach((u, i) => {
    const first = seen.get(u.id);
    if (first === undefined) seen.set(u.id, i);
    else issues.push({ path: `upstreams.${i}.id`, message: `upstream id "${u.id}" is already used by upstreams.${first}; ids must be unique` });
    const addresses = new Map<string, number>();
    u.servers.forEach((s, j) => {
      const address = parseUpstreamAddress(s.address);
      if (!address) {
        issues.push({
          path: `upstreams.${i}.servers.${j}.address`,
          message: `"${s.address}" is not a server address: write host:port (127.0.0.1:3000), [v6]:port ([::1]:3000) or unix:/absolute/path.sock`,
        });
        return;
      }
      const dup = addresses.get(address.label);
      if (dup !== undefined) issues.push({ path: `upstreams.${i}.servers.${j}.address`, message: `server ${address.label} is listed twice (also servers.${dup}); raise its weight instead` });
      else addresses.set(address.label, j);
      if (s.backup && (u.method === 'ip_hash' || u.method === 'random_two')) {
        issues.push({
          path: `upstreams.${i}.servers.${j}.backup`,
          message: `backup servers do not work with method ${u.method} (nginx refuses "backup" there too); use round_robin or least_conn, or drop backup`,
        });
      }
    });
  });
  return issues;
}

export function checkProxyTargets(config: BerthConfig): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const upstreams = new Map(config.upstreams.map((u) => [u.id, u]));
  config.sites.forEach((site, i) =>
    site.locations.forEach((loc, j) => {
      const h = loc.handler;
      if (h.type !== 'proxy') return;
      const base = `sites.${i}.locations.${j}.handler`;
      if ((h.upstream === undefined) === (h.url === undefined)) {
        issues.push({ path: base, message: 'a proxy location takes either upstream (an upstream id) or url (http://host:port), exactly one of them' });
        return;
      }
      if (h.upstream !== undefined) {
        const u = upstreams.get(h.upstream);
        const known = [...upstreams.keys()].map((id) => `"${id}"`).join(', ');
        if (!u) issues.push({ path: `${base}.upstream`, message: `there is no upstream "${h.upstream}"${known ? `; known upstreams: ${known}` : '; add it under upstreams'}` });
        else if (u.protocol !== 'http') {
          issues.push({ path: `${base}.upstream`, message: `upstream "${u.id}" speaks ${u.protocol}; a proxy location needs an http upstream (use a ${u.protocol} location for it)` });
        }
        return;
      }
      const url = h.url ?? '';
      const parsed = parseProxyUrl(url);
      if (!parsed) {
        const why = /^https:/i.test(url) ? 'HTTPS to an upstream is not supported yet; use http://' : 'write http://host:port[/path] or http://unix:/path.sock:[/path]';
        issues.push({ path: `${base}.url`, message: `cannot proxy to "${url}": ${why}` });
        return;
      }
      const named = parsed.upstreamName === null ? undefined : upstreams.get(parsed.upstreamName);
      if (named && named.protocol !== 'http') {
        issues.push({ path: `${base}.url`, message: `upstream "${named.id}" speaks ${named.protocol}; a proxy location needs an http upstream` });
      }
      if (parsed.uri !== null && (loc.match.kind === 'regex' || loc.match.kind === 'regex-i')) {
        issues.push({
          path: `${base}.url`,
          message: `a proxy URL cannot have a path ("${parsed.uri}") in a regex location (nginx refuses this too): there is no prefix to replace; drop the path`,
        });
      }
    }),
  );
  return issues;
}
