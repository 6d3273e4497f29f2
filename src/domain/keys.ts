import { randomBytes } from 'node:crypto';
import { decrypt, encAlgFitsKey, encrypt, unwrapKey, wrapKey, type EncAlg } from '../crypto/encrypt.js';
import { CryptoError } from '../crypto/errors.js';
import { generateEc, generateOct, keyFamily, keySize, publicJwk, validateImportJwk, type Curve, type PrivateJwk } from '../crypto/jwk.js';
import type { RsaKeyPool } from '../crypto/rsa-pool.js';
import { algFitsKey, digestLength, signDigest, verifyDigest, type SignAlg } from '../crypto/sign.js';
import type { SettingsStore } from '../store/settings.js';
import type { BackupService } from './backup.js';
import { toUnixSeconds, type Clock } from './clock.js';
import { badParameter, KeyVaultError } from './errors.js';
import { assertAttestable, createKeyReleases, type KeyReleases } from './key-release.js';
import {
  assertUsable,
  checkKeyOps,
  CURVES,
  defaultKeyOps,
  OCT_SIZES,
  checkRsaKeySize,
  type CryptoOperation,
  type KeyOp,
} from './key-rules.js';
import type { AttributesInput, Lifecycle, ObjectVersion, Tags } from './lifecycle.js';
import { createRotationPolicies, type RotationPolicies } from './rotation.js';
import type { VaultContext } from './vaults.js';

export interface ReleasePolicy {
  contentType: string;
  immutable?: boolean;
  /** base64url of the policy document. */
  data: string;
}

/** What a key version holds besides the common attributes. The private members never leave the domain. */
export interface KeyBody {
  jwk: PrivateJwk;
  keyOps: KeyOp[];
  exportable?: boolean;
  releasePolicy?: ReleasePolicy;
  /** The key backs a certificate. */
  managed?: boolean;
}

export type Key = ObjectVersion<KeyBody>;

export interface KeyAttributesInput extends AttributesInput {
  exportable?: boolean;
}

export interface CreateKeyInput {
  kty: string;
  keySize?: number;
  publicExponent?: number;
  crv?: string;
  keyOps?: unknown;
  attributes?: KeyAttributesInput;
  tags?: Tags;
  releasePolicy?: ReleasePolicy;
  managed?: boolean;
}

export interface ImportKeyInput {
  key: unknown;
  hsm?: boolean;
  attributes?: KeyAttributesInput;
  tags?: Tags;
  releasePolicy?: ReleasePolicy;
}

export interface UpdateKeyInput {
  keyOps?: unknown;
  attributes?: KeyAttributesInput;
  tags?: Tags;
  releasePolicy?: ReleasePolicy;
}

export interface CryptoParams {
  alg: string;
  value: Buffer;
  iv?: Buffer;
  aad?: Buffer;
  tag?: Buffer;
}

export interface CryptoResult {
  key: Key;
  value: Buffer;
  iv?: Buffer;
  tag?: Buffer;
  aad?: Buffer;
}

export interface KeyService extends KeyReleases {
  lifecycle: Lifecycle<KeyBody>;
  rotation: RotationPolicies;
  create(vault: VaultContext, name: string, input: CreateKeyInput): Promise<Key>;
  import(vault: VaultContext, name: string, input: ImportKeyInput): Key;
  /** A disabled version is refused, as for secrets. */
  get(vault: VaultContext, name: string, version?: string): Key;
  update(vault: VaultContext, name: string, version: string | undefined, input: UpdateKeyInput): Key;
  rotate(vault: VaultContext, name: string): Promise<Key>;
  sign(vault: VaultContext, name: string, version: string | undefined, alg: string, digest: Buffer): CryptoResult;
  verify(vault: VaultContext, name: string, version: string | undefined, alg: string, digest: Buffer, signature: Buffer): boolean;
  crypt(vault: VaultContext, name: string, version: string | undefined, op: 'encrypt' | 'decrypt' | 'wrapKey' | 'unwrapKey', params: CryptoParams): CryptoResult;
  backup(vault: VaultContext, name: string): Promise<string>;
  restore(vault: VaultContext, blob: unknown): Promise<Key>;
  randomBytes(count: unknown): Buffer;
  /** Fresh key material for a key type, size and curve (validated as for create). */
  generate(input: CreateKeyInput): Promise<PrivateJwk>;
  /** Rotates every key whose rotation policy says it is due; returns how many were rotated. */
  autoRotate(vaults: VaultContext[]): Promise<number>;
  /** GET .../attestation (7.6): the key bundle of an HSM key type; see key-release.ts. */
  attestation(vault: VaultContext, name: string, version?: string): Key;
}

/** Maps a crypto module refusal to the service's 400. */
function cryptoFailure(err: unknown): never {
  if (err instanceof CryptoError) {
    throw badParameter(err.reason === 'decrypt-failed' ? `The operation failed: ${err.message}` : err.message);
  }
  throw err;
}

function checkExportable(exportable: boolean | undefined, policy: ReleasePolicy | undefined): void {
  if (exportable && !policy) throw badParameter('An exportable key needs a release_policy.');
}

/** `settings` holds the release signing key; without it (tests of the service alone) the key lives in memory. */
export function createKeyService(
  lifecycle: Lifecycle<KeyBody>,
  backups: BackupService,
  pool: RsaKeyPool,
  clock: Clock,
  settings: Pick<SettingsStore, 'getOrCreate'> = inMemorySettings(),
): KeyService {
  const now = () => toUnixSeconds(clock.now());

  async function generate(input: CreateKeyInput): Promise<PrivateJwk> {
    const kty = input.kty;
    if (kty === 'RSA' || kty === 'RSA-HSM') {
      const size = input.keySize ?? 2048;
      checkRsaKeySize(size);
      // 0 means "not set": the Azure SDK for Java (azure-security-keyvault-keys 4.11) sends public_exponent 0 with
      // every RSA create that names none, and the service makes a 65537 key.
      const exponent = input.publicExponent || 65537;
      if (exponent !== 3 && exponent !== 65537) throw badParameter(`Invalid public exponent ${exponent}: use 65537 (or 3).`);
      return { ...(await pool.take(size, exponent)), kty };
    }
    if (kty === 'EC' || kty === 'EC-HSM') {
      const crv = input.crv ?? curveForSize(input.keySize) ?? 'P-256';
      if (!(CURVES as readonly string[]).includes(crv)) throw badParameter(`Invalid curve '${crv}': use ${CURVES.join(', ')}.`);
      return { ...generateEc(crv as Curve), kty };
    }
    if (kty === 'oct' || kty === 'oct-HSM') {
      const size = input.keySize ?? 256;
      if (!OCT_SIZES.includes(size)) throw badParameter(`Invalid key size ${size} for a symmetric key: use 128, 192 or 256.`);
      return { ...generateOct(size as 128 | 192 | 256), kty };
    }
    throw badParameter(`Invalid key type '${kty}': use EC, EC-HSM, RSA, RSA-HSM, oct or oct-HSM.`);
  }

  function store(vault: VaultContext, name: string, jwk: PrivateJwk, rest: Omit<KeyBody, 'jwk'>, attributes?: KeyAttributesInput, tags?: Tags): Key {
    const body: KeyBody = { jwk, ...rest };
    if (attributes?.exportable !== undefined) body.exportable = attributes.exportable;
    checkExportable(body.exportable, body.releasePolicy);
    const { exportable: _e, ...common } = attributes ?? {};
    return lifecycle.create(vault, name, { body, attributes: common, ...(tags && { tags }) });
  }

  function usable(vault: VaultContext, name: string, version: string | undefined, op: CryptoOperation): Key {
    const key = lifecycle.get(vault, name, version);
    assertUsable({ ...key.attributes, keyOps: key.body.keyOps }, op, now());
    return key;
  }

  const rotation = createRotationPolicies(lifecycle, clock);
  const service: KeyService = {
    lifecycle,
    rotation,
    ...createKeyReleases(lifecycle, clock, settings),
    attestation: (vault, name, version) => assertAttestable(service.get(vault, name, version)),
    async create(vault, name, input) {
      const keyOps = input.keyOps === undefined ? defaultKeyOps(input.kty) : checkKeyOps(input.keyOps);
      const jwk = await generate(input);
      return store(
        vault,
        name,
        jwk,
        { keyOps, ...(input.releasePolicy && { releasePolicy: input.releasePolicy }), ...(input.managed && { managed: true }) },
        input.attributes,
        input.tags,
      );
    },
    import(vault, name, input) {
      let jwk: PrivateJwk;
      try {
        jwk = validateImportJwk(input.key);
      } catch (err) {
        cryptoFailure(err);
      }
      if (keyFamily(jwk.kty) === 'RSA') checkRsaKeySize(keySize(jwk));
      const given = input.key as { key_ops?: unknown };
      const base = jwk.kty.replace(/-HSM$/, '');
      const kty = (input.hsm ? `${base}-HSM` : jwk.kty) as PrivateJwk['kty'];
      const keyOps = given.key_ops === undefined || given.key_ops === null ? defaultKeyOps(kty) : checkKeyOps(given.key_ops);
      return store(vault, name, { ...jwk, kty }, { keyOps, ...(input.releasePolicy && { releasePolicy: input.releasePolicy }) }, input.attributes, input.tags);
    },
    get(vault, name, version) {
      const key = lifecycle.get(vault, name, version);
      if (!key.attributes.enabled) {
        throw new KeyVaultError(403, 'Forbidden', 'Operation get is not allowed on a disabled key.', { inner: 'KeyDisabled' });
      }
      return key;
    },
    update(vault, name, version, input) {
      const current = lifecycle.get(vault, name, version);
      if (current.body.releasePolicy?.immutable && input.releasePolicy) {
        throw new KeyVaultError(403, 'Forbidden', 'The release policy of this key is immutable.', { inner: 'ImmutableReleasePolicy' });
      }
      const body: KeyBody = { ...current.body };
      if (input.keyOps !== undefined) body.keyOps = checkKeyOps(input.keyOps);
      if (input.releasePolicy) body.releasePolicy = input.releasePolicy;
      if (input.attributes?.exportable !== undefined) {
        if (current.body.exportable && !input.attributes.exportable) throw badParameter('An exportable key cannot be made non-exportable.');
        body.exportable = input.attributes.exportable;
      }
      checkExportable(body.exportable, body.releasePolicy);
      const { exportable: _e, ...common } = input.attributes ?? {};
      return lifecycle.update(vault, name, current.version, { attributes: common, body, ...(input.tags && { tags: input.tags }) });
    },
    async rotate(vault, name) {
      const current = lifecycle.get(vault, name);
      const jwk = current.body.jwk;
      const input: CreateKeyInput = { kty: jwk.kty, keySize: keySize(jwk) };
      if (jwk.crv) input.crv = jwk.crv;
      if (jwk.e) input.publicExponent = Buffer.from(jwk.e, 'base64url').readUIntBE(0, Buffer.from(jwk.e, 'base64url').length);
      const fresh = await generate(input);
      const expiry = rotation.expiryFor(vault, current.name);
      const attributes: KeyAttributesInput = {};
      if (expiry !== undefined) attributes.exp = now() + expiry;
      if (current.body.exportable !== undefined) attributes.exportable = current.body.exportable;
      const { jwk: _old, ...rest } = current.body;
      return store(vault, current.name, fresh, rest, attributes, current.tags);
    },
    sign(vault, name, version, alg, digest) {
      const key = usable(vault, name, version, 'sign');
      if (!algFitsKey(key.body.jwk, alg as SignAlg)) throw badParameter(`Algorithm ${alg} is not supported for key type ${key.body.jwk.kty}${key.body.jwk.crv ? ` (${key.body.jwk.crv})` : ''}.`);
      const expected = digestLength(alg as SignAlg);
      if (expected !== undefined && digest.length !== expected) {
        throw badParameter(`Invalid digest length ${digest.length} for ${alg}: expected ${expected} bytes.`);
      }
      try {
        return { key, value: signDigest(key.body.jwk, alg as SignAlg, digest) };
      } catch (err) {
        cryptoFailure(err);
      }
    },
    verify(vault, name, version, alg, digest, signature) {
      const key = usable(vault, name, version, 'verify');
      if (!algFitsKey(key.body.jwk, alg as SignAlg)) throw badParameter(`Algorithm ${alg} is not supported for key type ${key.body.jwk.kty}.`);
      const expected = digestLength(alg as SignAlg);
      if (expected !== undefined && digest.length !== expected) {
        throw badParameter(`Invalid digest length ${digest.length} for ${alg}: expected ${expected} bytes.`);
      }
      try {
        return verifyDigest(key.body.jwk, alg as SignAlg, digest, signature);
      } catch (err) {
        cryptoFailure(err);
      }
    },
    crypt(vault, name, version, op, params) {
      const key = usable(vault, name, version, op);
      const alg = params.alg as EncAlg;
      if (!encAlgFitsKey(key.body.jwk, alg)) throw badParameter(`Algorithm ${alg} is not supported for key type ${key.body.jwk.kty}.`);
      const opts = { ...(params.iv && { iv: params.iv }), ...(params.aad && { aad: params.aad }), ...(params.tag && { tag: params.tag }) };
      try {
        switch (op) {
          case 'encrypt': {
            const r = encrypt(key.body.jwk, alg, params.value, opts);
            return { key, value: r.value, ...(r.iv && { iv: r.iv }), ...(r.tag && { tag: r.tag }), ...(params.aad && { aad: params.aad }) };
          }
          case 'decrypt':
            return { key, value: decrypt(key.body.jwk, alg, params.value, opts) };
          case 'wrapKey':
            return { key, value: wrapKey(key.body.jwk, alg, params.value) };
          case 'unwrapKey':
            return { key, value: unwrapKey(key.body.jwk, alg, params.value) };
        }
      } catch (err) {
        cryptoFailure(err);
      }
    },
    generate,
    backup: (vault, name) => backups.backup(lifecycle.snapshot(vault, name)),
    async restore(vault, blob) {
      return lifecycle.restore(vault, await backups.restore('key', blob));
    },
    randomBytes(count) {
      if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 128) {
        throw badParameter('count must be an integer from 1 to 128.');
      }
      return randomBytes(count);
    },
    async autoRotate(vaults) {
      let rotated = 0;
      for (const vault of vaults) {
        for (const name of rotation.dueForRotation(vault, now())) {
          await service.rotate(vault, name);
          rotated++;
        }
      }
      return rotated;
    },
  };
  return service;
}

function inMemorySettings(): Pick<SettingsStore, 'getOrCreate'> {
  const values = new Map<string, string>();
  return { getOrCreate: (key, make) => values.get(key) ?? (values.set(key, make()), values.get(key)!) };
}

function curveForSize(size: number | undefined): string | undefined {
  return size === 256 ? 'P-256' : size === 384 ? 'P-384' : size === 521 ? 'P-521' : undefined;
}

export { publicJwk };
