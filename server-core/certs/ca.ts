// The local certificate authority: created on first use under `<certsDir>/ca/`, loaded afterwards.
//   ca.crt.pem  the root certificate (users install it in their trust stores)
//   ca.key.pem  its private key, mode 0600 in a 0700 folder; never logged, never in CaInfo
import { chmod, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { restrictToUser } from './private-file.js';
import { join } from 'node:path';
import type { webcrypto } from 'node:crypto';
import { BerthError, errorMessage } from '../errors.js';
import { fingerprintSha256 } from './fingerprint.js';
import { fitNameAttribute, localIdentity } from './identity.js';
import type { KeyType } from './keys.js';
import { exportPrivateKeyPem, generateKeyPair, importSigningKeyPem, isKeyType, signingAlgorithm } from './keys.js';
import { nameConstraintsExtension, readNameConstraints } from './name-constraints.js';
import type { NameConstraint } from './names.js';
import { DEFAULT_PERMITTED_NAMES, formatNameConstraint, parseNameConstraint } from './names.js';
import { randomSerial } from './serial.js';
import { x509 } from './x509.js';

/** What the rest of Berth may know about the CA. Never the key. */
export interface CaInfo {
  subject: string;
  /** Hex, as openssl prints it without colons. */
  serialNumber: string;
  /** ISO 8601. */
  notBefore: string;
  notAfter: string;
  /** Colon-separated upper-case hex, as `openssl x509 -fingerprint -sha256` prints it. */
  fingerprintSha256: string;
  keyType: KeyType;
  /** Permitted subtrees (`localhost`, `127.0.0.0/8`…); empty when the CA is unconstrained. */
  nameConstraints: string[];
  certPath: string;
}

export interface EnsureCaOptions {
  /** Key type for a new CA (default `ecdsa-p256`). An existing CA keeps its own. */
  keyType?: KeyType;
  /** Clock for a new CA's validity period (tests). */
  now?: Date;
  /**
   * Limit a new CA to local names (default true): then a leaked CA key cannot be used to
   * impersonate real sites to this machine. `false` is for users who must sign other names (a LAN
   * host, a company dev domain) and accept that risk; `extraPermittedNames` is usually enough.
   */
  nameConstraints?: boolean;
  /** More permitted subtrees for a new constrained CA: DNS names (cover their subdomains) or CIDR ranges. */
  extraPermittedNames?: string[];
}

/** A loaded CA that can sign: info plus the non-extractable signing key. */
export interface LocalCa {
  readonly info: CaInfo;
  readonly certificate: x509.X509Certificate;
  readonly certPem: string;
  readonly keyType: KeyType;
  readonly signingKey: webcrypto.CryptoKey;
  /** Permitted subtrees to check names against before signing; null when unconstrained. */
  readonly constraints: readonly NameConstraint[] | null;
}

export const CA_ORGANIZATION = 'Berth local development CA';
const CA_VALIDITY_YEARS = 10;
/** Backdating absorbs clocks that disagree a little (VMs and WSL after a sleep). */
export const CLOCK_SKEW_MS = 60 * 60 * 1000;
const KEY_MODE = 0o600;
const DIR_MODE = 0o700;

export function caPaths(certsDir: string) {
  const dir = join(certsDir, 'ca');
  return { dir, cert: join(dir, 'ca.crt.pem'), key: join(dir, 'ca.key.pem') };
}

/** Creates the CA on first use, or loads it; returns its public facts. */
export async function ensureLocalCa(certsDir: string, opts: EnsureCaOptions = {}): Promise<CaInfo> {
  return (await openLocalCa(certsDir, opts)).info;
}

/** Like ensureLocalCa, but returns the CA ready to sign. */
export async function openLocalCa(certsDir: string, opts: EnsureCaOptions = {}): Promise<LocalCa> {
  const paths = caPaths(certsDir);
  if (await exists(paths.dir)) return loadLocalCa(certsDir);
  await createLocalCa(certsDir, opts);
  return loadLocalCa(certsDir);
}

/** Loads an existing CA; BERTH_ERR_CA_MISSING when there is none, BERTH_ERR_CA_INVALID when it is broken. */
export async function loadLocalCa(certsDir: string): Promise<LocalCa> {
  const paths = caPaths(certsDir);
  const brokenHint = `move ${paths.dir} aside and start Berth again to create a new CA (certificates from the old one stop being trusted)`;
  let certPem: string;
  let keyPem: string;
  try {
    certPem = await readFile(paths.cert, 'utf8');
    keyPem = await readFile(paths.key, 'utf8');
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    if (missing && !(await exists(paths.dir))) {
      throw new BerthError('BERTH_ERR_CA_MISSING', `there is no local CA in ${paths.dir} yet`, {
        hint: 'start Berth once (or run `berth cert ca`) to create it',
      });
    }
    throw new BerthError('BERTH_ERR_CA_INVALID', `cannot read the local CA in ${paths.dir}: ${errorMessage(e)}`, {
      hint: brokenHint,
      cause: e,
    });
  }

  let certificate: x509.X509Certificate;
  try {
    certificate = new x509.X509Certificate(certPem);
  } catch (e) {
    throw new BerthError('BERTH_ERR_CA_INVALID', `${paths.cert} is not a readable certificate`, { hint: brokenHint, cause: e });
  }
  const basic = certificate.getExtension(x509.BasicConstraintsExtension);
  if (!basic?.ca) {
    throw new BerthError('BERTH_ERR_CA_INVALID', `${paths.cert} is not a CA certificate`, { hint: brokenHint });
  }
  let signer: Awaited<ReturnType<typeof importSigningKeyPem>>;
  try {
    signer = await importSigningKeyPem(keyPem);
  } catch (e) {
    throw new BerthError('BERTH_ERR_CA_INVALID', `${paths.key}: ${errorMessage(e)}`, { hint: brokenHint });
  }
  if (!Buffer.from(certificate.publicKey.rawData).equals(signer.publicKeyDer)) {
    throw new BerthError('BERTH_ERR_CA_INVALID', `${paths.key} does not belong to ${paths.cert}`, { hint: brokenHint });
  }
  await tightenKeyMode(paths.key);

  const permitted = readNameConstraints(certificate);
  const info: CaInfo = {
    subject: certificate.subject,
    serialNumber: certificate.serialNumber,
    notBefore: certificate.notBefore.toISOString(),
    notAfter: certificate.notAfter.toISOString(),
    fingerprintSha256: fingerprintSha256(certificate.rawData),
    keyType: signer.keyType,
    nameConstraints: permitted ?? [],
    certPath: paths.cert,
  };
  return {
    info,
    certificate,
    certPem,
    keyType: signer.keyType,
    signingKey: signer.key,
    constraints: permitted === null ? null : parseKnownConstraints(permitted),
  };
}

/** Subtrees we can check before signing; kinds we do not issue (email, URI) are left to the verifier. */
function parseKnownConstraints(permitted: readonly string[]): NameConstraint[] {
  return permitted.flatMap((text) => {
    try {
      return [parseNameConstraint(text)];
    } catch {
      return [];
    }
  });
}

async function createLocalCa(certsDir: string, opts: EnsureCaOptions): Promise<void> {
  const keyType = opts.keyType ?? 'ecdsa-p256';
  if (!isKeyType(keyType)) {
    throw new BerthError('BERTH_ERR_CA_OPTIONS', `unknown CA key type ${JSON.stringify(keyType)}: use ecdsa-p256 or rsa-3072`);
  }
  const constraints = opts.nameConstraints === false ? null : permittedSubtrees(opts.extraPermittedNames ?? []);
  const now = opts.now ?? new Date();
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + CA_VALIDITY_YEARS);

  const keys = await generateKeyPair(keyType);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(true, 0, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  if (constraints) extensions.push(nameConstraintsExtension(constraints));
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    // RFC 4514 order as displayed: CN first.
    name: [{ CN: [fitNameAttribute(`Berth Local CA ${localIdentity()}`)] }, { O: [CA_ORGANIZATION] }],
    notBefore: new Date(now.getTime() - CLOCK_SKEW_MS),
    notAfter,
    keys,
    signingAlgorithm: signingAlgorithm(keyType),
    extensions,
  });
  await writeCaAtomically(certsDir, withFinalNewline(certificate.toString('pem')), await exportPrivateKeyPem(keys.privateKey));
}

function permittedSubtrees(extra: readonly string[]): NameConstraint[] {
  const byText = new Map<string, NameConstraint>();
  for (const text of [...DEFAULT_PERMITTED_NAMES, ...extra]) {
    const c = parseNameConstraint(text);
    byText.set(formatNameConstraint(c), c);
  }
  return [...byText.values()];
}

/**
 * Writes both files into a private temp folder, then renames it to `ca/`. Renaming onto an existing
 * folder fails, so when two processes race on first start one CA wins whole and the other loads it.
 */
async function writeCaAtomically(certsDir: string, certPem: string, keyPem: string): Promise<void> {
  const paths = caPaths(certsDir);
  await mkdir(certsDir, { recursive: true, mode: DIR_MODE });
  const tmp = await mkdtemp(join(certsDir, '.ca-')); // created 0700
  try {
    await writeFile(join(tmp, 'ca.key.pem'), keyPem, { mode: KEY_MODE, flag: 'wx' });
    await restrictToUser(join(tmp, 'ca.key.pem'));
    await writeFile(join(tmp, 'ca.crt.pem'), certPem, { mode: 0o644, flag: 'wx' });
    await chmod(tmp, DIR_MODE);
    await rename(tmp, paths.dir);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    const code = (e as NodeJS.ErrnoException).code;
    const lostRace = (code === 'EEXIST' || code === 'ENOTEMPTY' || code === 'EPERM') && (await exists(paths.cert));
    if (!lostRace) {
      throw new BerthError('BERTH_ERR_CA_WRITE', `cannot write the local CA to ${paths.dir}: ${errorMessage(e)}`, {
        hint: `check that ${certsDir} is writable`,
        cause: e,
      });
    }
  }
}

/** A key readable by group or others (copied around, restored from a backup) is put back to 0600. */
async function tightenKeyMode(keyPath: string): Promise<void> {
  if (process.platform === 'win32') return restrictToUser(keyPath);
  const { mode } = await stat(keyPath);
  if ((mode & 0o077) !== 0) await chmod(keyPath, KEY_MODE);
}

export function withFinalNewline(pem: string): string {
  return pem.endsWith('\n') ? pem : `${pem}\n`;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}
