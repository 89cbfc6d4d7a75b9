// nginx `allow`/`deny` (ngx_http_access_module): rules are checked in order, the first one that
// matches the client decides; when none matches the request is allowed. A denied request gets 403.
import type { SiteAccess } from '../../config/schema.js';
import { cidrContains, parseCidr, parseClientAddress, type CidrBlock } from './cidr.js';

export interface CompiledRule {
  allow: boolean;
  block: CidrBlock;
}

/** Throws on a source the validator should have refused (semantic check `checkAccessRules`). */
export function compileAccessRules(rules: SiteAccess['rules']): CompiledRule[] {
  return rules.map((r) => {
    const parsed = parseCidr(r.source);
    if (!parsed.ok) throw new Error(parsed.message);
    return { allow: r.action === 'allow', block: parsed.block };
  });
}

/** True when the client may pass. An address that does not parse only matches `all`. */
export function accessAllowed(rules: readonly CompiledRule[], clientAddress: string): boolean {
  if (rules.length === 0) return true;
  const addr = parseClientAddress(clientAddress);
  for (const rule of rules) {
    const hit = rule.block.kind === 'all' || (addr !== null && cidrContains(rule.block, addr));
    if (hit) return rule.allow;
  }
  return true;
}
