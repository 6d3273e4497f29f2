import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../../src/store/index.js';

let dir: string;
let store: Store;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kyanite-batch-'));
  store = openStore({ dataDir: dir });
  store.vaults.upsert({ name: 'v', created: 0, properties: '{}', deleted_at: null, purge_at: null });
});
afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const version = (name: string, v: string) => ({
  vault: 'v', kind: 'secret' as const, name, version: v, created: 1, updated: 1, enabled: 1, nbf: null, exp: null, tags: null, body: '{}',
});

/** What another connection (another process after a crash, say) finds on disk. */
function versionsOnDisk(): string[] {
  const other = new Database(path.join(dir, 'kyanite.db'), { readonly: true });
  try {
    return (other.prepare('SELECT version FROM versions ORDER BY id').all() as Array<{ version: string }>).map((r) => r.version);
  } finally {
    other.close();
  }
}

describe('group commit', () => {
  it('commits the writes made in one turn together, after the turn, and settles pending() then', async () => {
    store.commits.open();
    store.objects.addVersion(version('a', '1'.repeat(32)));
    store.objects.addVersion(version('b', '2'.repeat(32)));
    const pending = store.commits.pending();
    expect(pending).toBeDefined();
    // Not on disk yet: nothing may be acknowledged before the commit.
    expect(versionsOnDisk()).toEqual([]);
    await pending;
    expect(versionsOnDisk()).toEqual(['1'.repeat(32), '2'.repeat(32)]);
    expect(store.commits.pending()).toBeUndefined();
  });

  it("undoes only the failing request's own transaction", async () => {
    store.commits.open();
    store.objects.addVersion(version('kept', '1'.repeat(32)));
    expect(() =>
      store.objects.transaction(() => {
        store.objects.addVersion(version('dropped', '2'.repeat(32)));
        throw new Error('this request fails');
      }),
    ).toThrow('this request fails');
    await store.commits.pending();
    expect(versionsOnDisk()).toEqual(['1'.repeat(32)]);
    expect(store.objects.getLatest('v', 'secret', 'dropped')).toBeUndefined();
  });

  it('rejects pending() when SQLite has rolled the batch back, and recovers for the next one', async () => {
    store.commits.open();
    store.objects.addVersion(version('lost', '1'.repeat(32)));
    const pending = store.commits.pending()!;
    store.db.prepare('ROLLBACK').run();
    await expect(pending).rejects.toThrow(/rolled back/);
    store.commits.open();
    store.objects.addVersion(version('next', '2'.repeat(32)));
    await store.commits.pending();
    expect(versionsOnDisk()).toEqual(['2'.repeat(32)]);
  });

  it('commits an open batch when the store closes', () => {
    store.commits.open();
    store.objects.addVersion(version('late', '1'.repeat(32)));
    store.close();
    expect(versionsOnDisk()).toEqual(['1'.repeat(32)]);
    store = openStore({ dataDir: dir });
  });

  it('leaves writes outside a batch committing on their own', () => {
    store.objects.addVersion(version('alone', '1'.repeat(32)));
    expect(store.commits.pending()).toBeUndefined();
    expect(versionsOnDisk()).toEqual(['1'.repeat(32)]);
  });
});
