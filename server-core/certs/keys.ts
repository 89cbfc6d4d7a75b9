// Key pairs for the CA and leaves: generated, exported and imported through Node's WebCrypto,
// whose key generation and signing run on libuv's thread pool (an RSA-3072 key takes seconds,
// the event loop must not wait for it).
import { createPrivateKey, createPublicKey, webcrypto } from 'node:crypto';
import { BerthError } from '../errors.js';

export type KeyType = 'ecdsa-p256' | 'rsa-3072';

export const KEY_TYPES: readonly KeyType[] = ['ecdsa-p256', 'rsa-3072'];

type SubtleKey = webcrypto.CryptoKey;
export interface KeyPair {
  publicKey: SubtleKey;
  privateKey: SubtleKey;
}

const subtle = webcrypto.subtle;

/** WebCrypto parameters for generating / importing a key of this type. */
function keyAlgorithm(type: KeyType): webcrypto.EcKeyImportParams | webcrypto.RsaHashedImportParams {
  return type === 'ecdsa-p256'
    ? { name: 'ECDSA', namedCurve: 'P-256' }
    : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
}

/** The signature algorithm a key of this type signs certificates with (SHA-256 for both). */
export function signingAlgorithm(type: KeyType): webcrypto.EcdsaParams | webcrypto.RsaHashedImportParams {
  return type === 'ecdsa-p256' ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
}

export function isKeyType(value: unknown): value is KeyType {
  return typeof value === 'string' && (KEY_TYPES as readonly string[]).includes(value);
}

/** A fresh key pair; the private key is extractable so it can be written once as PEM. */
export async function generateKeyPair(type: KeyType): Promise<KeyPair> {
  const algorithm =
    type === 'ecdsa-p256'
      ? keyAlgorithm(type)
      : { ...keyAlgorithm(type), modulusLength: 3072, publicExponent: new Uint8Array([1, 0, 1]) };
  return (await subtle.generateKey(algorithm, true, ['sign', 'verify'])) as KeyPair;
}

/** PKCS#8 PEM ("BEGIN PRIVATE KEY"), which Node's tls, nginx and openssl all read. */
export async function exportPrivateKeyPem(key: SubtleKey): Promise<string> {
  const der = Buffer.from(await subtle.exportKey('pkcs8', key));
  return toPem('PRIVATE KEY', der);
}

export function toPem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/**
 * Reads a PEM private key of one of our key types as a non-extractable signing key, and
 * returns the DER of its public key so callers can check it against a certificate.
 */
export async function importSigningKeyPem(
  pem: string,
): Promise<{ key: SubtleKey; keyType: KeyType; publicKeyDer: Buffer }> {
  let keyObject;
  try {
    keyObject = createPrivateKey(pem);
  } catch (e) {
    // The parser's message could quote key bytes: keep it out of ours.
    throw new BerthError('BERTH_ERR_CA_INVALID', 'the CA private key file is not a readable PEM private key', {
      cause: e instanceof Error ? new Error(e.name) : undefined,
    });
  }
  const keyType = keyTypeOf(keyObject.asymmetricKeyType, keyObject.asymmetricKeyDetails);
  if (!keyType) {
    throw new BerthError(
      'BERTH_ERR_CA_INVALID',
      `the CA private key is ${keyObject.asymmetricKeyType ?? 'of an unknown type'}; Berth signs with ECDSA P-256 or RSA 3072`,
    );
  }
  const pkcs8 = keyObject.export({ type: 'pkcs8', format: 'der' });
  const key = await subtle.importKey('pkcs8', pkcs8, keyAlgorithm(keyType), false, ['sign']);
  const publicKeyDer = createPublicKey(keyObject).export({ type: 'spki', format: 'der' });
  return { key, keyType, publicKeyDer };
}

function keyTypeOf(
  asymmetricKeyType: string | undefined,
  details: { modulusLength?: number; namedCurve?: string } | undefined,
): KeyType | undefined {
  if (asymmetricKeyType === 'ec' && details?.namedCurve === 'prime256v1') return 'ecdsa-p256';
  if (asymmetricKeyType === 'rsa' && details?.modulusLength === 3072) return 'rsa-3072';
  return undefined;
}

/** Key type of a certificate's public key, from its SubjectPublicKeyInfo DER. */
export function keyTypeOfPublicKey(spkiDer: Uint8Array): KeyType | undefined {
  const key = createPublicKey({ key: Buffer.from(spkiDer), format: 'der', type: 'spki' });
  return keyTypeOf(key.asymmetricKeyType, key.asymmetricKeyDetails);
}
