import { createHash, timingSafeEqual } from 'node:crypto';

/** A service principal the user declares (config), optionally with a secret for the strict mode. */
export interface Principal {
  clientId: string;
  secret?: string;
  objectId?: string;
  displayName?: string;
}

/** 'any': every client id and secret gets a token. 'strict': only declared client ids with their secret. */
export type PrincipalMode = 'any' | 'strict';

/** Who a token is issued to. */
export interface Identity {
  clientId: string;
  objectId: string;
  displayName?: string;
  /** msi_res_id of a user-assigned managed identity, when that is how it was selected. */
  resourceId?: string;
}

export interface ClientCredential {
  secret?: string;
  /** A client_assertion (certificate or federated credential); only the 'any' mode can accept it. */
  assertion?: string;
}

export type AuthenticationFailure = 'unknown-client' | 'invalid-secret' | 'missing-credential' | 'assertion-not-supported';

export type AuthenticationResult = { ok: true; identity: Identity } | { ok: false; reason: AuthenticationFailure };

export interface ManagedIdentitySelector {
  clientId?: string;
  objectId?: string;
  resourceId?: string;
}

export interface PrincipalDirectory {
  readonly mode: PrincipalMode;
  /** The declared principal with this client id (case-insensitive, as Entra treats application ids). */
  find(clientId: string): Identity | undefined;
  /** Client credentials grant: checks the secret according to the mode. */
  authenticate(clientId: string, credential: ClientCredential): AuthenticationResult;
  /** Managed identity: no secret (the endpoint's header is the proof); selects the identity the caller names. */
  managedIdentity(selector: ManagedIdentitySelector): Identity;
}

/** Client id of the system-assigned managed identity when the caller names none. */
export const DEFAULT_MANAGED_IDENTITY_CLIENT_ID = '3cf1c726-808e-4e8d-b60e-b8f4fca971c1';

/** Kyanite's own namespace for name-based UUIDs; fixed forever, or every derived object id would change. */
const KYANITE_UUID_NAMESPACE = '232cb66d-b705-43a0-8354-dd32da3101dc';

/** RFC 4122 version 5 (SHA-1, name-based) UUID. */
export function uuidV5(name: string, namespace: string = KYANITE_UUID_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  if (ns.length !== 16) throw new RangeError(`not a UUID: ${namespace}`);
  const bytes = createHash('sha1').update(ns).update(name, 'utf8').digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The object id of a client id: the same on every run and every machine, so access policies written for it keep
 * working. Client ids are compared case-insensitively (they are GUIDs in Entra), hence the lower-casing.
 */
export const objectIdFor = (clientId: string): string => uuidV5(`client:${clientId.toLowerCase()}`);

/** Constant-time comparison. Hashing first gives equal lengths, so timingSafeEqual neither throws nor leaks the length. */
export function secretsMatch(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

export function createPrincipalDirectory(declared: readonly Principal[] = [], mode: PrincipalMode = 'any'): PrincipalDirectory {
  const byClientId = new Map<string, Principal>();
  const byObjectId = new Map<string, Principal>();
  for (const p of declared) {
    if (!p.clientId) throw new Error('a declared principal needs a clientId');
    const key = p.clientId.toLowerCase();
    if (byClientId.has(key)) throw new Error(`principal '${p.clientId}' is declared twice`);
    byClientId.set(key, p);
    if (p.objectId) byObjectId.set(p.objectId.toLowerCase(), p);
  }

  const identityOf = (clientId: string, p: Principal | undefined): Identity => {
    const identity: Identity = { clientId: p?.clientId ?? clientId, objectId: p?.objectId ?? objectIdFor(clientId) };
    if (p?.displayName !== undefined) identity.displayName = p.displayName;
    return identity;
  };
  const lookup = (clientId: string) => byClientId.get(clientId.toLowerCase());

  return {
    mode,
    find(clientId) {
      const p = lookup(clientId);
      return p ? identityOf(clientId, p) : undefined;
    },
    authenticate(clientId, credential) {
      const p = lookup(clientId);
      if (mode === 'any') {
        if (credential.secret === undefined && credential.assertion === undefined) return { ok: false, reason: 'missing-credential' };
        return { ok: true, identity: identityOf(clientId, p) };
      }
      if (!p) return { ok: false, reason: 'unknown-client' };
      if (credential.secret === undefined) {
        return { ok: false, reason: credential.assertion === undefined ? 'missing-credential' : 'assertion-not-supported' };
      }
      // A declared principal without a secret exists only to pin an object id; it cannot sign in with a secret.
      if (p.secret === undefined || !secretsMatch(credential.secret, p.secret)) return { ok: false, reason: 'invalid-secret' };
      return { ok: true, identity: identityOf(clientId, p) };
    },
    managedIdentity(selector) {
      if (selector.clientId) return identityOf(selector.clientId, lookup(selector.clientId));
      if (selector.objectId) {
        const p = byObjectId.get(selector.objectId.toLowerCase());
        if (p) return identityOf(p.clientId, p);
        // An undeclared object id still names one identity; give it a client id of its own, derived the same way.
        return { clientId: uuidV5(`object:${selector.objectId.toLowerCase()}`), objectId: selector.objectId };
      }
      if (selector.resourceId) {
        const clientId = uuidV5(`resource:${selector.resourceId.toLowerCase()}`);
        return { ...identityOf(clientId, lookup(clientId)), resourceId: selector.resourceId };
      }
      return identityOf(DEFAULT_MANAGED_IDENTITY_CLIENT_ID, lookup(DEFAULT_MANAGED_IDENTITY_CLIENT_ID));
    },
  };
}
