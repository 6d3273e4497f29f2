import type { FastifyRequest } from 'fastify';
import { KeyVaultError, type ObjectKind } from '../domain/errors.js';
import type { Domain } from '../domain/index.js';
import type { Attributes, AttributesInput } from '../domain/lifecycle.js';
import { assertName } from '../domain/names.js';
import { placementOf, type Vault, type VaultContext, type VaultRegistry } from '../domain/vaults.js';
import { badRequest, resourceNotFound, vaultNotFound } from './errors.js';
import { checkSubscription, PROVIDER, vaultId, vaultUri } from './ids.js';
import type { Json } from './vault-model.js';

/**
 * What the routes under a vault share: the vault at an ARM address, the data plane's view of it (so ARM's keys and
 * secrets are the data plane's own objects), and the answers the domain's errors become in CloudError terms.
 */

export interface VaultParams {
  subscriptionId: string;
  resourceGroupName: string;
  vaultName: string;
}

export const GROUP = '/subscriptions/:subscriptionId/resourceGroups/:resourceGroupName';
export const VAULT = `${GROUP}${PROVIDER}/vaults/:vaultName`;

/** The live vault at this address; a vault of the same name in another group is not found here. */
export function liveVaultAt(vaults: VaultRegistry, p: VaultParams): Vault {
  const subscriptionId = checkSubscription(p.subscriptionId);
  if (vaults.holder(p.vaultName, subscriptionId, p.resourceGroupName) !== 'this-group') throw vaultNotFound(p.vaultName, p.resourceGroupName);
  return vaults.find(p.vaultName)!;
}

export interface VaultScope {
  vault: Vault;
  /** The vault as the data plane sees it, on the port of the management request. */
  context: VaultContext;
  /** The vault's ARM id: sub-resource ids extend it. */
  id: string;
  location: string;
  group: string;
  /** ARM's 404 for a sub-resource path under this vault (`secrets/NAME`). */
  missing(path: string): KeyVaultError;
}

export function vaultScope(domain: Domain, request: FastifyRequest<{ Params: VaultParams }>): VaultScope {
  const vault = liveVaultAt(domain.vaults, request.params);
  const p = placementOf(vault.properties);
  return {
    vault,
    context: domain.vaults.context(vault.name, vaultUri(request, vault.name).replace(/\/$/, '')),
    id: vaultId(p.subscriptionId, p.resourceGroup, vault.name),
    location: p.location,
    group: p.resourceGroup,
    missing: (path) => resourceNotFound(`vaults/${vault.name}/${path}`, p.resourceGroup),
  };
}

/**
 * Runs a domain call for ARM: the data plane's BadParameter becomes ARM's BadRequest and its 404s (KeyNotFound,
 * SecretNotFound) the given ResourceNotFound; other errors (409 for a deleted-but-recoverable name) pass as they are.
 */
export async function viaDomain<T>(call: () => T | Promise<T>, missing: () => KeyVaultError): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof KeyVaultError && err.code === 'BadParameter') throw badRequest(err.message);
    if (err instanceof KeyVaultError && err.status === 404) throw missing();
    throw err;
  }
}

/** A key or secret name as the data plane takes it (1-127 of 0-9, a-z, A-Z and '-'), or ARM's 400. */
export function checkName(kind: ObjectKind, name: string): void {
  try {
    assertName(kind, name);
  } catch (err) {
    throw err instanceof KeyVaultError ? badRequest(err.message) : err;
  }
}

/** What the body schemas let through as an ARM key's or secret's `attributes`. */
interface SentAttributes {
  enabled?: boolean | null;
  nbf?: number | null;
  exp?: number | null;
  exportable?: boolean | null;
}

/**
 * The `attributes` of an ARM key or secret, their shape checked by the route's schema (src/arm/schemas.ts): a null
 * switch is not sent, a null nbf/exp clears it. `exportable` is a key's (Keys_CreateIfNotExist) and only read there.
 */
export function attributesOf(raw: SentAttributes | null | undefined, exportable = false): (AttributesInput & { exportable?: boolean }) | undefined {
  if (!raw) return undefined;
  return {
    ...(typeof raw.enabled === 'boolean' && { enabled: raw.enabled }),
    ...(exportable && typeof raw.exportable === 'boolean' && { exportable: raw.exportable }),
    ...(raw.nbf !== undefined && { nbf: raw.nbf }),
    ...(raw.exp !== undefined && { exp: raw.exp }),
  };
}

/** Attributes as ARM shows them: int64 seconds, no recoverableDays. */
export function renderAttributes(a: Attributes): Json {
  return { enabled: a.enabled, ...(a.nbf !== undefined && { nbf: a.nbf }), ...(a.exp !== undefined && { exp: a.exp }), created: a.created, updated: a.updated };
}

/** A proxy resource under the vault: `{id, name, type, location, tags?, properties}`. */
export function subResource(scope: VaultScope, path: string, name: string, type: string, properties: Json, tags?: Record<string, string>): Json {
  return { id: `${scope.id}/${path}`, name, type: `Microsoft.KeyVault/vaults/${type}`, location: scope.location, ...(tags && { tags }), properties };
}
