import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';

let dir: string;
let t: TestApp;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kyanite-group-commit-'));
  t = await buildTestApp({ dataDir: dir });
});
afterAll(async () => {
  await t.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('durable writes of concurrent requests (group commit)', () => {
  it('answers every request of a burst, each write on disk, a bad one refused alone', async () => {
    const puts = Array.from({ length: 30 }, (_, i) => t.call('PUT', '/secrets/burst', { value: `v${i}` }));
    const bad = t.call('PUT', '/secrets/burst', { value: 42 });
    const read = t.call('GET', '/secrets/burst');
    const answers = await Promise.all(puts);
    expect(answers.map((a) => a.statusCode)).toEqual(Array(30).fill(200));
    expect((await bad).statusCode).toBe(400);
    expect([200, 404]).toContain((await read).statusCode);
    const acknowledged = answers.map((a) => a.json<{ id: string }>().id.split('/').pop());

    // Another connection, as a restarted process would, finds every acknowledged version.
    const other = openStore({ dataDir: dir });
    try {
      const onDisk = other.objects.allVersions('default', 'secret', 'burst').map((r) => r.version);
      expect(onDisk.sort()).toEqual([...acknowledged].sort());
    } finally {
      other.close();
    }
  });

  it('serves reads and writes in turn without leaving a batch open', async () => {
    for (let i = 0; i < 5; i++) {
      expect((await t.call('PUT', '/secrets/turns', { value: `t${i}` })).statusCode).toBe(200);
      expect((await t.call('GET', '/secrets/turns')).json<{ value: string }>().value).toBe(`t${i}`);
    }
    expect(t.store.commits.pending()).toBeUndefined();
  });
});
