import type { FastifyRequest } from 'fastify';
import { toUnixSeconds } from '../domain/clock.js';
import { applyVaultRules, RETENTION_FIXED, VaultRuleError } from '../domain/vault-rules.js';
import { DEFAULT_TENANT_ID, placementOf, type DeletedVault, type Placement, type Vault, type VaultProperties } from '../domain/vaults.js';
import { parseAccessPolicies, type AccessPolicyEntry } from './access-policies.js';
import { rbacDefaultFor } from './api-versions.js';
import { badRequest, locationRequired } from './errors.js';
import { DELETED_VAULT_TYPE, deletedVaultId, isGuid, isoDate, normalizeLocation, VAULT_TYPE, vaultId, vaultUri } from './ids.js';

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

export function parseTags(value: unknown): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value) || Object.values(value).some((v) => typeof v !== 'string')) {
    throw badRequest("The property 'tags' must be an object of string values.");
  }
  return value as Record<string, string>;
}

/** Checks the fields present in a properties object; `full` also requires what a create needs. */
function checkProperties(p: Json, full: boolean): void {
  if (full || p['tenantId'] !== undefined) {
    if (p['tenantId'] === undefined || p['tenantId'] === null) throw badRequest("The property 'properties.tenantId' is required.");
    if (!isGuid(p['tenantId'])) throw badRequest(`The property 'properties.tenantId' must be a GUID; '${String(p['tenantId'])}' is not.`);
  }
  if (full || p['sku'] !== undefined) {
    const sku = p['sku'];
    if (!isRecord(sku)) throw badRequest("The property 'properties.sku' is required: {\"family\": \"A\", \"name\": \"standard\" | \"premium\"}.");
    const name = typeof sku['name'] === 'string' ? sku['name'].toLowerCase() : undefined;
    if (name !== 'standard' && name !== 'premium') {
      throw badRequest(`The sku name '${String(sku['name'])}' is not valid. Valid sku names: standard, premium.`);
    }
    if (sku['family'] !== undefined && sku['family'] !== 'A') throw badRequest(`The sku family '${String(sku['family'])}' is not valid. Valid sku families: A.`);
    p['sku'] = { family: 'A', name };
  }
  if (p['accessPolicies'] !== undefined && p['accessPolicies'] !== null) {
    p['accessPolicies'] = parseAccessPolicies(p['accessPolicies'], 'properties.accessPolicies');
  }
  for (const k of BOOLEAN_KEYS) {
    if (p[k] === null) delete p[k];
    if (p[k] !== undefined && typeof p[k] !== 'boolean') throw badRequest(`The property 'properties.${k}' must be true or false.`);
  }
  if (p['networkAcls'] !== undefined && p['networkAcls'] !== null && !isRecord(p['networkAcls'])) {
    throw badRequest("The property 'properties.networkAcls' must be an object.");
  }
}

/** The body of Vaults_CreateOrUpdate, validated. */
export function parseVaultPut(body: unknown): VaultPut {
  if (!isRecord(body)) throw badRequest('The request body must be a JSON object with location and properties.');
  if (typeof body['location'] !== 'string' || body['location'].trim() === '') throw locationRequired();
  const properties = body['properties'];
  if (!isRecord(properties)) throw badRequest("The property 'properties' is required: it carries tenantId and sku.");
  const mode = properties['createMode'];
  if (mode !== undefined && mode !== null && mode !== 'default' && mode !== 'recover') {
    throw badRequest(`The createMode '${String(mode)}' is not valid. Valid values: default, recover.`);
  }
  const recover = mode === 'recover';
  // A recover restores what the vault had; the spec still lists tenantId and sku, but they are not used then.
  checkProperties(properties, !recover);
  return { location: normalizeLocation(body['location']), tags: parseTags(body['tags']), properties, recover };
}

const withoutComputed = (p: Json): Json => Object.fromEntries(Object.entries(p).filter(([k]) => !COMPUTED_KEYS.has(k)));

/** The domain's vault rules, answered as Microsoft.KeyVault answers them on ARM: 400 BadRequest with its sentence. */
function checkRules(next: VaultProperties, before: VaultProperties | undefined): void {
  try {
    applyVaultRules(next, before);
  } catch (err) {
    if (err instanceof VaultRuleError) throw badRequest(err.message);
    throw err;
  }
}

/** The stored properties after a PUT: the body replaces what it carries; the switches and placement follow the rules. */
export function propertiesAfterPut(put: VaultPut, before: VaultProperties | undefined, placement: Placement, apiVersion: string, nowMs: number): VaultProperties {
  const sent = withoutComputed(put.properties);
  const next: VaultProperties = {
    ...sent,
    enableSoftDelete: (sent['enableSoftDelete'] as boolean | undefined) ?? before?.enableSoftDelete ?? true,
    softDeleteRetentionInDays: (sent['softDeleteRetentionInDays'] as number | undefined) ?? before?.softDeleteRetentionInDays ?? 90,
    enablePurgeProtection: (sent['enablePurgeProtection'] as boolean | undefined) ?? before?.enablePurgeProtection ?? false,
    enableRbacAuthorization: sent['enableRbacAuthorization'] ?? before?.['enableRbacAuthorization'] ?? rbacDefaultFor(apiVersion),
    accessPolicies: sent['accessPolicies'] ?? before?.['accessPolicies'] ?? [],
    ...placement,
    tags: put.tags ?? before?.tags ?? {},
    lastModifiedAt: toUnixSeconds(nowMs),
  };
  checkRules(next, before);
  return next;
}

/** The stored properties after a PATCH (Vaults_Update): only what the body carries changes. */
export function propertiesAfterPatch(body: unknown, before: VaultProperties, nowMs: number): VaultProperties {
  if (!isRecord(body)) throw badRequest('The request body must be a JSON object with tags and/or properties.');
  const tags = parseTags(body['tags']);
  const properties = body['properties'] ?? {};
  if (!isRecord(properties)) throw badRequest("The property 'properties' must be an object.");
  checkProperties(properties, false);
  const sent = Object.fromEntries(Object.entries(withoutComputed(properties)).filter(([, v]) => v !== null && v !== undefined));
  const next: VaultProperties = { ...before, ...sent, ...(tags && { tags }), lastModifiedAt: toUnixSeconds(nowMs) };
  checkRules(next, before);
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
