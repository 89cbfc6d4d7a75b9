// Facts about a certificate read from its PEM: the fields of the certificate index.
import { X509Certificate as NodeX509, type KeyObject } from 'node:crypto';
import { BerthError } from '../errors.js';
import { fingerprintSha256 } from './fingerprint.js';
import { x509 } from './x509.js';

export interface CertFacts {
  names: string[];
  subject: string;
  issuerSubject: string;
  keyType: string;
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  fingerprintSha256: string;
}

/** `ecdsa-p256`, `rsa-2048`, `ed25519`…: what a key is, for people and for the index. */
export function describeKey(key: KeyObject): string {
  const type = key.asymmetricKeyType ?? 'unknown';
  const details = key.asymmetricKeyDetails ?? {};
  if (type === 'ec') {
    const curve = details.namedCurve ?? '';
    const short: Record<string, string> = { prime256v1: 'p256', secp384r1: 'p384', secp521r1: 'p521' };
    return `ecdsa-${short[curve] ?? curve}`;
  }
  if (type === 'rsa' || type === 'rsa-pss') return `${type}-${details.modulusLength ?? 0}`;
  return type;
}

/** DNS and IP entries of the SubjectAltName, in order. */
export function sanNames(cert: x509.X509Certificate): string[] {
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  if (!san) return [];
  return san.names.items.filter((n) => n.type === 'dns' || n.type === 'ip').map((n) => n.value.toLowerCase());
}

export function certFacts(pem: string): CertFacts {
  let cert: x509.X509Certificate;
  let node: NodeX509;
  try {
    cert = new x509.X509Certificate(pem);
    node = new NodeX509(pem);
  } catch (e) {
    throw new BerthError('BERTH_ERR_CERT_PEM', 'the certificate is not a readable PEM certificate', { cause: e });
  }
  return {
    names: sanNames(cert),
    subject: cert.subject,
    issuerSubject: cert.issuer,
    keyType: describeKey(node.publicKey),
    serialNumber: cert.serialNumber,
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    fingerprintSha256: fingerprintSha256(cert.rawData),
  };
}

/** Splits a PEM text into its CERTIFICATE blocks, each with a final newline. */
export function splitCertificates(pem: string): string[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []).map((b) => `${b}\n`);
}
