import type { JsonWebKey } from 'node:crypto';
import { bigintFromBytes, fromBase64url } from './bytes.js';
import { CURVES, curveByName, type CurveParams } from './ec-curves.js';
import { badInput } from './errors.js';

export type Kty = 'RSA' | 'RSA-HSM' | 'EC' | 'EC-HSM' | 'oct' | 'oct-HSM';
export type Curve = 'P-256' | 'P-384' | 'P-521' | 'P-256K';
export type KeyFamily = 'RSA' | 'EC' | 'oct';

/** Key material in Key Vault's JWK names, every member base64url; kty keeps an -HSM suffix when given. */
export interface PrivateJwk {
  kty: Kty;
  n?: string;
  e?: string;
  d?: string;
  p?: string;
  q?: string;
  dp?: string;
  dq?: string;
  qi?: string;
  crv?: string;
  x?: string;
  y?: string;
  k?: string;
}

export type PublicJwk = { kty: Kty; n: string; e: string } | { kty: Kty; crv: string; x: string; y: string } | { kty: Kty };

export const KTYS: readonly Kty[] = ['RSA', 'RSA-HSM', 'EC', 'EC-HSM', 'oct', 'oct-HSM'];
export const CURVE_NAMES: readonly Curve[] = CURVES.map((c) => c.name);

export const RSA_PRIVATE_MEMBERS = ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'] as const;

export const keyFamily = (kty: Kty): KeyFamily => (kty.endsWith('-HSM') ? kty.slice(0, -4) : kty) as KeyFamily;

export function member(jwk: PrivateJwk, name: keyof PrivateJwk): string {
  const value = jwk[name];
  if (typeof value !== 'string' || value === '') throw badInput(`the ${jwk.kty} key has no '${name}'`);
  return value;
}

export const memberBytes = (jwk: PrivateJwk, name: keyof PrivateJwk): Buffer =>
  fromBase64url(member(jwk, name), `'${name}'`);

/** A member read as a big-endian unsigned integer (RSA and EC key material). */
export const memberInt = (jwk: PrivateJwk, name: keyof PrivateJwk): bigint => bigintFromBytes(memberBytes(jwk, name));

/** The curve of an EC key, by Key Vault's name (or Node's, which only differs for P-256K). */
export function curveOf(jwk: PrivateJwk): CurveParams {
  const curve = curveByName(jwk.crv);
  if (!curve) throw badInput(`unknown curve '${String(jwk.crv)}'`);
  return curve;
}

const pick = (jwk: PrivateJwk, names: readonly (keyof PrivateJwk)[]): Record<string, string> =>
  Object.fromEntries(names.map((name) => [name, member(jwk, name)]));

/** The JWK node:crypto imports: plain kty, Node's curve names, only the members `part` needs. */
export function toNodeJwk(jwk: PrivateJwk, part: 'private' | 'public'): JsonWebKey {
  const family = keyFamily(jwk.kty);
  if (family === 'RSA') return { kty: 'RSA', ...pick(jwk, part === 'private' ? RSA_PRIVATE_MEMBERS : ['n', 'e']) };
  if (family === 'EC') {
    const curve = curveOf(jwk);
    return { kty: 'EC', ...pick(jwk, part === 'private' ? ['x', 'y', 'd'] : ['x', 'y']), crv: curve.nodeJwkCrv };
  }
  throw badInput('an oct key has no asymmetric key object');
}

/** Key Vault's JWK from one Node exported, keeping only key material. */
export function fromNodeJwk(exported: JsonWebKey, kty?: Kty): PrivateJwk {
  if (exported.kty === 'RSA') {
    const jwk: PrivateJwk = { kty: kty ?? 'RSA' };
    for (const name of RSA_PRIVATE_MEMBERS) if (typeof exported[name] === 'string') jwk[name] = exported[name];
    return jwk;
  }
  if (exported.kty === 'EC') {
    const curve = curveByName(exported.crv);
    if (!curve) throw badInput(`unknown curve '${String(exported.crv)}'`);
    const jwk: PrivateJwk = { kty: kty ?? 'EC', crv: curve.name };
    for (const name of ['x', 'y', 'd'] as const) if (typeof exported[name] === 'string') jwk[name] = exported[name];
    return jwk;
  }
  throw badInput(`unsupported key type '${String(exported.kty)}'`);
}
