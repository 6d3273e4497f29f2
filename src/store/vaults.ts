import type { Db } from './db.js';
import type { CertificateDocumentStore } from './certificate-documents.js';
import type { ObjectStore } from './objects.js';

export interface VaultRow {
  name: string;
  created: number;
  properties: string;
  deleted_at: number | null;
  purge_at: number | null;
}

/** A resource group of the management plane; vaults name theirs in their properties. */
export interface ResourceGroupRow {
  subscription: string;
  name: string;
  location: string;
  tags: string | null;
  created: number;
}

export interface ResourceGroupStore {
  get(subscription: string, name: string): ResourceGroupRow | undefined;
  list(subscription: string): ResourceGroupRow[];
  upsert(row: ResourceGroupRow): void;
  delete(subscription: string, name: string): void;
}

export interface VaultStore {
  groups: ResourceGroupStore;
  get(name: string): VaultRow | undefined;
  list(): VaultRow[];
  upsert(row: VaultRow): void;
  markDeleted(name: string, deletedAt: number, purgeAt: number): void;
  recover(name: string): void;
  /**
   * Removes the vault and everything it holds: objects (live and deleted, with their versions and rotation policies),
   * certificate issuers and contacts, and the role assignments scoped to the vault or to anything in it. Its access
   * policies live in its row.
   */
  purge(name: string): void;
  purgeExpired(nowSeconds: number): string[];
}

export function createVaultStore(db: Db, objects: ObjectStore, certificateDocuments: CertificateDocumentStore): VaultStore {
  const s = {
    get: db.prepare('SELECT * FROM vaults WHERE name = ?'),
    list: db.prepare('SELECT * FROM vaults ORDER BY name'),
    upsert: db.prepare(
      `INSERT INTO vaults (name, created, properties, deleted_at, purge_at)
       VALUES (@name, @created, @properties, @deleted_at, @purge_at)
       ON CONFLICT (name) DO UPDATE SET properties = excluded.properties, deleted_at = excluded.deleted_at,
         purge_at = excluded.purge_at`,
    ),
    markDeleted: db.prepare('UPDATE vaults SET deleted_at = ?, purge_at = ? WHERE name = ?'),
    recover: db.prepare('UPDATE vaults SET deleted_at = NULL, purge_at = NULL WHERE name = ?'),
    deleteVault: db.prepare('DELETE FROM vaults WHERE name = ?'),
    expired: db.prepare('SELECT name FROM vaults WHERE deleted_at IS NOT NULL AND purge_at <= ?'),
    groupGet: db.prepare('SELECT * FROM resource_groups WHERE subscription = ? AND name = ?'),
    groupList: db.prepare('SELECT * FROM resource_groups WHERE subscription = ? ORDER BY name'),
    groupUpsert: db.prepare(
      `INSERT INTO resource_groups (subscription, name, location, tags, created)
       VALUES (@subscription, @name, @location, @tags, @created)
       ON CONFLICT (subscription, name) DO UPDATE SET tags = excluded.tags`,
    ),
    groupDelete: db.prepare('DELETE FROM resource_groups WHERE subscription = ? AND name = ?'),
    // Vault names are global and hold no LIKE wildcards, so the provider path and the name find the vault's scopes
    // in any subscription and group; scopes compare case-insensitively, as ARM ids do (and LIKE does for ASCII).
    deleteAssignments: db.prepare(
      `DELETE FROM role_assignments
       WHERE scope LIKE '%/providers/Microsoft.KeyVault/vaults/' || @name OR scope LIKE '%/providers/Microsoft.KeyVault/vaults/' || @name || '/%'`,
    ),
  };
  const purge = db.transaction((name: string) => {
    objects.deleteVault(name);
    certificateDocuments.deleteVault(name);
    s.deleteAssignments.run({ name });
    s.deleteVault.run(name);
  });
  return {
    groups: {
      get: (subscription, name) => s.groupGet.get(subscription, name) as ResourceGroupRow | undefined,
      list: (subscription) => s.groupList.all(subscription) as ResourceGroupRow[],
      upsert: (row) => void s.groupUpsert.run(row),
      delete: (subscription, name) => void s.groupDelete.run(subscription, name),
    },
    get: (name) => s.get.get(name) as VaultRow | undefined,
    list: () => s.list.all() as VaultRow[],
    upsert: (row) => void s.upsert.run(row),
    markDeleted: (name, deletedAt, purgeAt) => void s.markDeleted.run(deletedAt, purgeAt, name),
    recover: (name) => void s.recover.run(name),
    purge,
    purgeExpired(now) {
      const names = (s.expired.all(now) as { name: string }[]).map((r) => r.name);
      for (const n of names) purge(n);
      return names;
    },
  };
}
