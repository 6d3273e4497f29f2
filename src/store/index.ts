import { createCertificateDocumentStore, type CertificateDocumentStore } from './certificate-documents.js';
import { createCommitBatch, NO_BATCH, type CommitBatch } from './commit-batch.js';
import { openDatabase, type Db, type OpenOptions } from './db.js';
import { createObjectStore, type ObjectStore } from './objects.js';
import { createSettingsStore, type SettingsStore } from './settings.js';
import { createVaultStore, type VaultStore } from './vaults.js';

export interface Store {
  db: Db;
  objects: ObjectStore;
  vaults: VaultStore;
  settings: SettingsStore;
  /** Certificate issuers and contacts, per vault. */
  certificateDocuments: CertificateDocumentStore;
  /** Group commit of the writes of concurrent requests; a no-op for a database in memory, which has nothing to sync. */
  commits: CommitBatch;
  close(): void;
}

export function openStore(options: OpenOptions = {}): Store {
  const db = openDatabase(options);
  const objects = createObjectStore(db);
  const commits = options.dataDir ? createCommitBatch(db) : NO_BATCH;
  const certificateDocuments = createCertificateDocumentStore(db);
  return {
    db,
    objects,
    vaults: createVaultStore(db, objects, certificateDocuments),
    settings: createSettingsStore(db),
    certificateDocuments,
    commits,
    close: () => {
      commits.flush();
      db.close();
    },
  };
}

export type { Kind, NameRow, VersionRow, NewVersion, ListedRow, ObjectStore } from './objects.js';
export type { VaultRow } from './vaults.js';
export type { CertificateDocumentStore } from './certificate-documents.js';
export type { CommitBatch } from './commit-batch.js';
