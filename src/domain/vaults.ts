import type { Store, VaultRow } from '../store/index.js';
import type { ResourceGroupRow } from '../store/vaults.js';
import type { Clock } from './clock.js';
import { toUnixSeconds } from './clock.js';
import { vaultNotFound } from './errors.js';
import { applyVaultRules, DEFAULT_RETENTION_DAYS } from './vault-rules.js';

/**
 * The properties Kyanite keeps for a vault. The management plane stores the rest of what a client sends next to
 * these; the data plane reads only what decides its behaviour (soft delete, retention, purge protection).
 */
export interface VaultProperties {
  enableSoftDelete: boolean;
  softDeleteRetentionInDays: number;
  enablePurgeProtection: boolean;
  /** Where the management plane shows the vault; vaults stored before it existed read as the defaults below. */
  subscriptionId?: string;
  resourceGroup?: string;
  location?: string;
  tenantId?: string;
  tags?: Record<string, string>;
  [other: string]: unknown;
}

/** The subscription, group, location and tenant of vaults made by --vault or on first start. */
export const DEFAULT_SUBSCRIPTION_ID = '00000000-0000-0000-0000-000000000000';
export const DEFAULT_RESOURCE_GROUP = 'kyanite';
export const DEFAULT_LOCATION = 'local';
export const DEFAULT_TENANT_ID = '00000000-0000-0000-0000-000000000000';

export interface Placement {
  subscriptionId: string;
  resourceGroup: string;
  location: string;
}

export function placementOf(p: VaultProperties): Placement {
  return {
    subscriptionId: p.subscriptionId ?? DEFAULT_SUBSCRIPTION_ID,
    resourceGroup: p.resourceGroup ?? DEFAULT_RESOURCE_GROUP,
    location: p.location ?? DEFAULT_LOCATION,
  };
}

const sameText = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** The service's vault name rule: 3-24 letters, digits and hyphens, starting with a letter, ending with a letter or
 * digit, without consecutive hyphens. */
export function isValidVaultName(name: string): boolean {
  return /^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/.test(name) && !name.includes('--');
}

export interface DeletedVault extends Vault {
  deletedAt: number;
  purgeAt: number;
}

/** Who holds a vault name, seen from a group that wants it (names are global, as in Azure). */
export type NameHolder = 'nobody' | 'this-group' | 'another-group' | 'deleted';

export type PurgeOutcome = 'purged' | 'not-deleted' | 'protected';

export interface ResourceGroup {
  subscriptionId: string;
  name: string;
  location: string;
  tags: Record<string, string>;
  created: number;
}

export interface ResourceGroups {
  get(subscriptionId: string, name: string): ResourceGroup | undefined;
  list(subscriptionId: string): ResourceGroup[];
  /** Creates the group or updates its tags; a group's location never changes (undefined when it would). */
  put(subscriptionId: string, name: string, location: string, tags: Record<string, string>): { group: ResourceGroup; created: boolean } | undefined;
  /** Deletes the group and (soft-)deletes every vault in it; false when the group does not exist. */
  remove(subscriptionId: string, name: string): boolean;
}

export interface Vault {
  name: string;
  created: number;
  properties: VaultProperties;
}

/** What the data plane needs to know about the vault a request addresses. */
export interface VaultContext {
  name: string;
  /** scheme://host[:port] as the client used it: every id and nextLink is built from it. */
  baseUrl: string;
  softDelete: boolean;
  recoverableDays: number;
  recoveryLevel: string;
  purgeProtection: boolean;
}

/** The collections an object's URL names: live and deleted objects, and certificate issuers. */
export type ObjectCollection = 'secrets' | 'keys' | 'certificates' | 'deletedsecrets' | 'deletedkeys' | 'deletedcertificates' | 'certificates/issuers';

/**
 * An object's URL on the vault's host as the client used it, the one way every id, kid, sid, recoveryId, secretUri
 * and conflict message spells it: `https://v.vault.localhost:8443/keys/NAME[/VERSION]`.
 */
export const objectUrl = (vault: Pick<VaultContext, 'baseUrl'>, collection: ObjectCollection, name: string, version?: string): string =>
  `${vault.baseUrl}/${collection}/${name}${version ? `/${version}` : ''}`;

export const DEFAULT_VAULT_PROPERTIES: VaultProperties = {
  enableSoftDelete: true,
  softDeleteRetentionInDays: DEFAULT_RETENTION_DAYS,
  enablePurgeProtection: false,
};

/** The deletion recovery level the service reports for a vault's objects. */
export function recoveryLevelOf(p: VaultProperties): { level: string; days: number } {
  if (!p.enableSoftDelete) return { level: 'Purgeable', days: 0 };
  const days = p.softDeleteRetentionInDays;
  const base = days < 90 ? 'CustomizedRecoverable' : 'Recoverable';
  return { level: p.enablePurgeProtection ? base : `${base}+Purgeable`, days };
}

export interface VaultRegistry {
  /** A live vault, or undefined (deleted vaults do not serve). */
  find(name: string): Vault | undefined;
  /** The vault row whatever its state. */
  findAny(name: string): (Vault & { deletedAt: number | null; purgeAt: number | null }) | undefined;
  /**
   * Creates the vault with default properties, and `settings` over them, unless it exists (used by --vault, the
   * default vault and seeds). Settings go in with the creation: a vault made without soft delete is not a vault
   * that had it and turned it off.
   */
  ensure(name: string, settings?: Partial<VaultProperties>): Vault;
  /** Creates or updates the vault; throws a VaultRuleError when the properties break a rule (src/domain/vault-rules.ts). */
  save(name: string, properties: VaultProperties): Vault;
  list(): Vault[];
  context(name: string, baseUrl: string): VaultContext;
  /** Who holds the name, as seen from the group asking for it. */
  holder(name: string, subscriptionId: string, resourceGroup: string): NameHolder;
  /** Soft-deletes a live vault (it stops serving at once and holds its name), or purges it without soft delete. */
  remove(name: string): 'deleted' | 'purged' | undefined;
  findDeleted(name: string): DeletedVault | undefined;
  listDeleted(): DeletedVault[];
  /** Brings a deleted vault back with its objects, into the given group; undefined when it is not deleted. */
  recover(name: string, placement: Placement): Vault | undefined;
  /** Purges a deleted vault and its objects, unless purge protection keeps it until its scheduled date. */
  purge(name: string): PurgeOutcome;
  /** Purges deleted vaults whose retention ended; returns their names. */
  sweep(): string[];
  groups: ResourceGroups;
}

function toVault(row: VaultRow): Vault {
  return { name: row.name, created: row.created, properties: JSON.parse(row.properties) as VaultProperties };
}

function toDeleted(row: VaultRow): DeletedVault | undefined {
  if (row.deleted_at === null || row.purge_at === null) return undefined;
  return { ...toVault(row), deletedAt: row.deleted_at, purgeAt: row.purge_at };
}

function toGroup(row: ResourceGroupRow): ResourceGroup {
  return {
    subscriptionId: row.subscription,
    name: row.name,
    location: row.location,
    tags: row.tags ? (JSON.parse(row.tags) as Record<string, string>) : {},
    created: row.created,
  };
}

export function createVaultRegistry(store: Store, clock: Clock): VaultRegistry {
  // The data plane asks for the vault on every request: keep parsed rows until a write changes them.
  const cache = new Map<string, Vault | null>();
  const key = (name: string) => name.toLowerCase();
  const now = () => toUnixSeconds(clock.now());
  // Deleted vaults past their purge date are gone whether or not the sweeper has run yet.
  const expire = () => store.vaults.purgeExpired(now());

  /** A vault lives in a group: saving one into a group nobody created creates it (ARM's PUT needs no extra step). */
  const ensureGroup = (p: Placement) => {
    if (!store.vaults.groups.get(p.subscriptionId, p.resourceGroup)) {
      store.vaults.groups.upsert({ subscription: p.subscriptionId, name: p.resourceGroup, location: p.location, tags: null, created: now() });
    }
  };

  const groups: ResourceGroups = {
    get(subscriptionId, name) {
      const row = store.vaults.groups.get(subscriptionId, name);
      return row && toGroup(row);
    },
    list: (subscriptionId) => store.vaults.groups.list(subscriptionId).map(toGroup),
    put(subscriptionId, name, location, tags) {
      const existing = store.vaults.groups.get(subscriptionId, name);
      if (existing && !sameText(existing.location, location)) return undefined;
      store.vaults.groups.upsert({
        subscription: existing?.subscription ?? subscriptionId,
        name: existing?.name ?? name,
        location: existing?.location ?? location,
        tags: JSON.stringify(tags),
        created: existing?.created ?? now(),
      });
      return { group: groups.get(subscriptionId, name)!, created: !existing };
    },
    remove(subscriptionId, name) {
      if (!store.vaults.groups.get(subscriptionId, name)) return false;
      for (const vault of registry.list()) {
        const p = placementOf(vault.properties);
        if (sameText(p.subscriptionId, subscriptionId) && sameText(p.resourceGroup, name)) registry.remove(vault.name);
      }
      store.vaults.groups.delete(subscriptionId, name);
      return true;
    },
  };

  const registry: VaultRegistry = {
    find(name) {
      const k = key(name);
      if (cache.has(k)) return cache.get(k) ?? undefined;
      const row = store.vaults.get(name);
      const vault = row && row.deleted_at === null ? toVault(row) : null;
      cache.set(k, vault);
      return vault ?? undefined;
    },
    findAny(name) {
      const row = store.vaults.get(name);
      return row ? { ...toVault(row), deletedAt: row.deleted_at, purgeAt: row.purge_at } : undefined;
    },
    ensure(name, settings = {}) {
      const existing = registry.find(name);
      if (existing) return existing;
      return registry.save(name, {
        ...DEFAULT_VAULT_PROPERTIES,
        subscriptionId: DEFAULT_SUBSCRIPTION_ID,
        resourceGroup: DEFAULT_RESOURCE_GROUP,
        location: DEFAULT_LOCATION,
        tenantId: DEFAULT_TENANT_ID,
        ...settings,
      });
    },
    save(name, properties) {
      const row = store.vaults.get(name);
      // Every path that writes a vault comes here, so the rules hold on all of them.
      const settled = applyVaultRules(properties, row && toVault(row).properties);
      ensureGroup(placementOf(settled));
      store.vaults.upsert({
        name: row?.name ?? name,
        created: row?.created ?? toUnixSeconds(clock.now()),
        properties: JSON.stringify(settled),
        deleted_at: null,
        purge_at: null,
      });
      cache.delete(key(name));
      return registry.find(name)!;
    },
    list: () => store.vaults.list().filter((r) => r.deleted_at === null).map(toVault),
    context(name, baseUrl) {
      const vault = registry.find(name);
      if (!vault) throw vaultNotFound(name);
      const { level, days } = recoveryLevelOf(vault.properties);
      return {
        name: vault.name,
        baseUrl,
        softDelete: vault.properties.enableSoftDelete,
        recoverableDays: days,
        recoveryLevel: level,
        purgeProtection: vault.properties.enablePurgeProtection,
      };
    },
    holder(name, subscriptionId, resourceGroup) {
      expire();
      const row = store.vaults.get(name);
      if (!row) return 'nobody';
      if (row.deleted_at !== null) return 'deleted';
      const p = placementOf(toVault(row).properties);
      return sameText(p.subscriptionId, subscriptionId) && sameText(p.resourceGroup, resourceGroup) ? 'this-group' : 'another-group';
    },
    remove(name) {
      const vault = registry.find(name);
      if (!vault) return undefined;
      cache.delete(key(name));
      if (!vault.properties.enableSoftDelete) {
        store.vaults.purge(vault.name);
        return 'purged';
      }
      const at = now();
      store.vaults.markDeleted(vault.name, at, at + vault.properties.softDeleteRetentionInDays * 86_400);
      return 'deleted';
    },
    findDeleted(name) {
      expire();
      const row = store.vaults.get(name);
      return row && toDeleted(row);
    },
    listDeleted() {
      expire();
      return store.vaults.list().flatMap((row) => toDeleted(row) ?? []);
    },
    recover(name, placement) {
      const deleted = registry.findDeleted(name);
      if (!deleted) return undefined;
      store.vaults.recover(deleted.name);
      // Recovering into a group moves the vault there; its other properties are the ones it was deleted with.
      return registry.save(deleted.name, { ...deleted.properties, ...placement });
    },
    purge(name) {
      const deleted = registry.findDeleted(name);
      if (!deleted) return 'not-deleted';
      if (deleted.properties.enablePurgeProtection) return 'protected';
      store.vaults.purge(deleted.name);
      cache.delete(key(name));
      return 'purged';
    },
    sweep() {
      const names = expire();
      for (const n of names) cache.delete(key(n));
      return names;
    },
    groups,
  };
  return registry;
}
