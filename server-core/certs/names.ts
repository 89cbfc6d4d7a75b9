// Names a certificate may carry (DNS names, wildcards, IP addresses) and the name constraints a
// CA may be limited to. Validation happens here, before anything is signed, so every mistake
// comes back as one clear BERTH_ERR_CERT_NAME instead of a certificate browsers reject later.
import { domainToASCII } from 'node:url';
import { BerthError } from '../errors.js';
import type { IpRange } from './ip.js';
import { formatCidr, formatIp, ipInRange, parseCidr, parseIp } from './ip.js';

export type CertName =
  | { kind: 'dns'; /** Lower-case ASCII (IDNs as punycode). */ value: string; wildcard: boolean }
  | { kind: 'ip'; /** Canonical text. */ value: string; bytes: Uint8Array };

/**
 * One permitted subtree. DNS subtrees follow RFC 5280 4.2.1.10: `test` permits `test` and every
 * name that adds labels on the left (`a.test`, `*.a.test`). A leading dot (`.test`) is not defined
 * for DNS names by the RFC; OpenSSL, Chromium and Go read it as "subdomains only" but not every
 * verifier does, so we always write the undotted form.
 */
export type NameConstraint = { kind: 'dns'; domain: string } | { kind: 'ip'; range: IpRange };

/**
 * What a Berth CA may sign by default: the names kept for local use, which no public site can
 * have (`localhost` and names under it: RFC 6761 6.3; `test`: RFC 6761 6.2; `internal`: reserved
 * by ICANN in 2024 for private networks), and the loopback addresses (RFC 1122, RFC 4291).
 * `localhost` covers `*.localhost` by the RFC 5280 rule above.
 */
export const DEFAULT_PERMITTED_NAMES: readonly string[] = ['localhost', 'test', 'internal', '127.0.0.0/8', '::1/128'];

/** RFC 1035 2.3.4: 63 octets per label, 253 characters for the written name. */
const MAX_LABEL = 63;
const MAX_NAME = 253;
/** A sanity bound on SAN entries in one certificate. */
const MAX_NAMES = 100;
const LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

function nameError(message: string, hint?: string): BerthError {
  return new BerthError('BERTH_ERR_CERT_NAME', message, hint === undefined ? {} : { hint });
}

/** Parses one name for a leaf certificate; throws BERTH_ERR_CERT_NAME saying what is wrong. */
export function parseCertName(input: string): CertName {
  const shown = JSON.stringify(input);
  if (input.length === 0) throw nameError('a certificate name is empty');
  if (/\s/.test(input)) throw nameError(`${shown} contains whitespace: give each name separately, without spaces`);

  if (input.includes('://')) {
    throw nameError(`${shown} is a URL: give only its host name, such as "${hostOf(input)}"`);
  }
  if (/^(?:\[[^\]]*\]|[^:]+):\d+$/.test(input)) {
    throw nameError(`${shown} has a port: a certificate names hosts, and is valid on every port`);
  }
  const bracketed = /^\[(.*)\]$/.exec(input);
  const ipText = bracketed ? bracketed[1]! : input;
  if (ipText.includes('/')) {
    const isRange = parseCidr(ipText) !== undefined;
    throw nameError(
      isRange
        ? `${shown} is an address range: a certificate names single addresses, such as 127.0.0.1`
        : `${shown} contains "/": give a host name or an IP address`,
    );
  }
  if (ipText.includes('%')) {
    throw nameError(`${shown} has an IPv6 zone id: certificates cannot carry one, use the address without "%…"`);
  }
  const bytes = parseIp(ipText);
  if (bytes) return { kind: 'ip', value: formatIp(bytes), bytes };
  if (bracketed || input.startsWith('[') || input.includes(':')) throw nameError(`${shown} is not a valid IP address`);

  return parseDnsName(input);
}

function parseDnsName(input: string): CertName {
  const shown = JSON.stringify(input);
  if (input.endsWith('.')) throw nameError(`${shown} ends with a dot: write the name without the trailing dot`);
  if (input.startsWith('.')) {
    throw nameError(`${shown} starts with a dot: for every subdomain, use a wildcard such as "*${input}"`);
  }
  const wildcard = input.startsWith('*.');
  let rest = wildcard ? input.slice(2) : input;
  if (rest.includes('*')) {
    throw nameError(
      `${shown} has a misplaced "*": a wildcard must be the whole leftmost label, as in "*.app.localhost"`,
    );
  }
  // Internationalised names go into certificates in their punycode (A-label) form.
  // eslint-disable-next-line no-control-regex
  if (/[^\x00-\x7f]/.test(rest)) {
    const ascii = domainToASCII(rest);
    if (!ascii) throw nameError(`${shown} is not a valid internationalised domain name`);
    rest = ascii;
  }
  rest = rest.toLowerCase();
  const labels = rest.split('.');
  if (labels.some((l) => l === '')) throw nameError(`${shown} has an empty label (two dots in a row)`);
  for (const label of labels) {
    if (label.length > MAX_LABEL) {
      throw nameError(`${shown} has a label longer than ${MAX_LABEL} characters (RFC 1035)`);
    }
    if (!LABEL.test(label)) {
      throw nameError(
        `${shown} has the label "${label}": use letters, digits and hyphens only, not starting or ending with a hyphen`,
      );
    }
  }
  if (/^\d+$/.test(labels[labels.length - 1]!)) {
    throw nameError(`${shown} ends in a numeric label, which browsers read as an IPv4 address`);
  }
  const value = wildcard ? `*.${rest}` : rest;
  if (value.length > MAX_NAME) throw nameError(`${shown} is longer than ${MAX_NAME} characters (RFC 1035)`);
  if (wildcard && labels.length < 2) {
    // Browsers refuse a wildcard directly under a top-level name (Chromium: no "*.com"; Firefox
    // also for unknown TLDs such as "localhost"), so such a certificate would never be accepted.
    throw nameError(
      `${shown} would cover a whole top-level domain, which browsers refuse: use a name such as "*.app.${rest}"`,
    );
  }
  return { kind: 'dns', value, wildcard };
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
  } catch {
    return 'app.localhost';
  }
}

/** Parses the names of one certificate: at least one, duplicates dropped, order kept. */
export function parseCertNames(inputs: readonly string[]): CertName[] {
  if (inputs.length === 0) throw nameError('a certificate needs at least one name, such as "app.localhost"');
  const seen = new Set<string>();
  const names: CertName[] = [];
  for (const input of inputs) {
    const name = parseCertName(input);
    if (seen.has(name.value)) continue;
    seen.add(name.value);
    names.push(name);
  }
  if (names.length > MAX_NAMES) throw nameError(`a certificate can carry at most ${MAX_NAMES} names`);
  return names;
}

/** Parses a permitted subtree: a DNS name (`example.dev`, a leading dot is dropped) or a CIDR range. */
export function parseNameConstraint(input: string): NameConstraint {
  const shown = JSON.stringify(input);
  if (input.includes('/')) {
    const range = parseCidr(input);
    if (!range) throw nameError(`${shown} is not a valid address range: write it as 10.0.0.0/8 or fd00::/8`);
    return { kind: 'ip', range };
  }
  const bare = input.startsWith('.') ? input.slice(1) : input;
  const name = parseCertName(bare);
  if (name.kind === 'ip') return { kind: 'ip', range: parseCidr(`${name.value}/${name.bytes.length * 8}`)! };
  if (name.wildcard) {
    throw nameError(`${shown}: a permitted name already covers its subdomains, write it without "*."`);
  }
  return { kind: 'dns', domain: name.value };
}

export function formatNameConstraint(c: NameConstraint): string {
  return c.kind === 'dns' ? c.domain : formatCidr(c.range);
}

/**
 * Whether a name lies inside the permitted subtrees, as a verifier decides it (RFC 5280 4.2.1.10):
 * a name type with no subtree of its kind is not constrained.
 */
export function isPermitted(name: CertName, constraints: readonly NameConstraint[]): boolean {
  if (name.kind === 'dns') {
    const domains = constraints.flatMap((c) => (c.kind === 'dns' ? [c.domain] : []));
    return domains.length === 0 || domains.some((d) => name.value === d || name.value.endsWith(`.${d}`));
  }
  const ranges = constraints.flatMap((c) => (c.kind === 'ip' ? [c.range] : []));
  return ranges.length === 0 || ranges.some((r) => ipInRange(name.bytes, r));
}

/** Throws BERTH_ERR_CERT_NAME for the first name outside a constrained CA's permitted subtrees. */
export function assertPermitted(names: readonly CertName[], constraints: readonly NameConstraint[]): void {
  for (const name of names) {
    if (isPermitted(name, constraints)) continue;
    const allowed = constraints.map(formatNameConstraint).join(', ');
    throw nameError(
      `"${name.value}" is outside the names the Berth CA may sign (${allowed})`,
      'use a name under .localhost, .test or .internal or a loopback address; other names need a CA created with them permitted',
    );
  }
}
