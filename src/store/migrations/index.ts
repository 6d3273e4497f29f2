import initial from './001-initial.js';
import resourceGroups from './002-resource-groups.js';
import roleAssignments from './003-role-assignments.js';
import vaultCertificateDocuments from './004-vault-certificate-documents.js';

/** Forward-only and append-only: a shipped migration is never edited, a change is a new entry. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  { version: 1, name: 'initial', sql: initial },
  { version: 2, name: 'resource-groups', sql: resourceGroups },
  { version: 3, name: 'role-assignments', sql: roleAssignments },
  { version: 4, name: 'vault-certificate-documents', sql: vaultCertificateDocuments },
];
