// Checks a certificate + key someone brings (from certbot, a company CA, mkcert…) before it is
// stored: readable PEM, key matches, chain links up, dates hold, usable by a TLS server.
// Each refusal names the field and says what is wrong; nothing is stored until all checks pass.
import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { BerthError } from '../errors.js';
import type { CertFacts } from './cert-facts.js';
import { certFacts, describeKey, splitCertificates } from './cert-facts.js';
import { x509 } from './x509.js';

export type ImportField = 'certPem' | 'keyPem' | 'chainPem';

export class CertImportError extends BerthError {
  constructor(
    readonly field: ImportField,
    message: string,
    hint?: string,
  ) {
    super('BERTH_ERR_CERT_IMPORT', message, hint === undefined ? {} : { hint });
  }
}

export interface CheckedImport {
  facts: CertFacts;
  certPem: string;
  chainPem: string;
  /** PKCS#8 PEM of the key (normalised; an encrypted or PKCS#1 key is refused or converted). */
  keyPem: string;
  warnings: string[];
}

/** Largest PEM text accepted per field: a chain of a few certificates fits many times over. */
const MAX_PEM = 256 * 1024;

export function checkImport(input: { certPem: string; keyPem: string; chainPem?: string | undefined }, now: Date): CheckedImport {
  for (const [field, text] of [['certPem', input.certPem], ['keyPem', input.keyPem], ['chainPem', input.chainPem ?? '']] as const) {
    if (typeof text !== 'string') throw new CertImportError(field, `${field} must be PEM text`);
    if (text.length > MAX_PEM) throw new CertImportError(field, `${field} is larger than ${MAX_PEM / 1024} KiB; paste only the certificate(s) or the key`);
  }
  const blocks = splitCertificates(input.certPem);
  if (blocks.length === 0) {
    throw new CertImportError('certPem', 'no certificate found: paste the PEM text that starts with -----BEGIN CERTIFICATE-----');
  }
  const leafPem = blocks[0]!;
  const chainBlocks = [...blocks.slice(1), ...splitCertificates(input.chainPem ?? '')];
  if ((input.chainPem ?? '').trim() !== '' && splitCertificates(input.chainPem ?? '').length === 0) {
    throw new CertImportError('chainPem', 'the chain holds no certificate: paste PEM blocks that start with -----BEGIN CERTIFICATE-----');
  }

  const leaf = parseCert(leafPem, 'certPem', 'the certificate');
  const chain = chainBlocks.map((pem, i) => parseCert(pem, blocks.length > i + 1 ? 'certPem' : 'chainPem', `chain certificate ${i + 1}`));
  const facts = certFacts(leafPem);

  const key = parseKey(input.keyPem);
  const certSpki = leaf.publicKey.export({ type: 'spki', format: 'der' });
  const keySpki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  if (!certSpki.equals(keySpki)) {
    throw new CertImportError('keyPem', `the key does not belong to this certificate (the certificate holds a ${describeKey(leaf.publicKey)} public key, the key is ${describeKey(key)})`, 'pick the key file made together with this certificate');
  }

  checkDates(leaf, 'certPem', 'the certificate', now);
  chain.forEach((c, i) => checkDates(c, blocks.length > i + 1 ? 'certPem' : 'chainPem', `chain certificate ${i + 1} (${c.subject.replace(/\n/g, ', ')})`, now));

  const peculiar = new x509.X509Certificate(leafPem);
  if (peculiar.getExtension(x509.BasicConstraintsExtension)?.ca) {
    throw new CertImportError('certPem', 'this is a CA certificate, not a server certificate: import the certificate issued for your site');
  }
  const eku = peculiar.getExtension(x509.ExtendedKeyUsageExtension);
  if (eku && !eku.usages.map(String).includes(x509.ExtendedKeyUsage.serverAuth)) {
    throw new CertImportError('certPem', 'the certificate is not for TLS servers (its extended key usage lacks serverAuth)');
  }
  if (facts.names.length === 0) {
    throw new CertImportError('certPem', 'the certificate names no host in its SubjectAltName; browsers ignore the Common Name since 2017, so no browser would accept it');
  }

  const warnings: string[] = [];
  let current = leaf;
  for (const [i, next] of chain.entries()) {
    if (!current.checkIssued(next) || !current.verify(next.publicKey)) {
      const field = blocks.length > i + 1 ? 'certPem' : 'chainPem';
      throw new CertImportError(field, `chain certificate ${i + 1} (${next.subject.replace(/\n/g, ', ')}) did not issue ${i === 0 ? 'the certificate' : `chain certificate ${i}`}; put the chain in order: the issuer of each certificate follows it`);
    }
    current = next;
  }
  const selfSigned = current.checkIssued(current) && current.verify(current.publicKey);
  if (!selfSigned) {
    warnings.push(`the chain ends at ${current.issuer.replace(/\n/g, ', ')}, which is not included: clients must already trust it or have the missing intermediate`);
  }

  return {
    facts,
    certPem: leafPem,
    chainPem: chainBlocks.join(''),
    keyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
    warnings,
  };
}

function parseCert(pem: string, field: ImportField, what: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch {
    throw new CertImportError(field, `${what} is not a readable certificate: the PEM block is damaged (check that it was copied whole)`);
  }
}

function parseKey(pem: string): KeyObject {
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    throw new CertImportError('keyPem', 'no private key found: paste the PEM text that starts with -----BEGIN PRIVATE KEY----- (or RSA / EC PRIVATE KEY)');
  }
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(pem)) {
    throw new CertImportError('keyPem', 'the key is password-protected: decrypt it first, e.g. `openssl pkey -in key.pem -out plain.pem`');
  }
  try {
    return createPrivateKey(pem);
  } catch {
    // The parser's own message could quote key bytes: say it in our words.
    throw new CertImportError('keyPem', 'the private key is not readable: the PEM block is damaged (check that it was copied whole)');
  }
}

function checkDates(cert: X509Certificate, field: ImportField, what: string, now: Date): void {
  const from = new Date(cert.validFrom);
  const to = new Date(cert.validTo);
  if (now.getTime() > to.getTime()) {
    throw new CertImportError(field, `${what} expired on ${to.toISOString()}`, 'renew it where it was issued, then import the new one');
  }
  if (now.getTime() < from.getTime()) {
    throw new CertImportError(field, `${what} is not valid yet: it starts on ${from.toISOString()}`, "check this computer's clock, or import it once it is valid");
  }
}
