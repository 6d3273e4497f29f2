import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MANAGED_IDENTITY_CLIENT_ID } from '../../../src/identity/index.js';
import { ConfigError, helpText, loadConfig } from '../../../src/server/config.js';

const MI_OID = 'cccccccc-0000-4000-8000-000000000003';

describe('config: declared identities and admins', () => {
  it('reads --managed-identity (repeatable), `system` and CLIENT_ID:OBJECT_ID', () => {
    const config = loadConfig(['--managed-identity', 'system', '--managed-identity', `mi-1:${MI_OID.toUpperCase()}`, '--principal', 'app:s'], {});
    expect(config.principals).toEqual([
      { clientId: 'app', secret: 's' },
      { clientId: DEFAULT_MANAGED_IDENTITY_CLIENT_ID, managedIdentity: true },
      { clientId: 'mi-1', managedIdentity: true, objectId: MI_OID },
    ]);
  });

  it('reads KYANITE_MANAGED_IDENTITY as a comma-separated list; the flag wins', () => {
    expect(loadConfig([], { KYANITE_MANAGED_IDENTITY: 'a, system' }).principals?.map((p) => p.clientId)).toEqual(['a', DEFAULT_MANAGED_IDENTITY_CLIENT_ID]);
    expect(loadConfig(['--managed-identity', 'b'], { KYANITE_MANAGED_IDENTITY: 'a' }).principals?.map((p) => p.clientId)).toEqual(['b']);
  });

  it('refuses a malformed managed identity and one declared twice', () => {
    expect(() => loadConfig(['--managed-identity', 'mi:not-a-guid'], {})).toThrow(ConfigError);
    expect(() => loadConfig(['--managed-identity', 'mi', '--principal', 'MI:secret'], {})).toThrow(/declared twice/);
  });

  it('reads managed identities from the principals file, without secrets', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kyanite-config-'));
    const file = path.join(dir, 'principals.json');
    const resourceId = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/u';
    try {
      fs.writeFileSync(file, JSON.stringify([{ clientId: 'app', secret: 's' }, { clientId: 'mi', managedIdentity: true, objectId: MI_OID, resourceId }]));
      expect(loadConfig(['--principals', file], {}).principals).toEqual([
        { clientId: 'app', secret: 's' },
        { clientId: 'mi', managedIdentity: true, objectId: MI_OID, resourceId },
      ]);
      fs.writeFileSync(file, JSON.stringify([{ clientId: 'mi', managedIdentity: true, secret: 's' }]));
      expect(() => loadConfig(['--principals', file], {})).toThrow(/managed identity: it has no secret/);
      fs.writeFileSync(file, JSON.stringify([{ clientId: 'app', secret: 's', resourceId }]));
      expect(() => loadConfig(['--principals', file], {})).toThrow(/for managed identities only/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names no admin unless told: default and "none" are nobody; `system` is the system-assigned identity', () => {
    expect(loadConfig(['--auth', 'strict', '--principal', 'app:s'], {}).adminPrincipals).toBeUndefined();
    expect(loadConfig(['--admin-principal', 'none'], {}).adminPrincipals).toEqual([]);
    expect(loadConfig(['--admin-principal', 'app', '--admin-principal', 'system'], {}).adminPrincipals).toEqual(['app', DEFAULT_MANAGED_IDENTITY_CLIENT_ID]);
    expect(() => loadConfig(['--auth', 'strict', '--admin-principal', 'ghost'], {})).toThrow(/'ghost' is not declared/);
    expect(() => loadConfig(['--auth', 'strict', '--admin-principal', 'system'], {})).toThrow(/is not declared/);
    expect(loadConfig(['--auth', 'strict', '--managed-identity', 'system', '--admin-principal', 'SYSTEM'], {}).adminPrincipals).toEqual([
      DEFAULT_MANAGED_IDENTITY_CLIENT_ID,
    ]);
    expect(helpText()).toMatch(/--managed-identity ID\[:OID\]/);
    expect(helpText()).toMatch(/default and "none": nobody/);
  });
});
