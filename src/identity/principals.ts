import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * An identity the user declares (config): a service principal, optionally with a secret for the strict mode, or a
 * managed identity (`managedIdentity: true`, never a secret), which only the managed-identity endpoints issue.
 */
export interface Principal {
  clientId: string;
  secret?: string;
  objectId?: string;
  displayName?: string;
  managedIdentity?: boolean;
  /** A user-assigned managed identity's ARM id, by which callers may select it (msi_res_id, mi_res_id). */
  resourceId?: string;
}

/**
 * 'any': every client id and secret gets a token, every undeclared managed identity too. 'strict': only declared
 * service principals with their secret, only declared managed identities. In both, the managed-identity endpoints
 * never issue a declared service principal's identity: they need no secret, so that would skip its proof.
 */
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
  /**
   * Managed identity: no secret (the endpoint's header is the proof); selects the identity the caller names, or
   * undefined when that identity cannot be issued here (a service principal's, or, in strict mode, undeclared).
   */
  managedIdentity(selector: ManagedIdentitySelector): Identity | undefined;
  /** The object id tokens carry for this client id: the declared one, or the one derived from the client id. */
  objectIdOf(clientId: string): string;
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
  for (const p of declared) {
    if (!p.clientId) throw new Error('a declared principal needs a clientId');
    const key = p.clientId.toLowerCase();
    if (byClientId.has(key)) throw new Error(`principal '${p.clientId}' is declared twice`);
    if (p.managedIdentity && p.secret !== undefined) throw new Error(`managed identity '${p.clientId}' cannot have a secret`);
    byClientId.set(key, p);
  }
  const all = [...byClientId.values()];
  const effectiveObjectId = (p: Principal) => (p.objectId ?? objectIdFor(p.clientId)).toLowerCase();
  const managed = all.filter((p) => p.managedIdentity);
  // Every id a declared service principal answers to: its client id and the object id its tokens carry.
  const servicePrincipalIds = new Set(all.filter((p) => !p.managedIdentity).flatMap((p) => [p.clientId.toLowerCase(), effectiveObjectId(p)]));

  const identityOf = (clientId: string, p: Principal | undefined): Identity => {
    const identity: Identity = { clientId: p?.clientId ?? clientId, objectId: p?.objectId ?? objectIdFor(clientId) };
    if (p?.displayName !== undefined) identity.displayName = p.displayName;
    if (p?.resourceId !== undefined) identity.resourceId = p.resourceId;
    return identity;
  };
  const lookup = (clientId: string) => byClientId.get(clientId.toLowerCase());
  const same = (a: string | undefined, b: string) => a !== undefined && a.toLowerCase() === b.toLowerCase();

  /** The declared managed identity the selector names, if any. */
  const declaredManaged = (selector: ManagedIdentitySelector): Principal | undefined => {
    if (selector.clientId) return managed.find((p) => same(selector.clientId, p.clientId));
    if (selector.objectId) return managed.find((p) => same(selector.objectId, effectiveObjectId(p)));
    if (selector.resourceId) return managed.find((p) => same(selector.resourceId, p.resourceId ?? ''));
    return managed.find((p) => same(DEFAULT_MANAGED_IDENTITY_CLIENT_ID, p.clientId));
  };

  /** What --auth any has always issued for an identity nobody declared: one derived from what the caller names. */
  const undeclaredManaged = (selector: ManagedIdentitySelector): Identity => {
    if (selector.clientId) return identityOf(selector.clientId, undefined);
    if (selector.objectId) {
      // An undeclared object id still names one identity; give it a client id of its own, derived the same way.
      return { clientId: uuidV5(`object:${selector.objectId.toLowerCase()}`), objectId: selector.objectId };
    }
    if (selector.resourceId) {
      return { ...identityOf(uuidV5(`resource:${selector.resourceId.toLowerCase()}`), undefined), resourceId: selector.resourceId };
    }
    return identityOf(DEFAULT_MANAGED_IDENTITY_CLIENT_ID, undefined);
  };

  for (const p of managed) {
    if (servicePrincipalIds.has(effectiveObjectId(p))) throw new Error(`managed identity '${p.clientId}' has the object id of a service principal`);
  }

  const isServicePrincipal = (identity: Identity) =>
    servicePrincipalIds.has(identity.clientId.toLowerCase()) || servicePrincipalIds.has(identity.objectId.toLowerCase());

  return {
    mode,
    find(clientId) {
      const p = lookup(clientId);
      return p ? identityOf(clientId, p) : undefined;
    },
    objectIdOf(clientId) {
      const p = lookup(clientId);
      return p ? effectiveObjectId(p) : objectIdFor(clientId);
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
      // A declared principal without a secret (one that pins an object id, or a managed identity) cannot sign in with one.
      if (p.secret === undefined || !secretsMatch(credential.secret, p.secret)) return { ok: false, reason: 'invalid-secret' };
      return { ok: true, identity: identityOf(clientId, p) };
    },
    managedIdentity(selector) {
      const p = declaredManaged(selector);
      if (p) return identityOf(p.clientId, p);
      if (mode === 'strict') return undefined;
      const identity = undeclaredManaged(selector);
      return isServicePrincipal(identity) ? undefined : identity;
    },
  };
}
