// Reads the proxy's `detail.listening` (what it bound) into URLs for display.
// The proxy reports ListenAddress objects; plain strings are shown as they are.
import type { ListenAddress } from '../../../server-core/contract/api.js';

function isListenAddress(v: unknown): v is ListenAddress {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o.address === 'string' && typeof o.port === 'number' && (o.protocol === 'http' || o.protocol === 'https');
}

/** `http://127.0.0.1:8080`, `https://[::1]:8443` (IPv6 in brackets, RFC 3986 §3.2.2). */
export function listenUrl(a: ListenAddress): string {
  const host = a.address.includes(':') ? `[${a.address}]` : a.address;
  return `${a.protocol}://${host}:${a.port}`;
}

export function listeningUrls(detail: Record<string, unknown>): string[] {
  const raw = detail.listening;
  if (!Array.isArray(raw)) return [];
  const out: string[] = [];
  for (const item of raw) {
    if (isListenAddress(item)) out.push(listenUrl(item));
    else if (typeof item === 'string' && item !== '') out.push(item);
  }
  return out;
}
