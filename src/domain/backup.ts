import { createBackupSealer, newBackupKey } from '../crypto/backup-blob.js';
import type { SettingsStore } from '../store/settings.js';
import { badParameter, malformedBackup } from './errors.js';
import type { Kind } from '../store/index.js';
import type { ObjectSnapshot } from './lifecycle.js';

/** Turns object snapshots into protected blobs and back, checking that a blob holds the expected kind. */
export interface BackupService {
  backup(snapshot: ObjectSnapshot): Promise<string>;
  restore(kind: Kind, blob: unknown): Promise<ObjectSnapshot>;
}

export function createBackupService(settings: SettingsStore): BackupService {
  const sealer = createBackupSealer(settings.getOrCreate('backup-key', newBackupKey));
  return {
    backup: (snapshot) => sealer.seal(snapshot),
    async restore(kind, blob) {
      if (typeof blob !== 'string' || blob.length === 0) throw badParameter('The backup value must be a non-empty base64url string.');
      const opened = (await sealer.open(blob)) as ObjectSnapshot | undefined;
      if (!opened || opened.kind !== kind || !Array.isArray(opened.versions) || opened.versions.length === 0) {
        throw malformedBackup();
      }
      return opened;
    },
  };
}
