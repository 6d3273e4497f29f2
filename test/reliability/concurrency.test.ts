import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { send, type Reply } from './child.js';

/**
 * Parallel clients on one name, over real HTTPS. Kyanite's writes are single SQLite transactions; these tests check
 * that requests interleaving between their awaits never leave a name half deleted, half restored, or answer 5xx.
 */
let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer();
});
afterAll(async () => ts.stop());

const call = (method: string, path: string, body?: unknown): Promise<Reply> => send(ts.port, ts.agent, method, path, body);

/** Follows nextLink to the end; returns every item. */
async function listAll(path: string): Promise<Array<{ id: string }>> {
  const items: Array<{ id: string }> = [];
  let next: string | null = path;
  for (let pages = 0; next && pages < 100; pages++) {
    const res = await call('GET', next);
    expect(res.status, res.text).toBe(200);
    const page = res.json() as { value: Array<{ id: string }>; nextLink: string | null };
    items.push(...page.value);
    next = page.nextLink ? new URL(page.nextLink).pathname + new URL(page.nextLink).search : null;
  }
  return items;
}

const lastSegment = (id: string) => id.slice(id.lastIndexOf('/') + 1);

describe('50 parallel writers on one secret', () => {
  it('make 50 distinct versions that list/versions, latest and each version agree on', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => call('PUT', '/secrets/one-name', { value: `value-${i}` })));
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(200));
    const written = new Map(results.map((r) => [lastSegment(r.json().id), r.json().value as string]));
    expect(written.size).toBe(50);

    const latest = (await call('GET', '/secrets/one-name')).json();
    expect(written.get(lastSegment(latest.id))).toBe(latest.value);

    const listed = await listAll('/secrets/one-name/versions?maxresults=7');
    expect(new Set(listed.map((v) => lastSegment(v.id)))).toEqual(new Set(written.keys()));
    expect(listed).toHaveLength(50);
    for (const [version, value] of [...written].slice(0, 10)) {
      expect((await call('GET', `/secrets/one-name/${version}`)).json().value).toBe(value);
    }
    console.log(`[concurrency] 50 parallel writers: ${written.size} distinct versions, ${listed.length} listed over ${Math.ceil(listed.length / 7)} pages`);
  });
});

type State = 'live' | 'deleted' | 'absent';

/** Every view of the name must tell the same story. */
async function observe(name: string): Promise<State> {
  const [live, deleted, liveList, deletedList, versions] = await Promise.all([
    call('GET', `/secrets/${name}`),
    call('GET', `/deletedsecrets/${name}`),
    listAll('/secrets'),
    listAll('/deletedsecrets'),
    call('GET', `/secrets/${name}/versions`),
  ]);
  const inLive = liveList.some((s) => lastSegment(s.id) === name);
  const inDeleted = deletedList.some((s) => lastSegment(s.id) === name);
  const views = { live: live.status, deleted: deleted.status, inLive, inDeleted, versions: versions.status };
  if (live.status === 200) {
    expect(views).toEqual({ live: 200, deleted: 404, inLive: true, inDeleted: false, versions: 200 });
    expect(versions.json().value.length).toBeGreaterThan(0);
    return 'live';
  }
  if (deleted.status === 200) {
    expect(views).toMatchObject({ live: 404, deleted: 200, inLive: false, inDeleted: true });
    return 'deleted';
  }
  expect(views).toMatchObject({ live: 404, deleted: 404, inLive: false, inDeleted: false });
  return 'absent';
}

describe('racing lifecycle operations on one name', () => {
  it('never answer 5xx and always leave the name live, deleted or absent', async () => {
    const name = 'raced';
    expect((await call('PUT', `/secrets/${name}`, { value: 'first' })).status).toBe(200);
    const backup = (await call('POST', `/secrets/${name}/backup`)).json().value as string;

    const ops: Array<[string, () => Promise<Reply>]> = [
      ['delete', () => call('DELETE', `/secrets/${name}`)],
      ['recover', () => call('POST', `/deletedsecrets/${name}/recover`)],
      ['purge', () => call('DELETE', `/deletedsecrets/${name}`)],
      ['restore', () => call('POST', '/secrets/restore', { value: backup })],
      ['set', () => call('PUT', `/secrets/${name}`, { value: `v-${Math.random()}` })],
    ];
    const statuses = new Map<string, number>();
    const states = new Map<State, number>();
    let requests = 0;
    for (let round = 0; round < 40; round++) {
      const batch = Array.from({ length: 12 }, () => ops[Math.floor(Math.random() * ops.length)]!);
      const replies = await Promise.all(batch.map(async ([op, run]) => [op, await run()] as const));
      for (const [op, r] of replies) {
        requests++;
        expect(r.status, `${op}: ${r.text}`).toBeLessThan(500);
        statuses.set(`${op} ${r.status}`, (statuses.get(`${op} ${r.status}`) ?? 0) + 1);
      }
      const state = await observe(name);
      states.set(state, (states.get(state) ?? 0) + 1);
    }
    console.log(
      `[concurrency] lifecycle race: ${requests} requests in 40 rounds of 12, no 5xx; end states ${JSON.stringify(Object.fromEntries(states))}; ` +
        `answers ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`,
    );
  });
});
