import type { Db } from './db.js';

/** Rows in, rows out: the SQL for versioned, soft-deletable vault objects. No Key Vault rules live here. */
export type Kind = 'secret' | 'key' | 'certificate';

export interface NameRow {
  vault: string;
  kind: Kind;
  name: string;
  deleted_at: number | null;
  purge_at: number | null;
  meta: string | null;
}

export interface VersionRow {
  id: number;
  vault: string;
  kind: Kind;
  name: string;
  version: string;
  created: number;
  updated: number;
  enabled: number;
  nbf: number | null;
  exp: number | null;
  tags: string | null;
  body: string;
}

export type NewVersion = Omit<VersionRow, 'id'>;

/** A listed object: its name row joined with its latest version. */
export type ListedRow = VersionRow & { deleted_at: number | null; purge_at: number | null };

export interface ObjectStore {
  getName(vault: string, kind: Kind, name: string): NameRow | undefined;
  getLatest(vault: string, kind: Kind, name: string): VersionRow | undefined;
  getVersion(vault: string, kind: Kind, name: string, version: string): VersionRow | undefined;
  /** Creates the name row if needed and appends a version; returns the stored row. */
  addVersion(row: NewVersion): VersionRow;
  updateVersion(row: VersionRow): void;
  setMeta(vault: string, kind: Kind, name: string, meta: string | null): void;
  /** Names ordered case-insensitively, after `after` (exclusive), live or deleted. */
  listNames(vault: string, kind: Kind, deleted: boolean, after: string | null, limit: number): ListedRow[];
  /** Versions of one name ordered by version id (as the service lists them), after version `after`. */
  listVersions(vault: string, kind: Kind, name: string, after: string, limit: number): VersionRow[];
  allVersions(vault: string, kind: Kind, name: string): VersionRow[];
  markDeleted(vault: string, kind: Kind, name: string, deletedAt: number, purgeAt: number): void;
  recover(vault: string, kind: Kind, name: string): void;
  purge(vault: string, kind: Kind, name: string): void;
  /** Restores a name with all its versions, keeping their ids order. */
  restore(name: Omit<NameRow, 'deleted_at' | 'purge_at'>, versions: NewVersion[]): void;
  /** Removes soft-deleted objects whose purge date has passed; returns how many. */
  purgeExpired(nowSeconds: number): number;
  transaction<T>(fn: () => T): T;
  /** Removes every object of a vault (the vault is being purged). */
  deleteVault(vault: string): void;
}

/** Most objects whose name row and latest version are kept in memory; the first cached go first. */
export const READ_CACHE_LIMIT = 1000;

interface CachedObject {
  /** null: known not to exist; undefined: not read yet. */
  name?: NameRow | null;
  latest?: VersionRow | null;
}

/** Only names SQLite's NOCASE and a JS lower-casing agree on (ASCII) are cached; others always go to the database. */
const ASCII = /^[\x20-\x7e]*$/;

/**
 * The read path of a GET (an object's name row, then its latest version) served from memory after the first read.
 * Those two point queries are most of what a GET costs Kyanite (docs/performance.md). Safe because this process is the
 * database's only writer and every write below goes through `forget` first; entries are filled only outside a
 * transaction, so a rollback can never leave rows in memory that the database no longer has. Callers get copies, so
 * what they change stays theirs.
 */
class ReadCache {
  readonly #entries = new Map<string, CachedObject>();
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  static key(vault: string, kind: Kind, name: string): string | undefined {
    return ASCII.test(vault) && ASCII.test(name) ? `${vault.toLowerCase()}\n${kind}\n${name.toLowerCase()}` : undefined;
  }

  read<F extends keyof CachedObject>(key: string | undefined, field: F, load: () => CachedObject[F]): CachedObject[F] {
    if (key === undefined) return load();
    let entry = this.#entries.get(key);
    let row = entry?.[field];
    if (row === undefined) {
      row = load() ?? null;
      // A hit inside a transaction is still right: a write to the object would have forgotten it first. A fill is
      // not: it could hold the transaction's own writes, which a rollback takes back.
      if (!this.#db.inTransaction) {
        if (entry === undefined) {
          entry = {};
          this.#entries.set(key, entry);
          if (this.#entries.size > READ_CACHE_LIMIT) this.#entries.delete(this.#entries.keys().next().value!);
        }
        entry[field] = row;
      }
    }
    return (row === null ? undefined : { ...row }) as CachedObject[F];
  }

  forget(vault: string, kind: Kind, name: string): void {
    const key = ReadCache.key(vault, kind, name);
    // A name outside ASCII was never cached, and under NOCASE it cannot equal an ASCII name that was.
    if (key !== undefined) this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }
}

export function createObjectStore(db: Db): ObjectStore {
  const s = {
    getName: db.prepare('SELECT * FROM objects WHERE vault = ? AND kind = ? AND name = ?'),
    getLatest: db.prepare(
      'SELECT * FROM versions WHERE vault = ? AND kind = ? AND name = ? ORDER BY id DESC LIMIT 1',
    ),
    getVersion: db.prepare('SELECT * FROM versions WHERE vault = ? AND kind = ? AND name = ? AND version = ?'),
    insertName: db.prepare(
      'INSERT INTO objects (vault, kind, name, deleted_at, purge_at, meta) VALUES (?, ?, ?, NULL, NULL, ?) ' +
        'ON CONFLICT (vault, kind, name) DO NOTHING',
    ),
    insertVersion: db.prepare(
      'INSERT INTO versions (vault, kind, name, version, created, updated, enabled, nbf, exp, tags, body) ' +
        'VALUES (@vault, @kind, @name, @version, @created, @updated, @enabled, @nbf, @exp, @tags, @body)',
    ),
    updateVersion: db.prepare(
      'UPDATE versions SET updated = @updated, enabled = @enabled, nbf = @nbf, exp = @exp, tags = @tags, body = @body ' +
        'WHERE id = @id',
    ),
    setMeta: db.prepare('UPDATE objects SET meta = ? WHERE vault = ? AND kind = ? AND name = ?'),
    listNames: db.prepare(
      `SELECT v.*, o.deleted_at, o.purge_at FROM objects o
         JOIN versions v ON v.id = (SELECT MAX(id) FROM versions x WHERE x.vault = o.vault AND x.kind = o.kind AND x.name = o.name)
        WHERE o.vault = @vault AND o.kind = @kind AND (o.deleted_at IS NOT NULL) = @deleted AND o.name > @after
        ORDER BY o.name LIMIT @limit`,
    ),
    listVersions: db.prepare(
      'SELECT * FROM versions WHERE vault = ? AND kind = ? AND name = ? AND version > ? ORDER BY version LIMIT ?',
    ),
    allVersions: db.prepare('SELECT * FROM versions WHERE vault = ? AND kind = ? AND name = ? ORDER BY id'),
    markDeleted: db.prepare('UPDATE objects SET deleted_at = ?, purge_at = ? WHERE vault = ? AND kind = ? AND name = ?'),
    recover: db.prepare('UPDATE objects SET deleted_at = NULL, purge_at = NULL WHERE vault = ? AND kind = ? AND name = ?'),
    purge: db.prepare('DELETE FROM objects WHERE vault = ? AND kind = ? AND name = ?'),
    purgeExpired: db.prepare('DELETE FROM objects WHERE deleted_at IS NOT NULL AND purge_at <= ?'),
    deleteVault: db.prepare('DELETE FROM objects WHERE vault = ?'),
  };

  const cache = new ReadCache(db);

  const addVersion = db.transaction((row: NewVersion): VersionRow => {
    cache.forget(row.vault, row.kind, row.name);
    s.insertName.run(row.vault, row.kind, row.name, null);
    const info = s.insertVersion.run(row);
    return { ...row, id: Number(info.lastInsertRowid) };
  });

  const restore = db.transaction((name: Omit<NameRow, 'deleted_at' | 'purge_at'>, versions: NewVersion[]) => {
    cache.forget(name.vault, name.kind, name.name);
    s.insertName.run(name.vault, name.kind, name.name, name.meta);
    for (const v of versions) s.insertVersion.run(v);
  });

  return {
    getName: (vault, kind, name) =>
      cache.read(ReadCache.key(vault, kind, name), 'name', () => s.getName.get(vault, kind, name) as NameRow | undefined) ??
      undefined,
    getLatest: (vault, kind, name) =>
      cache.read(ReadCache.key(vault, kind, name), 'latest', () => s.getLatest.get(vault, kind, name) as VersionRow | undefined) ??
      undefined,
    getVersion: (vault, kind, name, version) =>
      s.getVersion.get(vault, kind, name, version) as VersionRow | undefined,
    addVersion,
    updateVersion: (row) => {
      cache.forget(row.vault, row.kind, row.name);
      s.updateVersion.run(row);
    },
    setMeta: (vault, kind, name, meta) => {
      cache.forget(vault, kind, name);
      s.setMeta.run(meta, vault, kind, name);
    },
    listNames: (vault, kind, deleted, after, limit) =>
      s.listNames.all({ vault, kind, deleted: deleted ? 1 : 0, after: after ?? '', limit }) as ListedRow[],
    listVersions: (vault, kind, name, after, limit) =>
      s.listVersions.all(vault, kind, name, after, limit) as VersionRow[],
    allVersions: (vault, kind, name) => s.allVersions.all(vault, kind, name) as VersionRow[],
    markDeleted: (vault, kind, name, deletedAt, purgeAt) => {
      cache.forget(vault, kind, name);
      s.markDeleted.run(deletedAt, purgeAt, vault, kind, name);
    },
    recover: (vault, kind, name) => {
      cache.forget(vault, kind, name);
      s.recover.run(vault, kind, name);
    },
    purge: (vault, kind, name) => {
      cache.forget(vault, kind, name);
      s.purge.run(vault, kind, name);
    },
    restore,
    purgeExpired: (now) => {
      cache.clear();
      return s.purgeExpired.run(now).changes;
    },
    deleteVault: (vault) => {
      cache.clear();
      s.deleteVault.run(vault);
    },
    transaction: <T>(fn: () => T): T => db.transaction(fn)(),
  };
}
