import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { expect } from 'vitest';
import { file, vaultUrl, type CliContext } from './context.js';

/** `az keyvault secret set/show/list/list-versions/download/backup/delete/recover/purge/restore` on NAME.vault.localhost. */
export async function secretLifecycle(ctx: CliContext): Promise<void> {
  const { az, vault } = ctx;
  const url = vaultUrl(ctx);
  const name = 'cli-secret';

  const first = await az.json('keyvault', 'secret', 'set', '--vault-name', vault, '-n', name, '--value', 'first value');
  expect(first.value).toBe('first value');
  expect(first.id).toMatch(new RegExp(`^${url}/secrets/${name}/[0-9a-f]{32}$`));

  // A binary file: az base64-encodes it into the value and records the encoding in a tag, download decodes it.
  const bytes = randomBytes(48);
  fs.writeFileSync(file(ctx, 'secret.bin'), bytes);
  const second = await az.json(
    'keyvault', 'secret', 'set', '--vault-name', vault, '-n', name, '--file', file(ctx, 'secret.bin'), '--encoding', 'base64',
    '--content-type', 'application/octet-stream', '--tags', 'team=cli',
  );
  // az encodes with base64.encodebytes, which ends lines with \n.
  expect(second.value.trim()).toBe(bytes.toString('base64'));
  expect(second.tags).toEqual({ 'file-encoding': 'base64', team: 'cli' });
  expect(second.id).not.toBe(first.id);

  // Latest by name, an older version by its id.
  expect((await az.json('keyvault', 'secret', 'show', '--vault-name', vault, '-n', name)).value).toBe(second.value);
  expect((await az.json('keyvault', 'secret', 'show', '--id', first.id)).value).toBe('first value');

  const listed = await az.json<Array<{ id: string; contentType: string }>>('keyvault', 'secret', 'list', '--vault-name', vault);
  expect(listed.find((s) => s.id === `${url}/secrets/${name}`)).toMatchObject({ contentType: 'application/octet-stream' });
  const versions = await az.json<Array<{ id: string }>>('keyvault', 'secret', 'list-versions', '--vault-name', vault, '-n', name);
  expect(versions.map((v) => v.id).sort()).toEqual([first.id, second.id].sort());

  await az.raw('keyvault', 'secret', 'download', '--vault-name', vault, '-n', name, '-f', file(ctx, 'secret.out'), '--encoding', 'base64');
  expect(fs.readFileSync(file(ctx, 'secret.out')).equals(bytes)).toBe(true);

  await az.raw('keyvault', 'secret', 'backup', '--vault-name', vault, '-n', name, '-f', file(ctx, 'secret.bak'));
  expect(fs.statSync(file(ctx, 'secret.bak')).size).toBeGreaterThan(0);

  const deleted = await az.json('keyvault', 'secret', 'delete', '--vault-name', vault, '-n', name);
  expect(deleted.recoveryId).toBe(`${url}/deletedsecrets/${name}`);
  expect(Date.parse(deleted.scheduledPurgeDate) - Date.parse(deleted.deletedDate)).toBe(90 * 86400_000);
  expect(await az.failure('keyvault', 'secret', 'show', '--vault-name', vault, '-n', name)).toContain('SecretNotFound');
  const inBin = await az.json<Array<{ name: string }>>('keyvault', 'secret', 'list-deleted', '--vault-name', vault);
  expect(inBin.map((s) => s.name)).toContain(name);
  expect((await az.json('keyvault', 'secret', 'show-deleted', '--vault-name', vault, '-n', name)).recoveryId).toBe(deleted.recoveryId);

  await az.json('keyvault', 'secret', 'recover', '--vault-name', vault, '-n', name);
  expect((await az.json('keyvault', 'secret', 'show', '--vault-name', vault, '-n', name)).id).toBe(second.id);

  await az.json('keyvault', 'secret', 'delete', '--vault-name', vault, '-n', name);
  await az.raw('keyvault', 'secret', 'purge', '--vault-name', vault, '-n', name);
  expect(await az.failure('keyvault', 'secret', 'show-deleted', '--vault-name', vault, '-n', name)).toContain('SecretNotFound');

  // The backup brings back every version, ids and all.
  const restored = await az.json('keyvault', 'secret', 'restore', '--vault-name', vault, '-f', file(ctx, 'secret.bak'));
  expect(restored.id).toBe(`${url}/secrets/${name}/${second.id.split('/').pop()}`);
  const after = await az.json<Array<{ id: string }>>('keyvault', 'secret', 'list-versions', '--vault-name', vault, '-n', name);
  expect(after.map((v) => v.id).sort()).toEqual([first.id, second.id].sort());
  await az.raw('keyvault', 'secret', 'download', '--vault-name', vault, '-n', name, '-f', file(ctx, 'restored.out'), '--encoding', 'base64');
  expect(fs.readFileSync(file(ctx, 'restored.out')).equals(bytes)).toBe(true);
}

/** `az keyvault secret list` follows nextLink across pages; `--maxresults` stops it early. */
export async function secretPaging(ctx: CliContext): Promise<void> {
  const { az, kyanite, vault } = ctx;
  // Made over plain HTTPS: 30 az processes would only slow the suite down.
  for (let i = 0; i < 30; i++) {
    const r = await kyanite.request('PUT', `/secrets/page-${i}`, { value: `v${i}` }, { host: `${vault}.vault.localhost:${kyanite.port}` });
    expect(r.status).toBe(200);
  }
  const all = await az.json<Array<{ name: string }>>('keyvault', 'secret', 'list', '--vault-name', vault);
  const paged = all.map((s) => s.name).filter((n) => n.startsWith('page-'));
  expect(paged.sort()).toEqual(Array.from({ length: 30 }, (_, i) => `page-${i}`).sort());
  expect(await az.json('keyvault', 'secret', 'list', '--vault-name', vault, '--maxresults', '5')).toHaveLength(5);
}
