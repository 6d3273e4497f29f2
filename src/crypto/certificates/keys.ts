/**
 * Key material for the certificate crypto: Key Vault JWKs in and out, node:crypto KeyObjects inside.
 *
 * Every key is handled as a node:crypto KeyObject because Node's OpenSSL covers all four Key Vault curves, including
 * P-256K (secp256k1), which WebCrypto does not. @peculiar/x509 signs through a WebCrypto-shaped provider; `signerFor`
 * hands it a small provider whose `sign` is node:crypto's, so certificates and CSRs for every key type take one path.
 */
import { createPrivateKey, createPublicKey, KeyObject, sign, verify, webcrypto, type JsonWebKey } from 'node:crypto';
import { x509 } from '../x509-lib.js';
import type { Curve, PrivateJwk } from '../jwk-model.js';
import { badInput, CertificateCryptoError, messageOf } from './errors.js';

export type KeyVaultCurve = Curve;

/** A certificate's key as Key Vault writes it: the project's JWK, narrowed to the key types a certificate can have. */
export type CertificateKeyJwk = Omit<PrivateJwk, 'kty' | 'crv' | 'k'> & { kty: 'RSA' | 'RSA-HSM' | 'EC' | 'EC-HSM'; crv?: KeyVaultCurve };

/**
 * What the functions take: any JWK-shaped object, such as the keys code's own JWK type or a stored key's JSON. The
 * members are checked at run time, so the static type only asks for a key type.
 */
export type KeyJwkInput = Omit<CertificateKeyJwk, 'kty' | 'crv'> & { kty: string; crv?: string };

type HashName = 'SHA-256' | 'SHA-384' | 'SHA-512';

interface CurveInfo {
  /** The name node:crypto uses in a JWK. */
  readonly jwk: string;
  /** The name @peculiar/x509 uses, which picks the signature size of the ECDSA formatter. */
  readonly webCrypto: string;
  /** The hash paired with the curve's strength, as Key Vault pairs ES256/ES384/ES512 with the curves. */
  readonly hash: HashName;
}

const CURVES: Record<KeyVaultCurve, CurveInfo> = {
  'P-256': { jwk: 'P-256', webCrypto: 'P-256', hash: 'SHA-256' },
  'P-384': { jwk: 'P-384', webCrypto: 'P-384', hash: 'SHA-384' },
  'P-521': { jwk: 'P-521', webCrypto: 'P-521', hash: 'SHA-512' },
  'P-256K': { jwk: 'secp256k1', webCrypto: 'K-256', hash: 'SHA-256' },
};

const MEMBERS = {
  RSA: { public: ['n', 'e'], private: ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'] },
  EC: { public: ['x', 'y'], private: ['x', 'y', 'd'] },
} as const;

type Member = (typeof MEMBERS)['RSA' | 'EC']['private'][number];

const isCurve = (value: unknown): value is KeyVaultCurve => typeof value === 'string' && Object.hasOwn(CURVES, value);

const curveByJwkName = (name: string | undefined): KeyVaultCurve | undefined =>
  (Object.keys(CURVES) as KeyVaultCurve[]).find((curve) => CURVES[curve].jwk === name);

/** The string members `names` of a JWK-like object; a member of another type is 'bad-input'. */
function pickMembers(jwk: object, names: readonly Member[]): Partial<Record<Member, string>> {
  const out: Partial<Record<Member, string>> = {};
  for (const name of names) {
    const value = (jwk as Record<string, unknown>)[name];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw badInput(`the JWK member '${name}' is not a base64url string`);
    out[name] = value;
  }
  return out;
}

/** The JWK node:crypto expects: plain kty, Node's curve name, and only the members `part` needs. */
function toNodeJwk(jwk: KeyJwkInput, part: 'public' | 'private'): JsonWebKey {
  if (typeof jwk !== 'object' || jwk === null) throw badInput('the key is not a JWK object');
  const family = typeof jwk.kty === 'string' ? jwk.kty.replace(/-HSM$/, '') : undefined;
  if (family === 'RSA') return { kty: 'RSA', ...pickMembers(jwk, MEMBERS.RSA[part]) };
  if (family === 'EC') {
    if (!isCurve(jwk.crv)) {
      throw badInput(`the JWK curve ${JSON.stringify(jwk.crv)} is not one of ${Object.keys(CURVES).join(', ')}`);
    }
    return { kty: 'EC', crv: CURVES[jwk.crv].jwk, ...pickMembers(jwk, MEMBERS.EC[part]) };
  }
  throw badInput(`the JWK key type ${JSON.stringify(jwk.kty)} cannot back a certificate (RSA or EC expected)`);
}

/** The private key of a Key Vault JWK; 'bad-input' when it is malformed or holds only a public key. */
export function privateKeyFromJwk(jwk: KeyJwkInput): KeyObject {
  const nodeJwk = toNodeJwk(jwk, 'private');
  if (nodeJwk.d === undefined) throw badInput('the JWK holds no private key (member d is missing)');
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: nodeJwk, format: 'jwk' });
  } catch (error) {
    throw badInput(`the private JWK is not a valid ${nodeJwk.kty} key: ${messageOf(error)}`, error);
  }
  assertPairwiseConsistent(key);
  return key;
}

const PROBE = Buffer.from('kyanite pairwise consistency check');

/**
 * Node imports a JWK without checking that its members belong together (an RSA modulus that is not p*q, an EC
 * point that is not d*G), and such a key would sign certificates that verify against nothing. One signature made
 * with the private members and checked with the public ones catches it, for about a millisecond.
 */
function assertPairwiseConsistent(key: KeyObject): void {
  let consistent: boolean;
  try {
    consistent = verify('sha256', PROBE, createPublicKey(key), sign('sha256', PROBE, key));
  } catch {
    consistent = false;
  }
  if (!consistent) throw badInput("the private JWK's members do not form one key pair");
}

/** The public key of a Key Vault JWK, private or public; private members are ignored. */
export function publicKeyFromJwk(jwk: KeyJwkInput): KeyObject {
  const nodeJwk = toNodeJwk(jwk, 'public');
  try {
    return createPublicKey({ key: nodeJwk, format: 'jwk' });
  } catch (error) {
    throw badInput(`the JWK is not a valid ${nodeJwk.kty} public key: ${messageOf(error)}`, error);
  }
}

/**
 * A KeyObject as a Key Vault JWK (public members only for a public key). The key type comes back without `-HSM`:
 * whether a key is HSM-backed is the vault's business, not the key material's.
 */
export function jwkFromKey(key: KeyObject): CertificateKeyJwk {
  const exported = key.export({ format: 'jwk' });
  if (exported.kty === 'RSA') return { kty: 'RSA', ...pickMembers(exported, MEMBERS.RSA.private) };
  const crv = exported.kty === 'EC' ? curveByJwkName(exported.crv) : undefined;
  if (crv === undefined) {
    const kind = exported.kty === 'EC' ? `EC key on ${exported.crv ?? '?'}` : `${key.asymmetricKeyType ?? '?'} key`;
    throw new CertificateCryptoError('unsupported', `a ${kind} cannot back a Key Vault certificate`);
  }
  return { kty: 'EC', crv, ...pickMembers(exported, MEMBERS.EC.private) };
}

const publicJwkOf = (key: KeyObject): CertificateKeyJwk =>
  jwkFromKey(key.type === 'private' ? createPublicKey(key) : key);

/** Whether two keys (private or public) share one public key, compared on the public JWK members. */
export function samePublicKey(a: KeyObject, b: KeyObject): boolean {
  const left = publicJwkOf(a);
  const right = publicJwkOf(b);
  const compared = ['kty', 'crv', ...MEMBERS.RSA.public, ...MEMBERS.EC.public] as const;
  return compared.every((name) => left[name] === right[name]);
}

type X509Crypto = ReturnType<typeof x509.cryptoProvider.get>;
type CryptoKey = webcrypto.CryptoKey;

/** What @peculiar/x509's generators need to sign with one private key. */
export interface X509Signer {
  /** Stand-ins for WebCrypto keys: they only carry `algorithm`, from which the library picks the signature OID. */
  readonly keys: { publicKey: CryptoKey; privateKey: CryptoKey };
  /** A provider that exports the stand-in public key and signs with the real private key through node:crypto. */
  readonly crypto: X509Crypto;
  readonly signingAlgorithm: { name: string; hash: HashName };
  /** The SubjectPublicKeyInfo DER of the key. */
  readonly spki: Buffer;
}

const toBuffer = (data: ArrayBuffer | ArrayBufferView): Buffer =>
  ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);

const toArrayBuffer = (data: Buffer): ArrayBuffer => Uint8Array.from(data).buffer;

/**
 * RSA keys sign sha256WithRSAEncryption; EC keys ECDSA with the hash matching the curve. Signatures come out in the
 * IEEE P1363 form (r||s) because that is what WebCrypto returns and what the library's formatter converts to DER.
 */
export function signerFor(privateKey: KeyObject): X509Signer {
  const curve = publicJwkOf(privateKey).crv;
  const hash: HashName = curve === undefined ? 'SHA-256' : CURVES[curve].hash;
  const algorithm =
    curve === undefined
      ? { name: 'RSASSA-PKCS1-v1_5', hash: { name: hash } }
      : { name: 'ECDSA', namedCurve: CURVES[curve].webCrypto, hash: { name: hash } };
  const standIn = (type: 'public' | 'private', usages: string[]): CryptoKey =>
    ({ type, extractable: false, usages, algorithm }) as unknown as CryptoKey;
  const keys = { publicKey: standIn('public', ['verify']), privateKey: standIn('private', ['sign']) };
  const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const subtle = {
    exportKey: async (format: string, key: unknown): Promise<ArrayBuffer> => {
      if (format !== 'spki' || key !== keys.publicKey) throw new Error(`cannot export ${format} from this provider`);
      return toArrayBuffer(spki);
    },
    sign: async (_algorithm: unknown, key: unknown, data: ArrayBuffer | ArrayBufferView): Promise<ArrayBuffer> => {
      if (key !== keys.privateKey) throw new Error('this provider signs only with its own key');
      const digest = hash.replace('-', '').toLowerCase();
      return toArrayBuffer(sign(digest, toBuffer(data), { key: privateKey, dsaEncoding: 'ieee-p1363' }));
    },
    digest: (algorithm: string, data: ArrayBuffer | ArrayBufferView): Promise<ArrayBuffer> =>
      webcrypto.subtle.digest(algorithm, data),
  };
  const getRandomValues = <T extends ArrayBufferView>(array: T): T => webcrypto.getRandomValues(array as never);
  const crypto = { subtle, getRandomValues };
  return { keys, crypto: crypto as unknown as X509Crypto, signingAlgorithm: { name: algorithm.name, hash }, spki };
}
