import { afterEach, describe, expect, it } from 'vitest';
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

  it('refuses an unknown export format', async () => {
    t = await buildTestApp();
    expect((await t.app.inject({ method: 'GET', url: '/_kyanite/export?format=xml' })).json().error.code).toBe('BadParameter');
  });
});
