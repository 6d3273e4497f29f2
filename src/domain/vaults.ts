import type { Store, VaultRow } from '../store/index.js';
import type { Clock } from './clock.js';
import { toUnixSeconds } from './clock.js';
import { vaultNotFound } from './errors.js';

/**
 * The properties Kyanite keeps for a vault. The management plane stores the rest of what a client sends next to
 * these; the data plane reads only what decides its behaviour (soft delete, retention, purge protection).
 */
export interface VaultProperties {
  enableSoftDelete: boolean;
  softDeleteRetentionInDays: number;
  enablePurgeProtection: boolean;
  [other: string]: unknown;
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

export const DEFAULT_VAULT_PROPERTIES: VaultProperties = {
  enableSoftDelete: true,
  softDeleteRetentionInDays: 90,
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
  /** Creates the vault with default properties unless it exists (used by --vault and the default vault). */
  ensure(name: string): Vault;
  save(name: string, properties: VaultProperties): Vault;
  list(): Vault[];
  context(name: string, baseUrl: string): VaultContext;
}

function toVault(row: VaultRow): Vault {
  return { name: row.name, created: row.created, properties: JSON.parse(row.properties) as VaultProperties };
}

export function createVaultRegistry(store: Store, clock: Clock): VaultRegistry {
  // The data plane asks for the vault on every request: keep parsed rows until a write changes them.
  const cache = new Map<string, Vault | null>();
  const key = (name: string) => name.toLowerCase();

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
    ensure(name) {
      const existing = registry.find(name);
      if (existing) return existing;
      return registry.save(name, { ...DEFAULT_VAULT_PROPERTIES });
    },
    save(name, properties) {
      const row = store.vaults.get(name);
      store.vaults.upsert({
        name: row?.name ?? name,
        created: row?.created ?? toUnixSeconds(clock.now()),
        properties: JSON.stringify(properties),
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
  };
  return registry;
}
