import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MANAGED_IDENTITY_CLIENT_ID,
  createPrincipalDirectory,
  objectIdFor,
  secretsMatch,
  uuidV5,
} from '../../../src/identity/principals.js';

const UUID_V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('object ids', () => {
  it('implements RFC 4122 version 5 (the DNS namespace example)', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('derives a stable, case-insensitive object id per client id', () => {
    const a = objectIdFor('8f2c0f0e-0000-4000-8000-00000000000a');
    expect(a).toMatch(UUID_V5);
    expect(objectIdFor('8F2C0F0E-0000-4000-8000-00000000000A')).toBe(a);
    expect(objectIdFor('other')).not.toBe(a);
    // Pinned: access policies written for this id must keep working across releases.
    expect(objectIdFor('app')).toBe(uuidV5('client:app'));
  });

  it('compares secrets of any length without throwing', () => {
    expect(secretsMatch('s3cret', 's3cret')).toBe(true);
    expect(secretsMatch('s3cret', 's3cret-longer')).toBe(false);
    expect(secretsMatch('', 'x')).toBe(false);
  });
});

describe('principal directory', () => {
  const declared = [
    { clientId: 'App-One', secret: 'one', displayName: 'first' },
    { clientId: 'pinned', objectId: 'aaaaaaaa-0000-4000-8000-000000000001' },
  ];

  it("gives any client a token in 'any' mode, keeping declared object ids", () => {
    const dir = createPrincipalDirectory(declared, 'any');
    expect(dir.authenticate('stranger', { secret: 'whatever' })).toEqual({
      ok: true,
      identity: { clientId: 'stranger', objectId: objectIdFor('stranger') },
    });
    expect(dir.authenticate('app-one', { secret: 'wrong' })).toEqual({
      ok: true,
      identity: { clientId: 'App-One', objectId: objectIdFor('App-One'), displayName: 'first' },
    });
    expect(dir.authenticate('pinned', { assertion: 'a.b.c' })).toMatchObject({
      ok: true,
      identity: { objectId: 'aaaaaaaa-0000-4000-8000-000000000001' },
    });
    expect(dir.authenticate('stranger', {})).toEqual({ ok: false, reason: 'missing-credential' });
  });

  it("accepts only declared clients with their secret in 'strict' mode", () => {
    const dir = createPrincipalDirectory(declared, 'strict');
    expect(dir.authenticate('APP-ONE', { secret: 'one' })).toMatchObject({ ok: true, identity: { clientId: 'App-One' } });
    expect(dir.authenticate('app-one', { secret: 'two' })).toEqual({ ok: false, reason: 'invalid-secret' });
    expect(dir.authenticate('app-one', {})).toEqual({ ok: false, reason: 'missing-credential' });
    expect(dir.authenticate('app-one', { assertion: 'jwt' })).toEqual({ ok: false, reason: 'assertion-not-supported' });
    expect(dir.authenticate('stranger', { secret: 'one' })).toEqual({ ok: false, reason: 'unknown-client' });
    // Declared without a secret: it pins an object id but cannot sign in with a secret.
    expect(dir.authenticate('pinned', { secret: '' })).toEqual({ ok: false, reason: 'invalid-secret' });
  });

  it('refuses duplicate or empty declarations', () => {
    expect(() => createPrincipalDirectory([{ clientId: 'a' }, { clientId: 'A' }])).toThrow(/declared twice/);
    expect(() => createPrincipalDirectory([{ clientId: '' }])).toThrow(/needs a clientId/);
  });

  it("'any' mode: undeclared managed identities as asked, selected by client id, object id or resource id", () => {
    const dir = createPrincipalDirectory([], 'any');
    expect(dir.managedIdentity({})).toEqual({
      clientId: DEFAULT_MANAGED_IDENTITY_CLIENT_ID,
      objectId: objectIdFor(DEFAULT_MANAGED_IDENTITY_CLIENT_ID),
    });
    expect(dir.managedIdentity({ clientId: 'mi-1' })).toEqual({ clientId: 'mi-1', objectId: objectIdFor('mi-1') });
    const byObject = dir.managedIdentity({ objectId: 'bbbbbbbb-0000-4000-8000-000000000002' })!;
    expect(byObject.objectId).toBe('bbbbbbbb-0000-4000-8000-000000000002');
    expect(dir.managedIdentity({ objectId: 'bbbbbbbb-0000-4000-8000-000000000002' })).toEqual(byObject);
    const res = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/mi';
    const byResource = dir.managedIdentity({ resourceId: res })!;
    expect(byResource).toMatchObject({ resourceId: res, objectId: objectIdFor(byResource.clientId) });
  });

  it('never issues a declared service principal through the managed-identity endpoints, in either mode', () => {
    for (const mode of ['any', 'strict'] as const) {
      const dir = createPrincipalDirectory(declared, mode);
      // By client id (any case), by its pinned object id, and by the object id derived for an unpinned one.
      expect(dir.managedIdentity({ clientId: 'app-one' }), mode).toBeUndefined();
      expect(dir.managedIdentity({ clientId: 'PINNED' }), mode).toBeUndefined();
      expect(dir.managedIdentity({ objectId: 'AAAAAAAA-0000-4000-8000-000000000001' }), mode).toBeUndefined();
      expect(dir.managedIdentity({ objectId: objectIdFor('App-One') }), mode).toBeUndefined();
    }
    expect(createPrincipalDirectory(declared, 'any').managedIdentity({ clientId: 'someone-else' })).toMatchObject({ clientId: 'someone-else' });
  });

  it("'strict' mode: only declared managed identities, by client id, object id or (only if declared) resource id", () => {
    const res = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/mi';
    const dir = createPrincipalDirectory(
      [
        ...declared,
        { clientId: DEFAULT_MANAGED_IDENTITY_CLIENT_ID, managedIdentity: true },
        { clientId: 'mi-user', managedIdentity: true, objectId: 'cccccccc-0000-4000-8000-000000000003', resourceId: res },
        { clientId: 'mi-plain', managedIdentity: true },
      ],
      'strict',
    );
    expect(dir.managedIdentity({})).toEqual({ clientId: DEFAULT_MANAGED_IDENTITY_CLIENT_ID, objectId: objectIdFor(DEFAULT_MANAGED_IDENTITY_CLIENT_ID) });
    const user = { clientId: 'mi-user', objectId: 'cccccccc-0000-4000-8000-000000000003', resourceId: res };
    expect(dir.managedIdentity({ clientId: 'MI-USER' })).toEqual(user);
    expect(dir.managedIdentity({ objectId: 'cccccccc-0000-4000-8000-000000000003' })).toEqual(user);
    expect(dir.managedIdentity({ resourceId: res.toLowerCase() })).toEqual(user);
    expect(dir.managedIdentity({ objectId: objectIdFor('mi-plain') })).toEqual({ clientId: 'mi-plain', objectId: objectIdFor('mi-plain') });
    // Undeclared: refused, whatever names it.
    expect(dir.managedIdentity({ clientId: 'mi-1' })).toBeUndefined();
    expect(dir.managedIdentity({ objectId: 'bbbbbbbb-0000-4000-8000-000000000002' })).toBeUndefined();
    expect(dir.managedIdentity({ resourceId: `${res}-other` })).toBeUndefined();
    // Without `system` declared, a caller naming no identity gets none.
    expect(createPrincipalDirectory(declared, 'strict').managedIdentity({})).toBeUndefined();
    // A managed identity signs in nowhere else: it has no secret.
    expect(dir.authenticate('mi-user', { secret: '' })).toEqual({ ok: false, reason: 'invalid-secret' });
  });

  it('finds declared principals and the object ids their tokens carry', () => {
    const dir = createPrincipalDirectory(declared, 'strict');
    expect(dir.find('PINNED')?.objectId).toBe('aaaaaaaa-0000-4000-8000-000000000001');
    expect(dir.find('nobody')).toBeUndefined();
    expect(dir.objectIdOf('pinned')).toBe('aaaaaaaa-0000-4000-8000-000000000001');
    expect(dir.objectIdOf('nobody')).toBe(objectIdFor('nobody'));
  });

  it('refuses a managed identity with a secret or with a service principal\'s object id', () => {
    expect(() => createPrincipalDirectory([{ clientId: 'mi', managedIdentity: true, secret: 's' }])).toThrow(/cannot have a secret/);
    expect(() =>
      createPrincipalDirectory([...declared, { clientId: 'mi', managedIdentity: true, objectId: 'aaaaaaaa-0000-4000-8000-000000000001' }]),
    ).toThrow(/object id of a service principal/);
  });
});
