// Leaf (server) certificates signed by the local CA.
import { dirname } from 'node:path';
import { BerthError } from '../errors.js';
import type { CaInfo, LocalCa } from './ca.js';
import { CLOCK_SKEW_MS, loadLocalCa, withFinalNewline } from './ca.js';
import { fingerprintSha256 } from './fingerprint.js';
import { fitNameAttribute, localIdentity } from './identity.js';
import type { KeyType } from './keys.js';
import { exportPrivateKeyPem, generateKeyPair, isKeyType, signingAlgorithm } from './keys.js';
import type { CertName } from './names.js';
import { assertPermitted, parseCertNames } from './names.js';
import { randomSerial } from './serial.js';
import { x509 } from './x509.js';

export const DEFAULT_LEAF_VALIDITY_DAYS = 365;
/**
 * Apple platforms reject TLS server certificates valid for more than 825 days ("Requirements for
 * trusted certificates in iOS 13 and macOS 10.15", Apple HT210176); 824 leaves room for the backdated start.
 */
export const MAX_LEAF_VALIDITY_DAYS = 824;
export const LEAF_ORGANIZATION = 'Berth development certificate';
const DAY_MS = 24 * 60 * 60 * 1000;

export interface IssueLeafOptions {
  /** DNS names, wildcards (`*.app.localhost`) and IP addresses; the first is the primary name. */
  names: string[];
  /** Default `ecdsa-p256`. */
  keyType?: KeyType;
  /** Default 365, capped at 824. */
  validityDays?: number;
  /** Clock (tests). */
  now?: Date;
}

export interface LeafInfo {
  /** Normalised names, in the order given (IDNs as punycode, IPv6 canonical). */
  names: string[];
  subject: string;
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  fingerprintSha256: string;
  keyType: KeyType;
  issuerFingerprintSha256: string;
}

export interface IssuedLeaf {
  certPem: string;
  /** PKCS#8 PEM. Write it with mode 0600; never log it. */
  keyPem: string;
  /** The certificates above the leaf (here: the CA), like certbot's chain.pem; `certPem + chainPem` is the full chain. */
  chainPem: string;
  info: LeafInfo;
}

/**
 * Issues a leaf for `names` after checking them (syntax, wildcard rules, the CA's name constraints).
 * `ca` is a loaded CA, or the CaInfo of one (its key is then read from beside `certPath`).
 */
export async function issueLeaf(ca: LocalCa | CaInfo, opts: IssueLeafOptions): Promise<IssuedLeaf> {
  const signer = 'signingKey' in ca ? ca : await loadLocalCa(dirname(dirname(ca.certPath)));
  const names = parseCertNames(opts.names);
  if (signer.constraints) assertPermitted(names, signer.constraints);
  return signLeaf(signer, names, opts);
}

/**
 * Signs a leaf for already-parsed names WITHOUT checking them against the CA's constraints.
 * Use issueLeaf; this exists so tests can prove that verifiers enforce the constraints themselves.
 */
export async function signLeaf(
  ca: LocalCa,
  names: readonly CertName[],
  opts: Omit<IssueLeafOptions, 'names'> = {},
): Promise<IssuedLeaf> {
  const keyType = opts.keyType ?? 'ecdsa-p256';
  if (!isKeyType(keyType)) {
    throw new BerthError('BERTH_ERR_CERT_OPTIONS', `unknown key type ${JSON.stringify(keyType)}: use ecdsa-p256 or rsa-3072`);
  }
  if (names.length === 0) throw new BerthError('BERTH_ERR_CERT_NAME', 'a certificate needs at least one name');
  const now = opts.now ?? new Date();
  const notBefore = new Date(now.getTime() - CLOCK_SKEW_MS);
  const caNotAfter = ca.certificate.notAfter;
  if (caNotAfter.getTime() <= now.getTime()) {
    throw new BerthError('BERTH_ERR_CA_EXPIRED', `the local CA expired on ${caNotAfter.toISOString()}`, {
      hint: 'move the certs/ca folder aside and restart Berth to create a new CA, then trust it again',
    });
  }
  // A leaf cannot outlive its issuer: verifiers would reject it from that day on.
  const notAfter = new Date(Math.min(now.getTime() + validityDays(opts.validityDays) * DAY_MS, caNotAfter.getTime()));

  const keys = await generateKeyPair(keyType);
  const usages =
    keyType === 'rsa-3072'
      ? x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment // RSA key exchange in TLS 1.2
      : x509.KeyUsageFlags.digitalSignature;
  const caKeyId = ca.certificate.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    // No CN: the names live in the SAN (RFC 6125), and a CN would be checked against the
    // CA's DNS constraints by OpenSSL when the SAN holds only IP addresses.
    subject: [{ O: [LEAF_ORGANIZATION] }, { OU: [fitNameAttribute(localIdentity())] }],
    // The CA's subject exactly as encoded, so chain building matches it byte for byte.
    issuer: ca.certificate.subjectName,
    notBefore,
    notAfter,
    publicKey: keys.publicKey,
    signingKey: ca.signingKey,
    signingAlgorithm: signingAlgorithm(ca.keyType),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(usages, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(
        names.map((n) => ({ type: n.kind === 'dns' ? 'dns' : 'ip', value: n.value })),
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      caKeyId
        ? new x509.AuthorityKeyIdentifierExtension(caKeyId)
        : await x509.AuthorityKeyIdentifierExtension.create(ca.certificate.publicKey),
    ],
  });

  return {
    certPem: withFinalNewline(certificate.toString('pem')),
    keyPem: await exportPrivateKeyPem(keys.privateKey),
    chainPem: ca.certPem,
    info: {
      names: names.map((n) => n.value),
      subject: certificate.subject,
      serialNumber: certificate.serialNumber,
      notBefore: certificate.notBefore.toISOString(),
      notAfter: certificate.notAfter.toISOString(),
      fingerprintSha256: fingerprintSha256(certificate.rawData),
      keyType,
      issuerFingerprintSha256: ca.info.fingerprintSha256,
    },
  };
}

function validityDays(requested: number | undefined): number {
  if (requested === undefined) return DEFAULT_LEAF_VALIDITY_DAYS;
  if (!Number.isInteger(requested) || requested < 1) {
    throw new BerthError('BERTH_ERR_CERT_OPTIONS', `validity must be a whole number of days, at least 1 (got ${requested})`);
  }
  return Math.min(requested, MAX_LEAF_VALIDITY_DAYS);
}
