// Turns a failed listen() into an error the user can act on: which port, who holds it, what to do.
import { BerthError } from '../errors.js';
import { findPortOwner, type PortOwner } from './port-owner.js';

/** Addresses the OS does not have (for example ::1 with IPv6 disabled): skipped with a warning. */
export function isAddressUnavailable(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT';
}

/**
 * @param fix what the user can change instead, e.g. "start Berth with --http-port N".
 */
export async function bindError(
  e: unknown,
  address: string,
  port: number,
  fix: string,
  lookupOwner: (port: number) => Promise<PortOwner | null> = findPortOwner,
): Promise<BerthError> {
  const code = (e as NodeJS.ErrnoException).code;
  const where = `port ${port} on ${address}`;
  if (code === 'EADDRINUSE') {
    const owner = await lookupOwner(port).catch(() => null);
    const holder = owner ? `pid ${owner.pid}${owner.command ? ` (${owner.command})` : ''}` : 'another program';
    return new BerthError('BERTH_ERR_PORT_IN_USE', `${where} is already in use by ${holder}: stop that process, or ${fix}`, { cause: e });
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new BerthError(
      'BERTH_ERR_PORT_DENIED',
      `${where} needs elevated permission (ports below 1024 are privileged on most systems): ${fix}, ` +
        'or allow unprivileged binding (Linux: sysctl net.ipv4.ip_unprivileged_port_start)',
      { cause: e },
    );
  }
  return new BerthError('BERTH_ERR_BIND_FAILED', `cannot listen on ${where}: ${(e as Error).message}; ${fix}`, { cause: e });
}
