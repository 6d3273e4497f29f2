import { openDatabase, type Db, type OpenOptions } from './db.js';
import { createObjectStore, type ObjectStore } from './objects.js';
import { createSettingsStore, type SettingsStore } from './settings.js';
import { createVaultStore, type VaultStore } from './vaults.js';

export interface Store {
  db: Db;
  objects: ObjectStore;
  vaults: VaultStore;
  settings: SettingsStore;
  close(): void;
}

export function openStore(options: OpenOptions = {}): Store {
  const db = openDatabase(options);
  return {
    db,
    objects: createObjectStore(db),
    vaults: createVaultStore(db),
    settings: createSettingsStore(db),
    close: () => db.close(),
  };
}

export type { Kind, NameRow, VersionRow, NewVersion, ListedRow, ObjectStore } from './objects.js';
export type { VaultRow } from './vaults.js';
