import type { Db } from './db.js';

/** A vault's certificate issuers and contacts, stored as the domain's JSON documents (schema 4). */
export interface CertificateDocumentStore {
  getIssuer(vault: string, name: string): string | undefined;
  setIssuer(vault: string, name: string, issuer: string): void;
  deleteIssuer(vault: string, name: string): void;
  /** The vault's issuers, ordered by name. */
  listIssuers(vault: string): string[];
  getContacts(vault: string): string | undefined;
  setContacts(vault: string, contacts: string): void;
  deleteContacts(vault: string): void;
  /** Removes every issuer and the contacts of the vault (it is being purged). */
  deleteVault(vault: string): void;
}

export function createCertificateDocumentStore(db: Db): CertificateDocumentStore {
  const s = {
    getIssuer: db.prepare<[string, string], { issuer: string }>('SELECT issuer FROM certificate_issuers WHERE vault = ? AND name = ?'),
    setIssuer: db.prepare(
      `INSERT INTO certificate_issuers (vault, name, issuer) VALUES (?, ?, ?)
       ON CONFLICT (vault, name) DO UPDATE SET issuer = excluded.issuer`,
    ),
    deleteIssuer: db.prepare('DELETE FROM certificate_issuers WHERE vault = ? AND name = ?'),
    listIssuers: db.prepare<[string], { issuer: string }>('SELECT issuer FROM certificate_issuers WHERE vault = ? ORDER BY name'),
    getContacts: db.prepare<[string], { contacts: string }>('SELECT contacts FROM certificate_contacts WHERE vault = ?'),
    setContacts: db.prepare(
      `INSERT INTO certificate_contacts (vault, contacts) VALUES (?, ?)
       ON CONFLICT (vault) DO UPDATE SET contacts = excluded.contacts`,
    ),
    deleteContacts: db.prepare('DELETE FROM certificate_contacts WHERE vault = ?'),
    deleteVaultIssuers: db.prepare('DELETE FROM certificate_issuers WHERE vault = ?'),
  };
  return {
    getIssuer: (vault, name) => s.getIssuer.get(vault, name)?.issuer,
    setIssuer: (vault, name, issuer) => void s.setIssuer.run(vault, name, issuer),
    deleteIssuer: (vault, name) => void s.deleteIssuer.run(vault, name),
    listIssuers: (vault) => s.listIssuers.all(vault).map((r) => r.issuer),
    getContacts: (vault) => s.getContacts.get(vault)?.contacts,
    setContacts: (vault, contacts) => void s.setContacts.run(vault, contacts),
    deleteContacts: (vault) => void s.deleteContacts.run(vault),
    deleteVault(vault) {
      s.deleteVaultIssuers.run(vault);
      s.deleteContacts.run(vault);
    },
  };
}
