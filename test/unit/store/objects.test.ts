import { beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../../src/store/index.js';

let store: Store;
beforeEach(() => {
  store = openStore();
  store.vaults.upsert({ name: 'v', created: 0, properties: '{}', deleted_at: null, purge_at: null });
});

const version = (name: string, v: string, body = '{}') => ({
  vault: 'v', kind: 'secret' as const, name, version: v, created: 1, updated: 1, enabled: 1, nbf: null, exp: null, tags: null, body,
});

describe('object store', () => {
  it('orders versions by insertion and returns the latest, matching names case-insensitively', () => {
    store.objects.addVersion(version('Alpha', 'a'.repeat(32)));
    store.objects.addVersion(version('alpha', 'b'.repeat(32)));
    expect(store.objects.getLatest('v', 'secret', 'ALPHA')?.version).toBe('b'.repeat(32));
    expect(store.objects.getName('v', 'secret', 'alpha')?.name).toBe('Alpha');
    expect(store.objects.listVersions('v', 'secret', 'alpha', '', 10).map((r) => r.version)).toEqual(['a'.repeat(32), 'b'.repeat(32)]);
  });

  it('lists names after a position, live and deleted apart', () => {
    for (const n of ['c', 'a', 'b', 'd']) store.objects.addVersion(version(n, n.repeat(32).slice(0, 32)));
    store.objects.markDeleted('v', 'secret', 'b', 10, 20);
    expect(store.objects.listNames('v', 'secret', false, null, 10).map((r) => r.name)).toEqual(['a', 'c', 'd']);
    expect(store.objects.listNames('v', 'secret', false, 'a', 1).map((r) => r.name)).toEqual(['c']);
    expect(store.objects.listNames('v', 'secret', true, null, 10).map((r) => [r.name, r.deleted_at, r.purge_at])).toEqual([['b', 10, 20]]);
  });

  it('purges expired deleted names with their versions, and whole vaults', () => {
    store.objects.addVersion(version('x', '1'.repeat(32)));
    store.objects.addVersion(version('y', '2'.repeat(32)));
    store.objects.markDeleted('v', 'secret', 'x', 10, 20);
    expect(store.objects.purgeExpired(19)).toBe(0);
    expect(store.objects.purgeExpired(20)).toBe(1);
    expect(store.objects.getLatest('v', 'secret', 'x')).toBeUndefined();
    store.vaults.purge('v');
    expect(store.objects.getLatest('v', 'secret', 'y')).toBeUndefined();
    expect(store.vaults.get('v')).toBeUndefined();
  });

  it('restores a name with all its versions in one transaction', () => {
    store.objects.restore({ vault: 'v', kind: 'key', name: 'k', meta: '{"m":1}' }, [
      { ...version('k', '3'.repeat(32)), kind: 'key' },
      { ...version('k', '4'.repeat(32)), kind: 'key' },
    ]);
    expect(store.objects.getLatest('v', 'key', 'k')?.version).toBe('4'.repeat(32));
    expect(store.objects.getName('v', 'key', 'k')?.meta).toBe('{"m":1}');
  });
});

describe('object store read cache', () => {
  const latest = () => store.objects.getLatest('v', 'secret', 'cached');
  const named = () => store.objects.getName('v', 'secret', 'CACHED');

  it('answers every read after a write with what the database now holds', () => {
    expect(latest()).toBeUndefined();
    expect(named()).toBeUndefined();
    const first = store.objects.addVersion(version('cached', 'a'.repeat(32), '{"n":1}'));
    expect(latest()?.version).toBe('a'.repeat(32));
    expect(named()?.name).toBe('cached');
    store.objects.addVersion(version('Cached', 'b'.repeat(32), '{"n":2}'));
    expect(latest()?.body).toBe('{"n":2}');
    store.objects.updateVersion({ ...store.objects.getVersion('v', 'secret', 'cached', 'b'.repeat(32))!, enabled: 0 });
    expect(latest()?.enabled).toBe(0);
    store.objects.setMeta('v', 'secret', 'cached', '{"m":true}');
    expect(named()?.meta).toBe('{"m":true}');
    store.objects.markDeleted('v', 'secret', 'CACHED', 5, 6);
    expect(named()?.deleted_at).toBe(5);
    store.objects.recover('v', 'secret', 'cached');
    expect(named()?.deleted_at).toBeNull();
    store.objects.purge('v', 'secret', 'cached');
    expect([named(), latest()]).toEqual([undefined, undefined]);
    store.objects.restore({ vault: 'v', kind: 'secret', name: 'cached', meta: null }, [{ ...first, version: 'c'.repeat(32) }]);
    expect(latest()?.version).toBe('c'.repeat(32));
    store.objects.markDeleted('v', 'secret', 'cached', 5, 6);
    expect(named()?.purge_at).toBe(6);
    store.objects.purgeExpired(6);
    expect(named()).toBeUndefined();
    store.objects.addVersion(version('cached', 'd'.repeat(32)));
    expect(latest()?.version).toBe('d'.repeat(32));
    store.vaults.purge('v');
    expect([named(), latest()]).toEqual([undefined, undefined]);
  });

  it('keeps nothing a rolled-back transaction wrote', () => {
    store.objects.addVersion(version('cached', 'a'.repeat(32)));
    expect(latest()?.version).toBe('a'.repeat(32));
    expect(() =>
      store.objects.transaction(() => {
        store.objects.addVersion(version('cached', 'b'.repeat(32)));
        // Read inside the transaction: sees its own write, but must not remember it.
        expect(latest()?.version).toBe('b'.repeat(32));
        throw new Error('roll back');
      }),
    ).toThrow('roll back');
    expect(latest()?.version).toBe('a'.repeat(32));
  });

  it('hands out copies, so a caller changing a row changes nothing for the next reader', () => {
    store.objects.addVersion(version('cached', 'a'.repeat(32), '{"n":1}'));
    const row = latest()!;
    row.body = '{"n":"changed"}';
    named()!.deleted_at = 99;
    expect(latest()?.body).toBe('{"n":1}');
    expect(named()?.deleted_at).toBeNull();
  });

  it('does not mix up names that differ only outside ASCII, which SQLite compares as different', () => {
    store.objects.addVersion(version('caf\u00e9', 'a'.repeat(32)));
    store.objects.addVersion(version('CAF\u00c9', 'b'.repeat(32)));
    expect(store.objects.getLatest('v', 'secret', 'caf\u00e9')?.version).toBe('a'.repeat(32));
    expect(store.objects.getLatest('v', 'secret', 'CAF\u00c9')?.version).toBe('b'.repeat(32));
  });
});
