// Certificates over the admin API and the supervisor ↔ cert service requests. Types only.

/** Where a certificate came from. */
export type CertIssuerKind = 'local-ca' | 'imported';

/** Why a certificate exists: the cert service's `auto` leaf for a site, a leaf someone asked for, or an import. */
export type CertSource = { kind: 'auto'; siteId: string } | { kind: 'issued' } | { kind: 'imported' };

/** One entry of the certificate index (`<dataDir>/certs/store/<id>/meta.json`). */
export interface CertRecord {
  /** `auto-<siteId>` for auto leaves; otherwise derived from the first name (or given at import). */
  id: string;
  /** SAN entries: DNS names, wildcards and IP addresses. */
  names: string[];
  issuer: CertIssuerKind;
  /** The issuing certificate's subject, as openssl prints it. */
  issuerSubject: string;
  /** `ecdsa-p256`, `rsa-3072`, or for imports what the key is (`rsa-2048`, `ecdsa-p384`, `ed25519`…). */
  keyType: string;
  serialNumber: string;
  /** ISO 8601. */
  notBefore: string;
  notAfter: string;
  /** Colon-separated upper-case hex of the leaf's DER. */
  fingerprintSha256: string;
  /** The local CA's fingerprint for `local-ca` leaves (a new CA means re-issuing). */
  caFingerprintSha256: string | null;
  source: CertSource;
  /** When this version of the certificate was stored. */
  storedAt: string;
}

/** A record as the API lists it: plus the sites that use it and where its public files are. */
export interface CertSummary extends CertRecord {
  /** Ids of the sites whose TLS uses this certificate. */
  usedBy: string[];
  files: { cert: string; chain: string; fullchain: string; key: string };
}

export interface CertListResponse {
  certificates: CertSummary[];
  /** Names of `auto` sites the CA could not sign, with the reason (shown next to the site). */
  skipped: AutoSkippedName[];
}

export interface AutoSkippedName {
  siteId: string;
  name: string;
  reason: string;
}

/** The local CA's public facts. Never its key. */
export interface CaSummary {
  subject: string;
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  fingerprintSha256: string;
  keyType: string;
  /** Permitted subtrees; empty when the CA is unconstrained. */
  nameConstraints: string[];
  certPath: string;
}

export interface IssueCertRequest {
  names: string[];
  keyType?: 'ecdsa-p256' | 'rsa-3072';
  validityDays?: number;
  /** Optional id; default derived from the first name. */
  id?: string;
}

export interface ImportCertRequest {
  /** The leaf, optionally followed by its chain. */
  certPem: string;
  keyPem: string;
  /** Intermediates (and optionally the root) when not appended to certPem. */
  chainPem?: string;
  id?: string;
}

export type ExportFormat = 'pem' | 'p12';

export interface ExportCertRequest {
  format: ExportFormat;
  /** PKCS#12 only: the password protecting the file (at least 4 characters, as openssl asks). */
  password?: string;
}

export interface ExportCertResponse {
  fileName: string;
  contentType: string;
  /** File bytes, base64. */
  base64: string;
}

export type TrustStoreId = 'system' | 'nss' | 'firefox' | 'keychain' | 'windows';

/**
 * trusted: the CA is in the store; not-trusted: it is not; partial: in some of the store's
 * databases only (Firefox profiles); unavailable: the store or its tool is missing here.
 */
export type TrustState = 'trusted' | 'not-trusted' | 'partial' | 'unavailable';

/** One OS command, as it is run (argv, no shell) and as it is shown. */
export interface TrustCommand {
  argv: string[];
  /** Shell-quoted, with `sudo ` in front when it needs root and Berth does not have it. */
  display: string;
  needsRoot: boolean;
}

export interface TrustStoreStatus {
  id: TrustStoreId;
  label: string;
  state: TrustState;
  /** Why it is in that state, what it covers, what to do. */
  detail: string;
  /** What install / uninstall would run now. */
  install: TrustCommand[];
  uninstall: TrustCommand[];
  /** The commands this check ran. */
  checked: TrustCommand[];
}

export type TrustOutcome = 'done' | 'already' | 'planned' | 'needs-root' | 'unavailable' | 'failed';

export interface TrustStepResult {
  display: string;
  exitCode: number;
  /** The last lines of stderr when it failed. */
  error?: string;
}

export interface TrustActionResult {
  id: TrustStoreId;
  label: string;
  action: 'install' | 'uninstall';
  outcome: TrustOutcome;
  message: string;
  commands: TrustCommand[];
  steps: TrustStepResult[];
}

export interface TrustStatusResponse {
  ca: CaSummary;
  stores: TrustStoreStatus[];
}

export interface TrustActionRequest {
  /** Default: every store available on this platform. */
  stores?: TrustStoreId[];
  /** Only return the commands, run nothing. */
  dryRun?: boolean;
}

export interface TrustActionResponse {
  results: TrustActionResult[];
}

/** `publish` topic of the cert service after any certificate change; forwarded to proxy workers. */
export type CertsUpdatedTopic = 'certs-updated';
export interface CertsUpdated {
  /** Certificate ids added, replaced or removed. */
  changed: string[];
  reason: 'auto' | 'renewal' | 'issue' | 'import' | 'delete';
}
