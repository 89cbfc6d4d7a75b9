// PKCS#12 (RFC 7292) export: the leaf, its chain and its key in one password-protected file, for
// Windows, macOS Keychain, Java and browsers' "import certificate" dialogs.
// Profile (OpenSSL 3's default): the key in a PKCS8ShroudedKeyBag encrypted with PBES2 = PBKDF2-
// HMAC-SHA256 + AES-256-CBC (RFC 8018); the integrity MAC is HMAC-SHA256 with the key from the
// PKCS#12 KDF (RFC 7292 Appendix B). Certificates are public: their SafeContents is not encrypted
// (as `openssl pkcs12 -certpbe NONE`). All structures are encoded by @peculiar/asn1-* schemas.
import { createCipheriv, createHash, createHmac, createPrivateKey, pbkdf2Sync, randomBytes, X509Certificate } from 'node:crypto';
import { ContentInfo, id_data } from '@peculiar/asn1-cms';
import { AuthenticatedSafe, CertBag, id_certBag, id_pkcs8ShroudedKeyBag, id_x509Certificate, MacData, PFX, PKCS12Attribute, PKCS8ShroudedKeyBag, SafeBag, SafeContents } from '@peculiar/asn1-pfx';
import { EncryptedData } from '@peculiar/asn1-pkcs8';
import { DigestInfo } from '@peculiar/asn1-rsa';
import { AsnConvert, AsnPropTypes, AsnProp, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { BerthError } from '../errors.js';
import { splitCertificates } from './cert-facts.js';

const OID = {
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  hmacWithSha256: '1.2.840.113549.2.9',
  aes256Cbc: '2.16.840.1.101.3.4.1.42',
  sha256: '2.16.840.1.101.3.4.2.1',
  localKeyId: '1.2.840.113549.1.9.21',
};
const DER_NULL = new Uint8Array([0x05, 0x00]).buffer;
/** OWASP's 2023 floor for PBKDF2-HMAC-SHA256 is 600 000; 100 000 keeps an export under a second on slow machines. */
export const PBKDF2_ITERATIONS = 100_000;
/** OpenSSL's default MAC iteration count (PKCS12_DEFAULT_ITER). */
const MAC_ITERATIONS = 2048;

/** PBKDF2-params (RFC 8018 A.2) with the fields we write. */
class Pbkdf2Params {
  salt: ArrayBuffer = new ArrayBuffer(0);
  iterationCount = 0;
  keyLength = 32;
  prf: AlgorithmIdentifier = new AlgorithmIdentifier();
}
AsnProp({ type: AsnPropTypes.OctetString })(Pbkdf2Params.prototype, 'salt');
AsnProp({ type: AsnPropTypes.Integer })(Pbkdf2Params.prototype, 'iterationCount');
AsnProp({ type: AsnPropTypes.Integer })(Pbkdf2Params.prototype, 'keyLength');
AsnProp({ type: AlgorithmIdentifier })(Pbkdf2Params.prototype, 'prf');

/** PBES2-params (RFC 8018 A.4). */
class Pbes2Params {
  keyDerivationFunc: AlgorithmIdentifier = new AlgorithmIdentifier();
  encryptionScheme: AlgorithmIdentifier = new AlgorithmIdentifier();
}
AsnProp({ type: AlgorithmIdentifier })(Pbes2Params.prototype, 'keyDerivationFunc');
AsnProp({ type: AlgorithmIdentifier })(Pbes2Params.prototype, 'encryptionScheme');

export interface Pkcs12Input {
  certPem: string;
  chainPem: string;
  keyPem: string;
  password: string;
  /** Iterations for the key's PBKDF2 (tests may lower it). */
  iterations?: number;
}

export function buildPkcs12(input: Pkcs12Input): Buffer {
  if (input.password.length < 4) {
    throw new BerthError('BERTH_ERR_CERT_EXPORT', 'a PKCS#12 password needs at least 4 characters (openssl and Windows refuse shorter ones)');
  }
  const certs = [...splitCertificates(input.certPem), ...splitCertificates(input.chainPem)].map((pem) => new X509Certificate(pem).raw);
  if (certs.length === 0) throw new BerthError('BERTH_ERR_CERT_EXPORT', 'no certificate to export');
  const localKeyId = createHash('sha1').update(certs[0]!).digest();
  // asn1-pfx 2.x's PKCS12Attribute constructor drops its params (`Object.assign(params)`): set the fields.
  const idAttr = new PKCS12Attribute();
  idAttr.attrId = OID.localKeyId;
  idAttr.attrValues = [AsnConvert.serialize(new OctetString(localKeyId))];

  const certBags = certs.map(
    (der, i) =>
      new SafeBag({
        bagId: id_certBag,
        bagValue: AsnConvert.serialize(new CertBag({ certId: id_x509Certificate, certValue: AsnConvert.serialize(new OctetString(der)) })),
        ...(i === 0 ? { bagAttributes: [idAttr] } : {}),
      }),
  );
  const pkcs8 = createPrivateKey(input.keyPem).export({ type: 'pkcs8', format: 'der' });
  const keyBag = new SafeBag({
    bagId: id_pkcs8ShroudedKeyBag,
    bagValue: AsnConvert.serialize(shroudKey(pkcs8, input.password, input.iterations ?? PBKDF2_ITERATIONS)),
    bagAttributes: [idAttr],
  });

  const authSafe = new AuthenticatedSafe([dataContent(new SafeContents(certBags)), dataContent(new SafeContents([keyBag]))]);
  const authSafeDer = Buffer.from(AsnConvert.serialize(authSafe));
  const macSalt = randomBytes(16);
  const macKey = pkcs12Kdf(input.password, macSalt, 3, MAC_ITERATIONS, 32);
  const mac = createHmac('sha256', macKey).update(authSafeDer).digest();
  const pfx = new PFX({
    version: 3,
    authSafe: new ContentInfo({ contentType: id_data, content: AsnConvert.serialize(new OctetString(authSafeDer)) }),
    macData: new MacData({
      mac: new DigestInfo({ digestAlgorithm: new AlgorithmIdentifier({ algorithm: OID.sha256, parameters: DER_NULL }), digest: new OctetString(mac) }),
      macSalt: new OctetString(macSalt),
      iterations: MAC_ITERATIONS,
    }),
  });
  return Buffer.from(AsnConvert.serialize(pfx));
}

function dataContent(contents: SafeContents): ContentInfo {
  return new ContentInfo({ contentType: id_data, content: AsnConvert.serialize(new OctetString(AsnConvert.serialize(contents))) });
}

function shroudKey(pkcs8: Buffer, password: string, iterations: number): PKCS8ShroudedKeyBag {
  const salt = randomBytes(16);
  const iv = randomBytes(16);
  // RFC 8018 leaves the password encoding to the application; OpenSSL feeds PBES2 the UTF-8 bytes.
  const key = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, 32, 'sha256');
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  const encrypted = Buffer.concat([cipher.update(pkcs8), cipher.final()]);
  const params = new Pbes2Params();
  const kdf = new Pbkdf2Params();
  kdf.salt = toArrayBuffer(salt);
  kdf.iterationCount = iterations;
  kdf.keyLength = 32;
  kdf.prf = new AlgorithmIdentifier({ algorithm: OID.hmacWithSha256, parameters: DER_NULL });
  params.keyDerivationFunc = new AlgorithmIdentifier({ algorithm: OID.pbkdf2, parameters: AsnConvert.serialize(kdf) });
  params.encryptionScheme = new AlgorithmIdentifier({ algorithm: OID.aes256Cbc, parameters: AsnConvert.serialize(new OctetString(iv)) });
  return new PKCS8ShroudedKeyBag({
    encryptionAlgorithm: new AlgorithmIdentifier({ algorithm: OID.pbes2, parameters: AsnConvert.serialize(params) }),
    encryptedData: new EncryptedData(encrypted),
  });
}

/**
 * RFC 7292 Appendix B.2 key derivation with SHA-256 (u = 32, v = 64). The password is a BMPString
 * (UTF-16BE) with two trailing zero bytes. `id` 3 = MAC key.
 */
export function pkcs12Kdf(password: string, salt: Uint8Array, id: number, iterations: number, length: number): Buffer {
  const u = 32;
  const v = 64;
  const pw = Buffer.alloc((password.length + 1) * 2);
  for (let i = 0; i < password.length; i++) pw.writeUInt16BE(password.charCodeAt(i), i * 2);
  const fill = (src: Uint8Array): Buffer => {
    if (src.length === 0) return Buffer.alloc(0);
    const out = Buffer.alloc(v * Math.ceil(src.length / v));
    for (let i = 0; i < out.length; i++) out[i] = src[i % src.length]!;
    return out;
  };
  const D = Buffer.alloc(v, id);
  const I = Buffer.concat([fill(salt), fill(pw)]);
  const blocks: Buffer[] = [];
  for (let produced = 0; produced < length; produced += u) {
    let A = createHash('sha256').update(D).update(I).digest();
    for (let r = 1; r < iterations; r++) A = createHash('sha256').update(A).digest();
    blocks.push(A);
    // I_j = (I_j + B + 1) mod 2^(8v), B = A repeated to v bytes.
    const B = fill(A);
    for (let j = 0; j < I.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = I[j + k]! + B[k]! + carry;
        I[j + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return Buffer.concat(blocks).subarray(0, length);
}

function toArrayBuffer(b: Buffer): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}
