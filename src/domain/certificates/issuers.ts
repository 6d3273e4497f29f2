import type { CertificateDocumentStore } from '../../store/certificate-documents.js';
import { toUnixSeconds, type Clock } from '../clock.js';
import { badParameter, KeyVaultError } from '../errors.js';
import { assertName } from '../names.js';
import type { VaultContext } from '../vaults.js';

/**
 * Certificate issuers and contacts: vault-level documents without versions or soft delete, kept per vault (they go
 * when the vault is purged). Shapes as the service answers (recorded): an issuer carries id, provider,
 * credentials (never the password), org_details (with zip) and attributes.
 */
export interface Issuer {
  name: string;
  provider: string;
  credentials?: { account_id?: string; pwd?: string };
  org_details?: { id?: string; admin_details?: Array<Record<string, string>> };
  attributes: { enabled: boolean; created: number; updated: number };
}

export interface IssuerInput {
  provider?: string;
  credentials?: { account_id?: string; pwd?: string } | null;
  org_details?: { id?: string; admin_details?: Array<Record<string, string>> } | null;
  attributes?: { enabled?: boolean } | null;
}

export interface Contact {
  email?: string;
  name?: string;
  phone?: string;
}

export const issuerNotFound = () => new KeyVaultError(404, 'CertificateIssuerNotFound', 'Issuer not found');
export const contactsNotFound = () => new KeyVaultError(404, 'ContactsNotFound', 'Contacts not found');

/** The issuer names that need no issuer object: self-signed, and "a CA outside Key Vault, merged later". */
export const BUILT_IN_ISSUERS = ['self', 'unknown'];

export interface IssuerStore {
  set(vault: VaultContext, name: string, input: IssuerInput): Issuer;
  update(vault: VaultContext, name: string, input: IssuerInput): Issuer;
  get(vault: VaultContext, name: string): Issuer;
  find(vault: VaultContext, name: string): Issuer | undefined;
  delete(vault: VaultContext, name: string): Issuer;
  list(vault: VaultContext): Issuer[];
  setContacts(vault: VaultContext, contacts: unknown): Contact[];
  getContacts(vault: VaultContext): Contact[];
  deleteContacts(vault: VaultContext): Contact[];
}

export function createIssuerStore(documents: CertificateDocumentStore, clock: Clock): IssuerStore {
  const now = () => toUnixSeconds(clock.now());

  function write(vault: VaultContext, name: string, input: IssuerInput, base: Issuer | undefined): Issuer {
    const provider = input.provider ?? base?.provider;
    if (typeof provider !== 'string' || provider === '') throw badParameter('An issuer needs a provider.');
    const t = now();
    const issuer: Issuer = {
      name: base?.name ?? name,
      provider,
      attributes: { enabled: input.attributes?.enabled ?? base?.attributes.enabled ?? true, created: base?.attributes.created ?? t, updated: t },
    };
    const credentials = input.credentials === undefined ? base?.credentials : (input.credentials ?? undefined);
    if (credentials) issuer.credentials = credentials;
    const org = input.org_details === undefined ? base?.org_details : (input.org_details ?? undefined);
    if (org) issuer.org_details = org;
    documents.setIssuer(vault.name, name, JSON.stringify(issuer));
    return issuer;
  }

  const store: IssuerStore = {
    set(vault, name, input) {
      assertName('certificate', name);
      return write(vault, name, input, store.find(vault, name));
    },
    update(vault, name, input) {
      return write(vault, name, input, store.get(vault, name));
    },
    get(vault, name) {
      const found = store.find(vault, name);
      if (!found) throw issuerNotFound();
      return found;
    },
    find(vault, name) {
      const text = documents.getIssuer(vault.name, name);
      return text ? (JSON.parse(text) as Issuer) : undefined;
    },
    delete(vault, name) {
      const issuer = store.get(vault, name);
      documents.deleteIssuer(vault.name, name);
      return issuer;
    },
    list: (vault) => documents.listIssuers(vault.name).map((text) => JSON.parse(text) as Issuer),
    setContacts(vault, contacts) {
      if (!Array.isArray(contacts)) throw badParameter('contacts must be an array.');
      for (const c of contacts as Contact[]) {
        if (typeof c !== 'object' || c === null || (c.email !== undefined && typeof c.email !== 'string')) {
          throw badParameter('Each contact is an object with email, name and phone strings.');
        }
      }
      documents.setContacts(vault.name, JSON.stringify(contacts));
      return contacts as Contact[];
    },
    getContacts(vault) {
      const text = documents.getContacts(vault.name);
      if (!text) throw contactsNotFound();
      return JSON.parse(text) as Contact[];
    },
    deleteContacts(vault) {
      const contacts = store.getContacts(vault);
      documents.deleteContacts(vault.name);
      return contacts;
    },
  };
  return store;
}
