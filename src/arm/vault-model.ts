import type { FastifyRequest } from 'fastify';
import { toUnixSeconds } from '../domain/clock.js';
import { RETENTION_FIXED, VaultRuleError } from '../domain/vault-rules.js';
import { DEFAULT_TENANT_ID, DEFAULT_VAULT_PROPERTIES, placementOf, type DeletedVault, type Placement, type Vault, type VaultProperties, type VaultRegistry } from '../domain/vaults.js';
import { parseAccessPolicies, type AccessPolicyEntry } from './access-policies.js';
import { rbacDefaultFor } from './api-versions.js';
import { badRequest } from './errors.js';
import { DELETED_VAULT_TYPE, deletedVaultId, isoDate, normalizeLocation, VAULT_TYPE, vaultId, vaultUri } from './ids.js';
import type { VaultPatchBodyT, VaultPutBodyT } from './schemas.js';

/**
 * The ARM vault resource: what a PUT or PATCH may carry, how it merges into the stored VaultProperties, and how a
 * stored vault renders. VaultProperties keeps ARM's `properties` object flat beside the vault's placement.
 */

/** Stored keys that are not part of ARM's `properties` object (placement, and what the domain keeps for itself). */
const PLACEMENT_KEYS = new Set(['subscriptionId', 'resourceGroup', 'location', 'tags', 'lastModifiedAt', RETENTION_FIXED]);
/** Keys a client may send but the service computes (or, createMode, only acts on). */
const COMPUTED_KEYS = new Set(['vaultUri', 'provisioningState', 'hsmPoolResourceId', 'createMode']);
const BOOLEAN_KEYS = [
  'enabledForDeployment',
  'enabledForDiskEncryption',
  'enabledForTemplateDeployment',
  'enableSoftDelete',
  'enableRbacAuthorization',
  'enablePurgeProtection',
] as const;

export type Json = Record<string, unknown>;
export const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface VaultPut {
  location: string;
  tags: Record<string, string> | undefined;
  properties: Json;
  recover: boolean;
}

/**
 * What the body schemas (src/arm/schemas.ts) cannot say about a vault's properties: a create needs tenantId and
 * sku, sku names compare without case (and are stored as the service spells them), access policies name known
 * permissions, and a null switch means "not sent".
 */
function checkProperties(p: Json, full: boolean): void {
  if (full && p['tenantId'] === undefined) throw badRequest("The property 'properties.tenantId' is required.");
  if (full || p['sku'] !== undefined) {
    const sku = p['sku'];
    if (!isRecord(sku)) throw badRequest("The property 'properties.sku' is required: {\"family\": \"A\", \"name\": \"standard\" | \"premium\"}.");
    const name = String(sku['name']).toLowerCase();
    if (name !== 'standard' && name !== 'premium') {
      throw badRequest(`The sku name '${String(sku['name'])}' is not valid. Valid sku names: standard, premium.`);
    }
    p['sku'] = { family: 'A', name };
  }
  if (p['accessPolicies'] !== undefined && p['accessPolicies'] !== null) {
    p['accessPolicies'] = parseAccessPolicies(p['accessPolicies'], 'properties.accessPolicies');
  }
  for (const k of BOOLEAN_KEYS) if (p[k] === null) delete p[k];
}

/** The body of Vaults_CreateOrUpdate, its shape checked by VaultPutBody. */
export function parseVaultPut(body: VaultPutBodyT): VaultPut {
  const properties: Json = { ...body.properties };
  const recover = properties['createMode'] === 'recover';
  // A recover restores what the vault had; the spec still lists tenantId and sku, but they are not used then.
  checkProperties(properties, !recover);
  return { location: normalizeLocation(body.location), tags: body.tags ?? undefined, properties, recover };
}

const withoutComputed = (p: Json): Json => Object.fromEntries(Object.entries(p).filter(([k]) => !COMPUTED_KEYS.has(k)));

/**
 * Saves a vault through the registry, the one path every write takes (its save applies the vault rules of
 * src/domain/vault-rules.ts), answering a broken rule as Microsoft.KeyVault does on ARM: 400 BadRequest with its
 * sentence.
 */
export function saveVault(vaults: Pick<VaultRegistry, 'save'>, name: string, properties: VaultProperties): Vault {
  try {
    return vaults.save(name, properties);
  } catch (err) {
    if (err instanceof VaultRuleError) throw badRequest(err.message);
    throw err;
  }
}

/** The stored properties after a PUT: the body replaces what it carries (saveVault then applies the vault rules). */
export function propertiesAfterPut(put: VaultPut, before: VaultProperties | undefined, placement: Placement, apiVersion: string, nowMs: number): VaultProperties {
  const sent = withoutComputed(put.properties);
  // What the body leaves out is kept, or for a new vault the domain's defaults (those of a vault made by a seed).
  const kept = before ?? DEFAULT_VAULT_PROPERTIES;
  const next: VaultProperties = {
    ...sent,
    enableSoftDelete: (sent['enableSoftDelete'] as boolean | undefined) ?? kept.enableSoftDelete,
    softDeleteRetentionInDays: (sent['softDeleteRetentionInDays'] as number | undefined) ?? kept.softDeleteRetentionInDays,
    enablePurgeProtection: (sent['enablePurgeProtection'] as boolean | undefined) ?? kept.enablePurgeProtection,
    enableRbacAuthorization: sent['enableRbacAuthorization'] ?? before?.['enableRbacAuthorization'] ?? rbacDefaultFor(apiVersion),
    accessPolicies: sent['accessPolicies'] ?? before?.['accessPolicies'] ?? [],
    ...placement,
    tags: put.tags ?? before?.tags ?? {},
    lastModifiedAt: toUnixSeconds(nowMs),
  };
  return next;
}

/** The stored properties after a PATCH (Vaults_Update): only what the body carries changes. */
export function propertiesAfterPatch(body: VaultPatchBodyT, before: VaultProperties, nowMs: number): VaultProperties {
  const properties: Json = { ...body.properties };
  checkProperties(properties, false);
  const sent = Object.fromEntries(Object.entries(withoutComputed(properties)).filter(([, v]) => v !== null && v !== undefined));
  const next: VaultProperties = { ...before, ...sent, ...(body.tags && { tags: body.tags }), lastModifiedAt: toUnixSeconds(nowMs) };
  return next;
}

export const accessPoliciesOf = (p: VaultProperties): AccessPolicyEntry[] => (p['accessPolicies'] as AccessPolicyEntry[] | undefined) ?? [];

/** ARM's `properties` object of a stored vault; vaults made outside ARM show the service's defaults. */
function armProperties(request: FastifyRequest, vault: Vault): Json {
  const stored = Object.fromEntries(Object.entries(vault.properties).filter(([k]) => !PLACEMENT_KEYS.has(k)));
  const result: Json = {
    tenantId: DEFAULT_TENANT_ID,
    sku: { family: 'A', name: 'standard' },
    accessPolicies: [],
    enabledForDeployment: false,
    enableRbacAuthorization: false,
    publicNetworkAccess: 'Enabled',
    ...stored,
    vaultUri: vaultUri(request, vault.name),
    provisioningState: 'Succeeded',
  };
  // The service leaves purge protection out until it is turned on.
  if (!vault.properties.enablePurgeProtection) delete result['enablePurgeProtection'];
  return result;
}

const systemData = (vault: Vault) => {
  const modified = (vault.properties['lastModifiedAt'] as number | undefined) ?? vault.created;
  return {
    createdBy: 'kyanite',
    createdByType: 'Application',
    createdAt: isoDate(vault.created),
    lastModifiedBy: 'kyanite',
    lastModifiedByType: 'Application',
    lastModifiedAt: isoDate(modified),
  };
};

export function renderVault(request: FastifyRequest, vault: Vault): Json {
  const p = placementOf(vault.properties);
  return {
    id: vaultId(p.subscriptionId, p.resourceGroup, vault.name),
    name: vault.name,
    type: VAULT_TYPE,
    location: p.location,
    tags: vault.properties.tags ?? {},
    systemData: systemData(vault),
    properties: armProperties(request, vault),
  };
}

/** The generic resource shape of GET /subscriptions/{s}/resources. */
export function renderGenericResource(vault: Vault): Json {
  const p = placementOf(vault.properties);
  return { id: vaultId(p.subscriptionId, p.resourceGroup, vault.name), name: vault.name, type: VAULT_TYPE, location: p.location, tags: vault.properties.tags ?? {} };
}

export function renderDeletedVault(vault: DeletedVault): Json {
  const p = placementOf(vault.properties);
  return {
    id: deletedVaultId(p.subscriptionId, p.location, vault.name),
    name: vault.name,
    type: DELETED_VAULT_TYPE,
    properties: {
      vaultId: vaultId(p.subscriptionId, p.resourceGroup, vault.name),
      location: p.location,
      deletionDate: isoDate(vault.deletedAt),
      scheduledPurgeDate: isoDate(vault.purgeAt),
      tags: vault.properties.tags ?? {},
      purgeProtectionEnabled: vault.properties.enablePurgeProtection,
    },
  };
}
