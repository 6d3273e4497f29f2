import { describe, expect, it } from 'vitest';
import { ARM_ROUTES, DATA_PLANE_ROUTES } from '../helpers/route-metadata.js';

/**
 * Route metadata lives on the routes (src/server/route-config.ts): the strict-mode permission check and the throttle
 * read it from request.routeOptions.config, so a data-plane route that lacks either would be refused in strict mode
 * or escape --throttle. This walks every registered data-plane route and fails on the first that lacks one.
 */

const THROTTLE_CLASSES = ['secretCreate', 'secretOther', 'keyCreate', 'keyOther'];

describe('data-plane route metadata', () => {
  it('walks the whole data plane', () => {
    expect(DATA_PLANE_ROUTES.length).toBeGreaterThan(70);
    expect(DATA_PLANE_ROUTES.some((r) => r.method === 'GET' && r.url === '/secrets/:name/:version?')).toBe(true);
  });

  it.each(DATA_PLANE_ROUTES.map((r) => [`${r.method} ${r.url}`, r] as const))('%s declares its permission and throttle class', (_, route) => {
    const { permission, throttle } = route.config;
    expect(permission, 'config.permission').toBeDefined();
    expect(THROTTLE_CLASSES, 'config.throttle').toContain(throttle);
    if (permission === 'open') return;
    // The permission is of the collection the path names: /deletedkeys/... needs a keys permission.
    const collection = /^\/(?:deleted)?(secrets|keys|certificates)\b/i.exec(route.url)?.[1]?.toLowerCase();
    expect(permission!.area).toBe(collection);
    expect(permission!.permission).toMatch(/^[a-z]+$/i);
    // Keys count in the service's key table, secrets and certificates in the other.
    expect(throttle!.startsWith('key')).toBe(collection === 'keys');
  });

  it('only random bytes are open to any authenticated caller', () => {
    expect(DATA_PLANE_ROUTES.filter((r) => r.config.permission === 'open').map((r) => `${r.method} ${r.url}`)).toEqual(['POST /rng']);
  });
});

describe('management-plane route metadata', () => {
  it('declares no throttle class (only the data plane is throttled) and opens only who-am-I lists to any caller', () => {
    expect(ARM_ROUTES.length).toBeGreaterThan(40);
    expect(ARM_ROUTES.filter((r) => r.config.throttle !== undefined)).toEqual([]);
    const declared = ARM_ROUTES.filter((r) => r.config.permission !== undefined).map((r) => `${r.method} ${r.url}: ${String(r.config.permission)}`);
    expect(declared.sort()).toEqual(['GET /providers/Microsoft.KeyVault/operations: open', 'GET /subscriptions: open', 'GET /tenants: open']);
  });
});
