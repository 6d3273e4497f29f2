import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/store/db.js';
import { migrate, SchemaTooNewError } from '../../../src/store/migrate.js';
import { migrations } from '../../../src/store/migrations/index.js';

const latest = Math.max(...migrations.map((m) => m.version));

describe('migrations', () => {
  it('brings an empty database to the latest schema, and is idempotent', () => {
    const db = new Database(':memory:');
    expect(migrate(db)).toBe(latest);
    expect(db.pragma('user_version', { simple: true })).toBe(latest);
    expect(migrate(db)).toBe(latest);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name").all() as Array<{ name: string }>;
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['objects', 'settings', 'vaults', 'versions']));
  });

  it('runs only the migrations above the stored version, each with its version bump', () => {
    const db = new Database(':memory:');
    migrate(db, [{ version: 1, name: 'one', sql: 'CREATE TABLE a (x)' }]);
    migrate(db, [
      { version: 1, name: 'one', sql: 'CREATE TABLE a (x)' },
      { version: 2, name: 'two', sql: 'CREATE TABLE b (y)' },
    ]);
    expect(db.pragma('user_version', { simple: true })).toBe(2);
  });

  it('refuses a database written by a newer Kyanite, with a clear message', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kyanite-migrate-'));
    const raw = new Database(path.join(dir, 'kyanite.db'));
    raw.pragma(`user_version = ${latest + 1}`);
    raw.close();
    expect(() => openDatabase({ dataDir: dir })).toThrow(SchemaTooNewError);
    expect(() => openDatabase({ dataDir: dir })).toThrow(/newer Kyanite/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the data file private and in WAL mode', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kyanite-migrate-'));
    const db = openDatabase({ dataDir: path.join(dir, 'data') });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(fs.statSync(path.join(dir, 'data', 'kyanite.db')).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(dir, 'data')).mode & 0o777).toBe(0o700);
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
