// "user@host" for certificate subjects, so a user who finds a Berth CA or certificate in a trust
// store can tell whose machine made it (as mkcert does).
import { hostname, userInfo } from 'node:os';

/** RFC 5280 Appendix A upper bound for commonName and organizationalUnitName. */
export const MAX_NAME_ATTRIBUTE = 64;

export function localIdentity(): string {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (containers running as an arbitrary uid).
    user = process.env.USER ?? process.env.USERNAME ?? 'user';
  }
  return `${user}@${hostname()}`;
}

export function fitNameAttribute(value: string): string {
  return value.length <= MAX_NAME_ATTRIBUTE ? value : value.slice(0, MAX_NAME_ATTRIBUTE);
}
