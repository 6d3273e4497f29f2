import type { KeyObject } from 'node:crypto';
import { CryptoError } from '../crypto/errors.js';
import { RELEASE_ENCS, releasableMaterial, rsaAesKeyWrap, targetWrappingKey, type ReleaseEnc } from '../crypto/key-release.js';
import { decodeJwt, signJwt } from '../identity/jwt.js';
import { generateSigningKeyJwk, signingKeyFromJwk, type SigningKey } from '../identity/signing-key.js';
import type { SettingsStore } from '../store/settings.js';
import { assertAttributesAllow } from './attribute-gate.js';
import { toUnixSeconds, type Clock } from './clock.js';
import { badParameter, KeyVaultError } from './errors.js';
import type { Key, KeyBody } from './keys.js';
import type { Lifecycle } from './lifecycle.js';
import type { VaultContext } from './vaults.js';

/*
 * Secure key release (POST /keys/{name}[/{version}]/release) and key attestation (GET .../attestation).
 *
 * The target is an attestation token (a JWT from an attestation authority such as Microsoft Azure Attestation).
 * Kyanite runs offline and cannot fetch an authority's signing keys, so it accepts any signature; what it does check
 * is that the token's `iss` is the `authority` of a release policy clause (case-insensitively, trailing slash
 * ignored: a recorded release shows the service matching authority "https://x.azurewebsites.net" to iss
 * "https://x.azurewebsites.net/"), that the token has not expired, and that the clause's claim conditions hold.
 * The policy grammar is Microsoft's "secure key release policy grammar": {version, anyOf: [{authority, allOf|anyOf:
 * [conditions]}]}, a condition being {claim, <operator>: value} or a nested allOf/anyOf.
 */

/** Settings key of the private JWK that signs release results; separate from the token service's key. */
export const RELEASE_SIGNING_KEY_SETTING = 'key-release-signing-key';

export interface ReleaseRequest {
  /** The attestation token of the environment the key is released to. */
  target: string;
  nonce?: string;
  enc?: string;
}

export interface ReleasedKey {
  key: Key;
  enc: ReleaseEnc;
  /** base64url of the {schema_version, header, ciphertext} blob the target unwraps. */
  keyHsm: string;
}

export interface KeyReleases {
  release(vault: VaultContext, name: string, version: string | undefined, request: ReleaseRequest): ReleasedKey;
  /** Signs a release result as the service does: a compact RS256 JWS with the data dir's release signing key. */
  signRelease(payload: object): string;
}

/** The service's answer when the target's attestation does not earn the key (Azure SDK tests record this body). */
const accessDenied = (message: string): KeyVaultError => new KeyVaultError(403, 'Forbidden', message, { inner: 'AccessDenied' });

interface AttestationTarget {
  issuer: string;
  claims: Record<string, unknown>;
  wrappingKey: KeyObject;
  wrappingKid?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The runtime key to wrap to: the first RSA key meant for encryption (key_ops or use), else the first RSA key. */
function chooseRuntimeKey(claims: Record<string, unknown>): Record<string, unknown> | undefined {
  const runtime = claims['x-ms-runtime'];
  const keys = isObject(runtime) && Array.isArray(runtime['keys']) ? runtime['keys'].filter(isObject) : [];
  const rsa = keys.filter((k) => k['kty'] === 'RSA');
  const forEncryption = (k: Record<string, unknown>) => (Array.isArray(k['key_ops']) && k['key_ops'].includes('encrypt')) || k['use'] === 'enc';
  return rsa.find(forEncryption) ?? rsa[0];
}

const CLOCK_SKEW_SECONDS = 60;

function parseTarget(token: unknown, now: number): AttestationTarget {
  const decoded = typeof token === 'string' ? decodeJwt(token) : undefined;
  if (!decoded) throw badParameter('The target attestation token is not a JWT (header.payload.signature, base64url).');
  const { claims } = decoded;
  if (typeof claims['iss'] !== 'string' || claims['iss'] === '') throw badParameter('The target attestation token has no iss claim.');
  if (typeof claims['exp'] === 'number' && now > claims['exp'] + CLOCK_SKEW_SECONDS) {
    throw accessDenied('Target environment attestation statement cannot be verified: the attestation token has expired.');
  }
  const runtimeKey = chooseRuntimeKey(claims);
  if (!runtimeKey) throw badParameter('The target attestation token carries no RSA key in x-ms-runtime.keys to wrap the released key to.');
  let wrappingKey: KeyObject;
  try {
    wrappingKey = targetWrappingKey(runtimeKey);
  } catch (err) {
    if (err instanceof CryptoError) throw badParameter(`The target attestation token's x-ms-runtime key is unusable: ${err.message}.`);
    throw err;
  }
  return {
    issuer: claims['iss'],
    claims,
    wrappingKey,
    ...(typeof runtimeKey['kid'] === 'string' && { wrappingKid: runtimeKey['kid'] }),
  };
}

// --- release policy evaluation -------------------------------------------------------------------------------------

/** Policy members are matched case-insensitively: the grammar spells "anyof"/"allof", examples "anyOf"/"allOf". */
function memberOf(obj: Record<string, unknown>, name: string): unknown {
  const found = Object.keys(obj).find((k) => k.toLowerCase() === name.toLowerCase());
  return found === undefined ? undefined : obj[found];
}

/** A claim by name, or by a dotted path into nested claims (`x-ms-isolation-tee.x-ms-attestation-type`). */
function claimValue(claims: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(claims, name)) return claims[name];
  let value: unknown = claims;
  for (const part of name.split('.')) {
    if (!isObject(value) || !Object.hasOwn(value, part)) return undefined;
    value = value[part];
  }
  return value;
}

/**
 * JSON values compare by their text, case-insensitively: a recorded release shows the policy value "true" (a
 * string) satisfied by the claim `true` (a boolean).
 */
const sameValue = (a: unknown, b: unknown): boolean =>
  !isObject(a) && !Array.isArray(a) && a !== undefined && String(a).toLowerCase() === String(b).toLowerCase();

const OPERATORS: Record<string, (value: unknown, expected: unknown) => boolean> = {
  equals: sameValue,
  notequals: (v, e) => v !== undefined && !sameValue(v, e),
  less: (v, e) => Number(v) < Number(e),
  lessorequals: (v, e) => Number(v) <= Number(e),
  greater: (v, e) => Number(v) > Number(e),
  greaterorequals: (v, e) => Number(v) >= Number(e),
  exists: (v, e) => (v !== undefined) === (e === true || String(e).toLowerCase() === 'true'),
};

class UnreadablePolicy extends Error {}

function conditionHolds(condition: unknown, claims: Record<string, unknown>): boolean {
  if (!isObject(condition)) throw new UnreadablePolicy('a condition is not an object');
  const anyOf = memberOf(condition, 'anyOf');
  if (Array.isArray(anyOf)) return anyOf.some((c) => conditionHolds(c, claims));
  const allOf = memberOf(condition, 'allOf');
  if (Array.isArray(allOf)) return allOf.every((c) => conditionHolds(c, claims));
  const claim = memberOf(condition, 'claim');
  if (typeof claim !== 'string') throw new UnreadablePolicy('a condition has neither anyOf, allOf nor claim');
  const value = claimValue(claims, claim);
  // The 7.3-preview form {claim, condition: "equals", value} next to the current {claim, equals: value}.
  const legacy = memberOf(condition, 'condition');
  if (typeof legacy === 'string') return OPERATORS[legacy.toLowerCase()]?.(value, memberOf(condition, 'value')) ?? false;
  const operator = Object.keys(condition).find((k) => k.toLowerCase() in OPERATORS);
  if (!operator) throw new UnreadablePolicy(`the condition on claim '${claim}' has no operator`);
  return OPERATORS[operator.toLowerCase()]!(value, condition[operator]);
}

const sameAuthority = (a: string, b: string): boolean => a.trim().replace(/\/+$/, '').toLowerCase() === b.trim().replace(/\/+$/, '').toLowerCase();

/** Throws 403 unless some clause of the policy names the token's issuer and its conditions hold for its claims. */
function assertPolicyAllows(policyData: string, target: AttestationTarget): void {
  let policy: unknown;
  try {
    policy = JSON.parse(Buffer.from(policyData, 'base64url').toString('utf8'));
  } catch {
    throw accessDenied('The key release policy is not JSON, so no target can satisfy it.');
  }
  const clauses = isObject(policy) ? memberOf(policy, 'anyOf') : undefined;
  if (!Array.isArray(clauses)) throw accessDenied('The key release policy has no anyOf list of authorities, so no target can satisfy it.');
  let sawAuthority = false;
  try {
    for (const clause of clauses) {
      const authority = isObject(clause) ? memberOf(clause, 'authority') : undefined;
      if (typeof authority !== 'string' || !sameAuthority(authority, target.issuer)) continue;
      sawAuthority = true;
      if (conditionHolds(clause, target.claims)) return;
    }
  } catch (err) {
    if (err instanceof UnreadablePolicy) throw accessDenied(`The key release policy cannot be evaluated: ${err.message}.`);
    throw err;
  }
  throw accessDenied(
    sawAuthority
      ? "Target environment attestation statement does not meet the key release policy: no anyOf clause for the token's issuer has all its conditions met."
      : `Target environment attestation statement does not meet the key release policy: the policy names no authority '${target.issuer}'.`,
  );
}

// --- the service ---------------------------------------------------------------------------------------------------

function releaseEnc(enc: string | undefined): ReleaseEnc {
  // The service fills in CKM_RSA_AES_KEY_WRAP when the request names none (a recorded release without enc shows it).
  if (enc === undefined) return 'CKM_RSA_AES_KEY_WRAP';
  if ((RELEASE_ENCS as readonly string[]).includes(enc)) return enc as ReleaseEnc;
  throw badParameter(`Invalid enc '${enc}': use ${RELEASE_ENCS.join(', ')}.`);
}

function assertReleasable(key: Key, now: number): void {
  const { attributes, body } = key;
  assertAttributesAllow(attributes, { kind: 'key', operation: 'release', at: now });
  // The service reports a key's exportability and policy state as 400 BadParameter (AKV.SKR.1004 "Exportable keys
  // must have release policy", AKV.SKR.1005, AKV.SKR.1014 in SDK recordings), so a key that cannot be released at
  // all is refused the same way; 403 is kept for the attestation verdict.
  if (!body.exportable) throw badParameter('The key is not exportable: only a key created with exportable=true and a release policy can be released.');
  if (!body.releasePolicy) throw badParameter('The key has no release policy, so it cannot be released.');
}

/** A release signer over the settings store: the RSA key is made on first use and kept, like the token key. */
function releaseSigner(settings: Pick<SettingsStore, 'getOrCreate'>): (payload: object) => string {
  let key: SigningKey | undefined;
  return (payload) => signJwt(payload, (key ??= signingKeyFromJwk(settings.getOrCreate(RELEASE_SIGNING_KEY_SETTING, generateSigningKeyJwk))));
}

export function createKeyReleases(lifecycle: Lifecycle<KeyBody>, clock: Clock, settings: Pick<SettingsStore, 'getOrCreate'>): KeyReleases {
  const now = () => toUnixSeconds(clock.now());
  return {
    release(vault, name, version, request) {
      const enc = releaseEnc(request.enc);
      const target = parseTarget(request.target, now());
      const key = lifecycle.get(vault, name, version);
      assertReleasable(key, now());
      assertPolicyAllows(key.body.releasePolicy!.data, target);
      const ciphertext = rsaAesKeyWrap(target.wrappingKey, enc, releasableMaterial(key.body.jwk));
      const blob = {
        schema_version: '1.0',
        header: { ...(target.wrappingKid !== undefined && { kid: target.wrappingKid }), alg: 'dir', enc },
        ciphertext: ciphertext.toString('base64url'),
      };
      return { key, enc, keyHsm: Buffer.from(JSON.stringify(blob)).toString('base64url') };
    },
    signRelease: releaseSigner(settings),
  };
}

/**
 * GET .../attestation: Kyanite has no HSM, so it has no attestation blob for any key. Software-protected key types
 * never have one and are refused; HSM key types are answered with their bundle, without `attributes.attestation`.
 */
export function assertAttestable(key: Key): Key {
  if (!key.body.jwk.kty.endsWith('-HSM')) throw badParameter('Key attestation is only available for HSM-protected keys.');
  return key;
}
