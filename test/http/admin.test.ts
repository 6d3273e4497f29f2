import { afterEach, describe, expect, it } from 'vitest';
import { createClock } from '../../src/domain/clock.js';
import { createDomain } from '../../src/domain/index.js';
import { buildApp } from '../../src/server/app.js';
import { createPlanes } from '../../src/server/planes.js';
import { openStore } from '../../src/store/index.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('admin routes', () => {
  it('moves the clock forward and refuses anything but a number of seconds from 0', async () => {
    t = await buildTestApp();
    const before = (await t.app.inject({ method: 'GET', url: '/_kyanite/clock' })).json();
    expect(before.offsetSeconds).toBe(0);
    const moved = await t.app.inject({ method: 'POST', url: '/_kyanite/clock/advance', payload: { seconds: 86400 } });
    expect(moved.statusCode).toBe(200);
    expect(moved.json().offsetSeconds).toBe(86400);
    for (const payload of [{ seconds: -1 }, { seconds: 'soon' }, {}, '{"seconds":']) {
      const bad = await t.app.inject({ method: 'POST', url: '/_kyanite/clock/advance', payload, headers: { 'content-type': 'application/json' } });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.code).toBe('BadParameter');
    }
    expect((await t.app.inject({ method: 'GET', url: '/_kyanite/clock' })).json().offsetSeconds).toBe(86400);
  });

  it('refuses an unknown export format, and the export route under --auth strict', async () => {
    t = await buildTestApp();
    expect((await t.app.inject({ method: 'GET', url: '/_kyanite/export?format=xml' })).json().error.code).toBe('BadParameter');

    const store = openStore();
    const domain = createDomain(store, createClock());
    domain.vaults.ensure('default');
    const app = await buildApp({ domain, ...createPlanes({ domain, store, auth: 'strict' }) });
    try {
      const res = await app.inject({ method: 'GET', url: '/_kyanite/export' });
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe('Forbidden');
    } finally {
      await app.close();
      await domain.close();
      store.close();
    }
  });
});
