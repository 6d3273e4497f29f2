import type { Db } from './db.js';

/** Small named values that belong to one data dir (the backup key, the token signing key). */
export interface SettingsStore {
  get(key: string): string | undefined;
  /** Returns the stored value, creating it with `make` the first time. */
  getOrCreate(key: string, make: () => string): string;
}

export function createSettingsStore(db: Db): SettingsStore {
  const get = db.prepare('SELECT value FROM settings WHERE key = ?');
  const insert = db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING');
  const read = (key: string) => (get.get(key) as { value: string } | undefined)?.value;
  return {
    get: read,
    getOrCreate(key, make) {
      const existing = read(key);
      if (existing !== undefined) return existing;
      insert.run(key, make());
      return read(key)!;
    },
  };
}
