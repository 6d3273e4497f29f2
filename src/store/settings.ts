import type { Db } from './db.js';

/** Small named values that belong to one data dir (the backup key, the token signing key). */
export interface SettingsStore {
  get(key: string): string | undefined;
  /** Returns the stored value, creating it with `make` the first time. */
  getOrCreate(key: string, make: () => string): string;
  set(key: string, value: string): void;
  delete(key: string): boolean;
  /** Values whose key starts with `prefix`, ordered by key. */
  list(prefix: string): Array<{ key: string; value: string }>;
}

export function createSettingsStore(db: Db): SettingsStore {
  const get = db.prepare('SELECT value FROM settings WHERE key = ?');
  const insert = db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING');
  const upsert = db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  const remove = db.prepare('DELETE FROM settings WHERE key = ?');
  // substr rather than LIKE: keys may hold '%' or '_', which LIKE would read as wildcards.
  const byPrefix = db.prepare('SELECT key, value FROM settings WHERE substr(key, 1, length(?)) = ? ORDER BY key');
  const read = (key: string) => (get.get(key) as { value: string } | undefined)?.value;
  return {
    get: read,
    getOrCreate(key, make) {
      const existing = read(key);
      if (existing !== undefined) return existing;
      insert.run(key, make());
      return read(key)!;
    },
    set: (key, value) => void upsert.run(key, value),
    delete: (key) => remove.run(key).changes > 0,
    list: (prefix) => byPrefix.all(prefix, prefix) as Array<{ key: string; value: string }>,
  };
}
