import type { Kind, ObjectStore, VersionRow } from '../store/index.js';
import { newVersionId } from '../crypto/random.js';
import { toUnixSeconds, type Clock } from './clock.js';
import {
  deletedButRecoverable,
  deletedNotFound,
  notFound,
  purgeForbidden,
  restoreConflict,
  badParameter,
} from './errors.js';
import { assertName, assertVersion } from './names.js';
import { decodeSkipToken, encodeSkipToken, parseMaxResults, type Page } from './paging.js';
import { objectUrl, type VaultContext } from './vaults.js';

/**
 * The life of a vault object, written once for secrets, keys and certificates: versions, latest, attributes,
 * paging, soft delete, recover, purge, backup and restore. The kind modules add what is theirs (values, key
 * material, policies) in the version body and the name-level meta.
 */

export type Tags = Record<string, string>;

export interface Attributes {
  enabled: boolean;
  nbf?: number;
  exp?: number;
  created: number;
  updated: number;
}

export interface ObjectVersion<B> {
  name: string;
  version: string;
  /** Creation order across the store: the highest is the latest version. */
  seq: number;
  attributes: Attributes;
  tags?: Tags;
  body: B;
}

export interface DeletedInfo {
  deletedDate: number;
  scheduledPurgeDate: number;
}

export type DeletedVersion<B> = ObjectVersion<B> & { deleted: DeletedInfo };

export interface AttributesInput {
  enabled?: boolean;
  nbf?: number | null;
  exp?: number | null;
}

export interface NewObject<B> {
  /** A version id chosen by the caller: a certificate, its key and its secret share one. */
  version?: string;
  attributes?: AttributesInput;
  tags?: Tags;
  body: B;
}

export interface VersionPatch<B> {
  attributes?: AttributesInput;
  /** Replaces the tags; null removes them (a certificate's completed version takes the create request's, or none). */
  tags?: Tags | null;
  body?: B;
}

/** The portable form of one object with all its versions: what a backup blob holds. */
export interface ObjectSnapshot {
  kind: Kind;
  name: string;
  meta: string | null;
  versions: Array<Omit<VersionRow, 'id' | 'vault' | 'kind' | 'name'>>;
}

const MAX_TAGS = 15;

export function validateTags(tags: Tags | undefined): void {
  if (!tags) return;
  const entries = Object.entries(tags);
  if (entries.length > MAX_TAGS) throw badParameter(`Too many tags: an object can have at most ${MAX_TAGS} tags.`);
  for (const [k, v] of entries) {
    if (k.length > 512 || String(v).length > 256) {
      throw badParameter(`Tag '${k.slice(0, 40)}' is too long: names take up to 512 characters, values up to 256.`);
    }
  }
}

function toVersion<B>(row: VersionRow): ObjectVersion<B> {
  const attributes: Attributes = { enabled: row.enabled === 1, created: row.created, updated: row.updated };
  if (row.nbf !== null) attributes.nbf = row.nbf;
  if (row.exp !== null) attributes.exp = row.exp;
  const v: ObjectVersion<B> = { name: row.name, version: row.version, seq: row.id, attributes, body: JSON.parse(row.body) as B };
  if (row.tags !== null) v.tags = JSON.parse(row.tags) as Tags;
  return v;
}

export interface Lifecycle<B> {
  readonly kind: Kind;
  /** Latest version when `version` is empty or absent. */
  get(vault: VaultContext, name: string, version?: string): ObjectVersion<B>;
  /** Like get, but undefined instead of a 404 for a name that does not exist. */
  find(vault: VaultContext, name: string): ObjectVersion<B> | undefined;
  create(vault: VaultContext, name: string, input: NewObject<B>): ObjectVersion<B>;
  update(vault: VaultContext, name: string, version: string | undefined, patch: VersionPatch<B>): ObjectVersion<B>;
  list(vault: VaultContext, maxresults: unknown, skiptoken: unknown): Page<ObjectVersion<B>>;
  listVersions(vault: VaultContext, name: string, maxresults: unknown, skiptoken: unknown): Page<ObjectVersion<B>>;
  /** The latest version of every live object: for scans such as automatic rotation. */
  allLive(vault: VaultContext): ObjectVersion<B>[];
  listDeleted(vault: VaultContext, maxresults: unknown, skiptoken: unknown): Page<DeletedVersion<B>>;
  getDeleted(vault: VaultContext, name: string): DeletedVersion<B>;
  /** Soft-deletes (or, without soft delete, removes) the name; returns the latest version as it was. */
  delete(vault: VaultContext, name: string): ObjectVersion<B> & { deleted?: DeletedInfo };
  recover(vault: VaultContext, name: string): ObjectVersion<B>;
  purge(vault: VaultContext, name: string): void;
  snapshot(vault: VaultContext, name: string): ObjectSnapshot;
  restore(vault: VaultContext, snapshot: ObjectSnapshot): ObjectVersion<B>;
  getMeta<M>(vault: VaultContext, name: string): M | undefined;
  setMeta<M>(vault: VaultContext, name: string, meta: M | undefined): void;
  /** Drops soft-deleted objects whose scheduled purge date has passed. */
  sweep(): number;
  /**
   * Runs `work` as one transaction of the object store, which every kind shares: writes to several kinds (a
   * certificate with its key and secret) all land or none does. `work` is synchronous; do async work before.
   */
  transaction<T>(work: () => T): T;
}

export function createLifecycle<B>(kind: Kind, store: ObjectStore, clock: Clock): Lifecycle<B> {
  const now = () => toUnixSeconds(clock.now());

  /** The name row, with a lazily applied scheduled purge. */
  function nameRow(vault: VaultContext, name: string) {
    const row = store.getName(vault.name, kind, name);
    if (row && row.deleted_at !== null && row.purge_at !== null && row.purge_at <= now()) {
      store.purge(vault.name, kind, name);
      return undefined;
    }
    return row;
  }

  function liveLatest(vault: VaultContext, name: string): VersionRow | undefined {
    const row = nameRow(vault, name);
    if (!row || row.deleted_at !== null) return undefined;
    return store.getLatest(vault.name, kind, name);
  }

  function deletedRow(vault: VaultContext, name: string) {
    const row = nameRow(vault, name);
    if (!row || row.deleted_at === null) throw deletedNotFound(kind, name);
    return row;
  }

  function applyAttributes(target: { enabled: number; nbf: number | null; exp: number | null }, input?: AttributesInput) {
    if (!input) return;
    if (input.enabled !== undefined) target.enabled = input.enabled ? 1 : 0;
    if (input.nbf !== undefined) target.nbf = input.nbf ?? null;
    if (input.exp !== undefined) target.exp = input.exp ?? null;
  }

  function page<R extends VersionRow, T>(rows: R[], limit: number, map: (r: R) => T, position: (r: R) => string | number): Page<T> {
    const more = rows.length > limit;
    const shown = more ? rows.slice(0, limit) : rows;
    const last = shown[shown.length - 1];
    return { items: shown.map(map), next: more && last !== undefined ? encodeSkipToken(position(last)) : null };
  }

  const lifecycle: Lifecycle<B> = {
    kind,
    get(vault, name, version) {
      assertName(kind, name);
      if (version) {
        assertVersion(kind, version);
        const row = nameRow(vault, name);
        const v = row && row.deleted_at === null ? store.getVersion(vault.name, kind, name, version.toLowerCase()) : undefined;
        if (!v) throw notFound(kind, name, version);
        return toVersion<B>(v);
      }
      const latest = liveLatest(vault, name);
      if (!latest) throw notFound(kind, name);
      return toVersion<B>(latest);
    },
    find(vault, name) {
      const latest = liveLatest(vault, name);
      return latest ? toVersion<B>(latest) : undefined;
    },
    create(vault, name, input) {
      assertName(kind, name);
      validateTags(input.tags);
      const existing = nameRow(vault, name);
      if (existing && existing.deleted_at !== null) throw deletedButRecoverable(kind, name);
      const t = now();
      const row = {
        vault: vault.name,
        kind,
        // Names keep the spelling of their first version; the service matches them case-insensitively.
        name: existing?.name ?? name,
        version: input.version ?? newVersionId(),
        created: t,
        updated: t,
        enabled: 1,
        nbf: null as number | null,
        exp: null as number | null,
        tags: input.tags ? JSON.stringify(input.tags) : null,
        body: JSON.stringify(input.body),
      };
      applyAttributes(row, input.attributes);
      return toVersion<B>(store.addVersion(row));
    },
    update(vault, name, version, patch) {
      const current = lifecycle.get(vault, name, version);
      validateTags(patch.tags ?? undefined);
      const row = store.getVersion(vault.name, kind, current.name, current.version)!;
      applyAttributes(row, patch.attributes);
      if (patch.tags !== undefined) row.tags = patch.tags === null ? null : JSON.stringify(patch.tags);
      if (patch.body !== undefined) row.body = JSON.stringify(patch.body);
      row.updated = now();
      store.updateVersion(row);
      return toVersion<B>(row);
    },
    list(vault, maxresults, skiptoken) {
      const limit = parseMaxResults(maxresults);
      const after = decodeSkipToken<string>(skiptoken, 'string');
      const rows = store.listNames(vault.name, kind, false, after, limit + 1);
      return page(rows, limit, (r) => toVersion<B>(r), (r) => r.name);
    },
    listVersions(vault, name, maxresults, skiptoken) {
      assertName(kind, name);
      const limit = parseMaxResults(maxresults);
      const after = decodeSkipToken<string>(skiptoken, 'string') ?? '';
      const row = nameRow(vault, name);
      const rows = row && row.deleted_at === null ? store.listVersions(vault.name, kind, name, after, limit + 1) : [];
      // The service lists versions by version id, not by creation time (recorded): see docs/behaviour.md.
      return page(rows, limit, (r) => toVersion<B>(r), (r) => r.version);
    },
    allLive: (vault) => store.listNames(vault.name, kind, false, null, -1).map((r) => toVersion<B>(r)),
    listDeleted(vault, maxresults, skiptoken) {
      const limit = parseMaxResults(maxresults);
      const after = decodeSkipToken<string>(skiptoken, 'string');
      const t = now();
      const rows = store.listNames(vault.name, kind, true, after, limit + 1);
      const result = page(
        rows,
        limit,
        (r) => ({ ...toVersion<B>(r), deleted: { deletedDate: r.deleted_at!, scheduledPurgeDate: r.purge_at! } }),
        (r) => r.name,
      );
      // Objects past their purge date are gone even if the sweeper has not run yet.
      result.items = result.items.filter((i) => i.deleted.scheduledPurgeDate > t);
      return result;
    },
    getDeleted(vault, name) {
      assertName(kind, name);
      const row = deletedRow(vault, name);
      const latest = store.getLatest(vault.name, kind, name)!;
      return { ...toVersion<B>(latest), deleted: { deletedDate: row.deleted_at!, scheduledPurgeDate: row.purge_at! } };
    },
    delete(vault, name) {
      assertName(kind, name);
      const latest = liveLatest(vault, name);
      if (!latest) throw notFound(kind, name);
      const v = toVersion<B>(latest);
      if (!vault.softDelete) {
        store.purge(vault.name, kind, name);
        return v;
      }
      const deletedDate = now();
      const deleted = { deletedDate, scheduledPurgeDate: deletedDate + vault.recoverableDays * 86400 };
      store.markDeleted(vault.name, kind, name, deleted.deletedDate, deleted.scheduledPurgeDate);
      return { ...v, deleted };
    },
    recover(vault, name) {
      assertName(kind, name);
      deletedRow(vault, name);
      store.recover(vault.name, kind, name);
      return toVersion<B>(store.getLatest(vault.name, kind, name)!);
    },
    purge(vault, name) {
      assertName(kind, name);
      deletedRow(vault, name);
      if (vault.purgeProtection) throw purgeForbidden(kind, name);
      store.purge(vault.name, kind, name);
    },
    snapshot(vault, name) {
      const latest = lifecycle.get(vault, name);
      const row = store.getName(vault.name, kind, latest.name)!;
      const versions = store.allVersions(vault.name, kind, latest.name).map(({ id: _id, vault: _v, kind: _k, name: _n, ...rest }: VersionRow) => rest);
      return { kind, name: latest.name, meta: row.meta, versions };
    },
    restore(vault, snapshot) {
      const existing = nameRow(vault, snapshot.name);
      if (existing) {
        const latest = store.getLatest(vault.name, kind, snapshot.name);
        throw restoreConflict(kind, objectUrl(vault, `${kind}s`, existing.name, latest?.version));
      }
      store.restore(
        { vault: vault.name, kind, name: snapshot.name, meta: snapshot.meta },
        snapshot.versions.map((v) => ({ ...v, vault: vault.name, kind, name: snapshot.name })),
      );
      return toVersion<B>(store.getLatest(vault.name, kind, snapshot.name)!);
    },
    getMeta<M>(vault: VaultContext, name: string) {
      const row = nameRow(vault, name);
      return row?.meta ? (JSON.parse(row.meta) as M) : undefined;
    },
    setMeta(vault, name, meta) {
      store.setMeta(vault.name, kind, name, meta === undefined ? null : JSON.stringify(meta));
    },
    sweep: () => store.purgeExpired(now()),
    transaction: (work) => store.transaction(work),
  };
  return lifecycle;
}
