import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TENANT_ID } from '../../src/domain/vaults.js';
import {
  DEFAULT_MANAGED_IDENTITY_CLIENT_ID,
  generateSigningKeyJwk,
  issueAccessToken,
  loadSigningKey,
  objectIdFor,
  signingKeyFromJwk,
  type SigningKey,
} from '../../src/identity/index.js';
import { PERMISSION_TABLE, requiredPermission } from '../helpers/route-metadata.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * --auth strict end to end over the real server (requests injected, so hosts and ports are whatever the test says):
 * every bad token is 401 with the challenge, every operation outside the caller's access policy or role
 * assignments is 403 with the service's body.
 */

const PORT = '8443';
const KV = `kv1.vault.localhost:${PORT}`;
const ARM = `localhost:${PORT}`;
const SUB = DEFAULT_TENANT_ID; // the default subscription id is the same all-zero GUID
const ADMIN = { clientId: 'admin-app', secret: 'admin-secret' };
const LIMITED = { clientId: 'limited-app', secret: 'limited-secret', objectId: '5b0c3f1e-2f43-4a7e-9d7c-0c1f4f0a9e11' };
const MI_HEADER = 'kyanite';
const SYSTEM_MI = { clientId: DEFAULT_MANAGED_IDENTITY_CLIENT_ID, managedIdentity: true };
/** Identities that hold only the management roles the ARM tests give them. */
const READER = { clientId: 'reader-app', secret: 'reader-secret', objectId: '5b0c3f1e-2f43-4a7e-9d7c-0c1f4f0a9e21' };
const CONTRIBUTOR = { clientId: 'contributor-app', secret: 'contributor-secret', objectId: '5b0c3f1e-2f43-4a7e-9d7c-0c1f4f0a9e22' };
const KV_CONTRIBUTOR = { clientId: 'kv-contributor-app', secret: 'kvc-secret', objectId: '5b0c3f1e-2f43-4a7e-9d7c-0c1f4f0a9e23' };
const VAULT_OWNER = { clientId: 'vault-owner-app', secret: 'owner-secret', objectId: '5b0c3f1e-2f43-4a7e-9d7c-0c1f4f0a9e24' };

let server: TestServer;
let keys: SigningKey;
const tokens = new Map<string, string>();

const inject = (opts: InjectOptions): Promise<LightMyRequestResponse> => server.k.app.inject(opts);
const body = (res: LightMyRequestResponse) => JSON.parse(res.body) as { error: { code: string; message: string; innererror?: { code: string } } };

/** A token from the token service itself, as a client would get it (ADFS v1 endpoint, `resource`). */
async function tokenFor(who: { clientId: string; secret: string }, resource: string): Promise<string> {
  const key = `${who.clientId} ${resource}`;
  const cached = tokens.get(key);
  if (cached) return cached;
  const res = await inject({
    method: 'POST',
    url: '/adfs/oauth2/token',
    headers: { host: ARM, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ grant_type: 'client_credentials', client_id: who.clientId, client_secret: who.secret, resource }).toString(),
  });
  expect(res.statusCode, res.body).toBe(200);
  const token = (JSON.parse(res.body) as { access_token: string }).access_token;
  tokens.set(key, token);
  return token;
}

/** A token signed with `key` (ours unless a forger's), with any claims the test wants. */
function mint(overrides: { audience?: string; tenantId?: string; nowMs?: number; key?: SigningKey } = {}): string {
  return issueAccessToken(
    {
      host: ARM,
      flavor: 'v1',
      tenantId: overrides.tenantId ?? DEFAULT_TENANT_ID,
      audience: overrides.audience ?? `https://vault.localhost:${PORT}`,
      clientId: ADMIN.clientId,
      objectId: objectIdFor(ADMIN.clientId),
      nowMs: overrides.nowMs ?? server.k.clock.now(),
    },
    overrides.key ?? keys,
  ).token;
}

const dataCall = (token: string | undefined, method: InjectOptions['method'], path: string, host = KV, payload?: unknown) =>
  inject({
    method,
    url: `${path}${path.includes('?') ? '&' : '?'}api-version=7.5`,
    headers: { host, ...(token && { authorization: `Bearer ${token}` }) },
    ...(payload !== undefined && { payload: payload as InjectOptions['payload'] }),
  });

const armCall = (token: string, method: InjectOptions['method'], path: string, payload?: unknown, version = '2023-07-01') =>
  inject({
    method,
    url: `${path}?api-version=${version}`,
    headers: { host: ARM, authorization: `Bearer ${token}` },
    ...(payload !== undefined && { payload: payload as InjectOptions['payload'] }),
  });

const vaultPath = (name: string, group = 'rg-strict') => `/subscriptions/${SUB}/resourceGroups/${group}/providers/Microsoft.KeyVault/vaults/${name}`;

beforeAll(async () => {
  server = await startTestServer({ auth: 'strict', principals: [ADMIN, LIMITED, SYSTEM_MI, READER, CONTRIBUTOR, KV_CONTRIBUTOR, VAULT_OWNER], adminPrincipals: [ADMIN.clientId] });
  keys = loadSigningKey(server.k.store.settings);
});
afterAll(async () => {
  await server?.stop();
});

describe('strict mode: tokens on the data plane', () => {
  const forger = signingKeyFromJwk(generateSigningKeyJwk());
  const cases: { name: string; token: () => string | undefined; message: RegExp }[] = [
    { name: 'no token', token: () => undefined, message: /^AKV10000: / },
    { name: 'malformed', token: () => 'not-a-jwt', message: /^AKV10005: / },
    { name: 'a JWT of another shape', token: () => `${Buffer.from('{"alg":"none"}').toString('base64url')}.e30.`, message: /^AKV10005: / },
    { name: 'forged signature', token: () => mint({ key: forger }), message: /^AKV10013: Invalid signature/ },
    { name: 'expired', token: () => mint({ nowMs: server.k.clock.now() - 2 * 3600_000 }), message: /^AKV10015: Token expired/ },
    { name: 'not yet valid', token: () => mint({ nowMs: server.k.clock.now() + 3600_000 }), message: /^AKV10014: / },
    {
      name: 'wrong audience',
      token: () => mint({ audience: 'https://management.azure.com/' }),
      message: /^AKV10022: Invalid audience\. Expected https:\/\/vault\.localhost:8443, found: https:\/\/management\.azure\.com\/\./,
    },
    { name: 'other tenant', token: () => mint({ tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47' }), message: /^AKV10032: Invalid issuer/ },
  ];
  it.each(cases)('$name → 401 Unauthorized with the challenge', async ({ token, message }) => {
    const res = await dataCall(token(), 'GET', '/secrets');
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe(`Bearer authorization="https://localhost:${PORT}/", resource="https://vault.localhost:${PORT}"`);
    expect(body(res).error.code).toBe('Unauthorized');
    expect(body(res).error.message).toMatch(message);
  });

  it.each([`https://vault.localhost:${PORT}`, 'https://vault.localhost', 'https://vault.azure.net', `https://vault.localhost:${PORT}/`])(
    'accepts the audience %s on a vault host',
    async (audience) => {
      expect((await dataCall(mint({ audience }), 'GET', '/secrets')).statusCode).toBe(200);
    },
  );

  it('on localhost (vault "default") the audience is the real service resource', async () => {
    expect((await dataCall(mint({ audience: 'https://vault.azure.net' }), 'GET', '/secrets', ARM)).statusCode).toBe(200);
    const res = await dataCall(mint({ audience: `https://vault.localhost:${PORT}` }), 'GET', '/secrets', ARM);
    expect(res.statusCode).toBe(401);
    expect(body(res).error.message).toMatch(/^AKV10022: Invalid audience\. Expected https:\/\/vault\.azure\.net/);
  });

  it('a token from the token service passes; the admin has the pre-made vaults, others do not', async () => {
    const admin = await tokenFor(ADMIN, `https://vault.localhost:${PORT}`);
    expect((await dataCall(admin, 'PUT', '/secrets/s1', KV, { value: 'v' })).statusCode).toBe(200);
    const limited = await tokenFor(LIMITED, `https://vault.localhost:${PORT}`);
    const res = await dataCall(limited, 'GET', '/secrets/s1');
    expect(res.statusCode).toBe(403);
    expect(body(res)).toEqual({
      error: {
        code: 'Forbidden',
        message:
          `The user, group or application 'appid=${LIMITED.clientId};oid=${LIMITED.objectId};iss=https://${ARM}/adfs' does not have ` +
          "secrets get permission on key vault 'kv1;location=local'. For help resolving this issue, please see " +
          'https://go.microsoft.com/fwlink/?linkid=2125287',
        innererror: { code: 'ForbiddenByPolicy' },
      },
    });
  });

  it('a declared managed identity gets a token (strict header) but no permission nobody gave it', async () => {
    const res = await inject({
      method: 'GET',
      url: '/msi/token?api-version=2019-08-01&resource=https://vault.azure.net',
      headers: { host: ARM, 'x-identity-header': MI_HEADER },
    });
    expect(res.statusCode).toBe(200);
    const token = (JSON.parse(res.body) as { access_token: string }).access_token;
    // adminPrincipals names only admin-app here: declaring the managed identity gave it nothing, so policy refuses it.
    const denied = await dataCall(token, 'GET', '/secrets', ARM);
    expect(denied.statusCode).toBe(403);
    expect(body(denied).error.innererror?.code).toBe('ForbiddenByPolicy');
  });
});

describe('strict mode: tokens on the management plane', () => {
  const forger = signingKeyFromJwk(generateSigningKeyJwk());
  const arm = (audience = `https://localhost:${PORT}/`) => ({ audience });
  const cases: { name: string; token: () => string; code: string }[] = [
    { name: 'malformed', token: () => 'opaque-token', code: 'InvalidAuthenticationToken' },
    { name: 'forged signature', token: () => mint({ ...arm(), key: forger }), code: 'InvalidAuthenticationToken' },
    { name: 'expired', token: () => mint({ ...arm(), nowMs: server.k.clock.now() - 2 * 3600_000 }), code: 'ExpiredAuthenticationToken' },
    { name: 'wrong audience', token: () => mint(arm('https://vault.azure.net')), code: 'InvalidAuthenticationTokenAudience' },
    { name: 'other tenant', token: () => mint({ ...arm(), tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47' }), code: 'InvalidAuthenticationTokenTenant' },
  ];
  it.each(cases)('$name → 401 $code', async ({ token, code }) => {
    const res = await armCall(token(), 'GET', `/subscriptions/${SUB}/resourcegroups`, undefined, '2022-09-01');
    expect(res.statusCode).toBe(401);
    expect(body(res).error.code).toBe(code);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer authorization_uri="https:\/\/localhost:8443\/", error="invalid_token"/);
  });

  it.each([`https://localhost:${PORT}/`, `https://localhost:${PORT}`, `https://localhost:${PORT}//`, 'https://management.azure.com/', 'https://management.core.windows.net/'])(
    'accepts the management audience %s',
    async (audience) => {
      expect((await armCall(mint({ audience }), 'GET', `/subscriptions/${SUB}/resourcegroups`, undefined, '2022-09-01')).statusCode).toBe(200);
    },
  );
});

describe('strict mode: access policies, operation by operation', () => {
  const VAULT = 'kv-policy';
  const HOST = `${VAULT}.vault.localhost:${PORT}`;

  /** Every routed secrets and keys operation, with the permission the service documents for it. */
  const operations: { method: InjectOptions['method']; path: string; area: 'secrets' | 'keys'; permission: string }[] = [
    { method: 'GET', path: '/secrets', area: 'secrets', permission: 'list' },
    { method: 'PUT', path: '/secrets/s1', area: 'secrets', permission: 'set' },
    { method: 'GET', path: '/secrets/s1', area: 'secrets', permission: 'get' },
    { method: 'GET', path: '/secrets/s1/0123456789abcdef0123456789abcdef', area: 'secrets', permission: 'get' },
    { method: 'PATCH', path: '/secrets/s1/0123456789abcdef0123456789abcdef', area: 'secrets', permission: 'set' },
    { method: 'GET', path: '/secrets/s1/versions', area: 'secrets', permission: 'list' },
    { method: 'DELETE', path: '/secrets/s1', area: 'secrets', permission: 'delete' },
    { method: 'POST', path: '/secrets/s1/backup', area: 'secrets', permission: 'backup' },
    { method: 'POST', path: '/secrets/restore', area: 'secrets', permission: 'restore' },
    { method: 'GET', path: '/deletedsecrets', area: 'secrets', permission: 'list' },
    { method: 'GET', path: '/deletedsecrets/s1', area: 'secrets', permission: 'get' },
    { method: 'DELETE', path: '/deletedsecrets/s1', area: 'secrets', permission: 'purge' },
    { method: 'POST', path: '/deletedsecrets/s1/recover', area: 'secrets', permission: 'recover' },
    { method: 'GET', path: '/keys', area: 'keys', permission: 'list' },
    { method: 'POST', path: '/keys/k1/create', area: 'keys', permission: 'create' },
    { method: 'PUT', path: '/keys/k1', area: 'keys', permission: 'import' },
    { method: 'GET', path: '/keys/k1', area: 'keys', permission: 'get' },
    { method: 'PATCH', path: '/keys/k1/0123456789abcdef0123456789abcdef', area: 'keys', permission: 'update' },
    { method: 'DELETE', path: '/keys/k1', area: 'keys', permission: 'delete' },
    { method: 'GET', path: '/keys/k1/versions', area: 'keys', permission: 'list' },
    { method: 'POST', path: '/keys/k1/backup', area: 'keys', permission: 'backup' },
    { method: 'POST', path: '/keys/restore', area: 'keys', permission: 'restore' },
    { method: 'POST', path: '/keys/k1/rotate', area: 'keys', permission: 'rotate' },
    { method: 'GET', path: '/keys/k1/rotationpolicy', area: 'keys', permission: 'getrotationpolicy' },
    { method: 'PUT', path: '/keys/k1/rotationpolicy', area: 'keys', permission: 'setrotationpolicy' },
    { method: 'GET', path: '/deletedkeys', area: 'keys', permission: 'list' },
    { method: 'GET', path: '/deletedkeys/k1', area: 'keys', permission: 'get' },
    { method: 'DELETE', path: '/deletedkeys/k1', area: 'keys', permission: 'purge' },
    { method: 'POST', path: '/deletedkeys/k1/recover', area: 'keys', permission: 'recover' },
    { method: 'POST', path: '/keys/k1/sign', area: 'keys', permission: 'sign' },
    { method: 'POST', path: '/keys/k1/0123456789abcdef0123456789abcdef/verify', area: 'keys', permission: 'verify' },
    { method: 'POST', path: '/keys/k1/encrypt', area: 'keys', permission: 'encrypt' },
    { method: 'POST', path: '/keys/k1/0123456789abcdef0123456789abcdef/decrypt', area: 'keys', permission: 'decrypt' },
    { method: 'POST', path: '/keys/k1/wrapkey', area: 'keys', permission: 'wrapKey' },
    { method: 'POST', path: '/keys/k1/unwrapkey', area: 'keys', permission: 'unwrapKey' },
  ];
  const ALL = {
    secrets: ['get', 'list', 'set', 'delete', 'backup', 'restore', 'recover', 'purge'],
    keys: ['get', 'list', 'create', 'import', 'update', 'delete', 'backup', 'restore', 'recover', 'purge', 'rotate', 'getrotationpolicy', 'setrotationpolicy', 'release', 'sign', 'verify', 'encrypt', 'decrypt', 'wrapKey', 'unwrapKey'],
  };

  let limited: string;
  const setPolicy = (permissions: Record<string, string[]>, extra: Record<string, unknown> = {}) => {
    const vault = server.k.domain.vaults.find(VAULT)!;
    server.k.domain.vaults.save(VAULT, {
      ...vault.properties,
      accessPolicies: [{ tenantId: DEFAULT_TENANT_ID, objectId: LIMITED.objectId, permissions, ...extra }],
    });
  };

  beforeAll(async () => {
    const admin = await tokenFor(ADMIN, `https://localhost:${PORT}/`);
    const res = await armCall(admin, 'PUT', vaultPath(VAULT), {
      location: 'westeurope',
      properties: { tenantId: DEFAULT_TENANT_ID, sku: { family: 'A', name: 'standard' }, accessPolicies: [] },
    });
    expect(res.statusCode, res.body).toBe(201);
    limited = await tokenFor(LIMITED, `https://vault.localhost:${PORT}`);
  });

  it('every operation here has a row in the permission table', () => {
    for (const op of operations) {
      const routed = server.k.app.findRoute({ method: op.method as 'GET', url: op.path.replace(/s1|k1/, ':name').replace(/[0-9a-f]{32}/, ':version') });
      expect(routed, `${op.method} ${op.path}`).not.toBeNull();
      expect(requiredPermission(op.method as string, op.path.replace(/\b(s1|k1)\b/g, ':n').replace(/[0-9a-f]{32}/, ':v'))).toMatchObject({
        area: op.area,
        permission: op.permission,
      });
    }
    expect(PERMISSION_TABLE.length).toBeGreaterThan(70);
    expect(requiredPermission('POST', '/rng')).toBe('open');
    expect(requiredPermission('GET', '/certificates/:name/:version?')).toMatchObject({ area: 'certificates', permission: 'get' });
    expect(requiredPermission('GET', '/certificates/issuers/{issuer-name}')).toMatchObject({ permission: 'getissuers' });
  });

  it.each(operations)('$method $path needs $area/$permission: 403 without it, through with only it', async (op) => {
    setPolicy({ [op.area]: ALL[op.area].filter((p) => p.toLowerCase() !== op.permission.toLowerCase()) });
    const denied = await dataCall(limited, op.method, op.path, HOST, {});
    expect(denied.statusCode).toBe(403);
    expect(body(denied).error).toEqual({
      code: 'Forbidden',
      message: expect.stringContaining(
        `'appid=${LIMITED.clientId};oid=${LIMITED.objectId};iss=https://${ARM}/adfs' does not have ${op.area} ${op.permission.toLowerCase()} ` +
          `permission on key vault '${VAULT};location=westeurope'.`,
      ),
      innererror: { code: 'ForbiddenByPolicy' },
    });

    setPolicy({ [op.area]: [op.permission] });
    const allowed = await dataCall(limited, op.method, op.path, HOST, {});
    expect(allowed.statusCode, allowed.body).not.toBe(403);
    expect(allowed.statusCode).not.toBe(401);
  });

  it("'all' grants everything of its kind and nothing of the others", async () => {
    setPolicy({ secrets: ['All'] });
    expect((await dataCall(limited, 'PUT', '/secrets/s2', HOST, { value: 'x' })).statusCode).toBe(200);
    expect((await dataCall(limited, 'GET', '/secrets/s2', HOST)).statusCode).toBe(200);
    expect((await dataCall(limited, 'GET', '/keys', HOST)).statusCode).toBe(403);
  });

  it('a compound entry (object + application) applies only to that application', async () => {
    setPolicy({ secrets: ['all'] }, { applicationId: '11111111-2222-3333-4444-555555555555' });
    expect((await dataCall(limited, 'GET', '/secrets', HOST)).statusCode).toBe(403);
    setPolicy({ secrets: ['all'] }, { applicationId: undefined });
  });

  it('an entry for another tenant does not apply', async () => {
    const vault = server.k.domain.vaults.find(VAULT)!;
    server.k.domain.vaults.save(VAULT, {
      ...vault.properties,
      accessPolicies: [{ tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47', objectId: LIMITED.objectId, permissions: { secrets: ['all'] } }],
    });
    expect((await dataCall(limited, 'GET', '/secrets', HOST)).statusCode).toBe(403);
  });
});

describe('strict mode: RBAC vaults and role assignments', () => {
  const VAULT = 'kv-rbac';
  const GROUP = 'rg-rbac';
  const HOST = `${VAULT}.vault.localhost:${PORT}`;
  const SECRETS_USER = '4633458b-17de-408a-b874-0445c86b69e6';
  const SECRETS_OFFICER = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7';
  const ASSIGN_1 = '0f3a6a80-1111-4c1e-9b7e-000000000001';
  const ASSIGN_2 = '0f3a6a80-1111-4c1e-9b7e-000000000002';
  const roleId = (guid: string) => `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;
  let admin: string;
  let adminData: string;
  let limited: string;

  beforeAll(async () => {
    admin = await tokenFor(ADMIN, `https://localhost:${PORT}/`);
    adminData = await tokenFor(ADMIN, `https://vault.localhost:${PORT}`);
    limited = await tokenFor(LIMITED, `https://vault.localhost:${PORT}`);
    const res = await armCall(admin, 'PUT', vaultPath(VAULT, GROUP), {
      location: 'local',
      // An access policy here must not matter: RBAC vaults ignore them, as the service does.
      properties: {
        tenantId: DEFAULT_TENANT_ID,
        sku: { family: 'A', name: 'standard' },
        enableRbacAuthorization: true,
        accessPolicies: [{ tenantId: DEFAULT_TENANT_ID, objectId: LIMITED.objectId, permissions: { secrets: ['all'] } }],
      },
    });
    expect(res.statusCode, res.body).toBe(201);
  });

  it('without an assignment everyone is refused with ForbiddenByRbac, the admin too', async () => {
    for (const token of [limited, adminData]) {
      const res = await dataCall(token, 'GET', '/secrets/s1', HOST);
      expect(res.statusCode).toBe(403);
      const error = body(res).error;
      expect(error.code).toBe('Forbidden');
      expect(error.innererror).toEqual({ code: 'ForbiddenByRbac' });
      expect(error.message).toMatch(/^Caller is not authorized to perform action on resource\.\r\n/);
      expect(error.message).toContain("Action: 'Microsoft.KeyVault/vaults/secrets/getSecret/action'");
      expect(error.message).toContain(`Resource: '${vaultPath(VAULT, GROUP).toLowerCase()}/secrets/s1'`);
      expect(error.message).toContain(`Vault: ${VAULT};location=local`);
    }
  });

  it('Secrets User at the vault reads but cannot write; Secrets Officer at the group writes; deleting takes it back', async () => {
    const put = await armCall(admin, 'PUT', `${vaultPath(VAULT, GROUP)}/providers/Microsoft.Authorization/roleAssignments/${ASSIGN_1}`, {
      properties: { roleDefinitionId: roleId(SECRETS_USER), principalId: LIMITED.objectId, principalType: 'ServicePrincipal' },
    }, '2022-04-01');
    expect(put.statusCode, put.body).toBe(201);
    expect(JSON.parse(put.body)).toMatchObject({
      id: `${vaultPath(VAULT, GROUP)}/providers/Microsoft.Authorization/roleAssignments/${ASSIGN_1}`,
      name: ASSIGN_1,
      type: 'Microsoft.Authorization/roleAssignments',
      properties: { roleDefinitionId: roleId(SECRETS_USER), principalId: LIMITED.objectId, scope: vaultPath(VAULT, GROUP) },
    });

    expect((await dataCall(limited, 'GET', '/secrets', HOST)).statusCode).toBe(200);
    expect((await dataCall(limited, 'GET', '/secrets/missing', HOST)).statusCode).toBe(404);
    const write = await dataCall(limited, 'PUT', '/secrets/s1', HOST, { value: 'v' });
    expect(write.statusCode).toBe(403);
    expect(body(write).error.message).toContain("Action: 'Microsoft.KeyVault/vaults/secrets/setSecret/action'");
    expect((await dataCall(limited, 'GET', '/keys', HOST)).statusCode).toBe(403);

    const groupScope = `/subscriptions/${SUB}/resourceGroups/${GROUP}`;
    const officer = await armCall(admin, 'PUT', `${groupScope}/providers/Microsoft.Authorization/roleAssignments/${ASSIGN_2}`, {
      properties: { roleDefinitionId: roleId(SECRETS_OFFICER), principalId: LIMITED.objectId },
    }, '2022-04-01');
    expect(officer.statusCode, officer.body).toBe(201);
    expect((await dataCall(limited, 'PUT', '/secrets/s1', HOST, { value: 'v' })).statusCode).toBe(200);

    const listed = await armCall(admin, 'GET', `${vaultPath(VAULT, GROUP)}/providers/Microsoft.Authorization/roleAssignments`, undefined, '2022-04-01');
    expect((JSON.parse(listed.body) as { value: { name: string }[] }).value.map((a) => a.name).sort()).toEqual([ASSIGN_1, ASSIGN_2]);
    const got = await armCall(admin, 'GET', `${groupScope}/providers/Microsoft.Authorization/roleAssignments/${ASSIGN_2}`, undefined, '2022-04-01');
    expect(got.statusCode).toBe(200);

    expect((await armCall(admin, 'DELETE', `${groupScope}/providers/Microsoft.Authorization/roleAssignments/${ASSIGN_2}`, undefined, '2022-04-01')).statusCode).toBe(200);
    expect((await armCall(admin, 'DELETE', `${groupScope}/providers/Microsoft.Authorization/roleAssignments/${ASSIGN_2}`, undefined, '2022-04-01')).statusCode).toBe(204);
    expect((await dataCall(limited, 'PUT', '/secrets/s1', HOST, { value: 'v2' })).statusCode).toBe(403);
    expect((await dataCall(limited, 'GET', '/secrets/s1', HOST)).statusCode).toBe(200);
  });

  it('refuses unknown roles, non-GUID names and a second assignment of the same role', async () => {
    const at = (name: string) => `${vaultPath(VAULT, GROUP)}/providers/Microsoft.Authorization/roleAssignments/${name}`;
    const unknown = await armCall(admin, 'PUT', at('0f3a6a80-1111-4c1e-9b7e-000000000003'), {
      properties: { roleDefinitionId: roleId('00000000-1111-2222-3333-444444444444'), principalId: LIMITED.objectId },
    }, '2022-04-01');
    expect(unknown.statusCode).toBe(404);
    expect(body(unknown).error.code).toBe('RoleDefinitionDoesNotExist');
    const badName = await armCall(admin, 'PUT', at('not-a-guid'), { properties: { roleDefinitionId: roleId(SECRETS_USER), principalId: LIMITED.objectId } }, '2022-04-01');
    expect(body(badName).error.code).toBe('InvalidRoleAssignmentId');
    const twice = await armCall(admin, 'PUT', at('0f3a6a80-1111-4c1e-9b7e-000000000004'), {
      properties: { roleDefinitionId: roleId(SECRETS_USER), principalId: LIMITED.objectId },
    }, '2022-04-01');
    expect(twice.statusCode).toBe(409);
    expect(body(twice).error.code).toBe('RoleAssignmentExists');
  });

  it('lists the built-in role definitions by name, as `az role assignment create --role NAME` looks them up', async () => {
    const res = await armCall(admin, 'GET', `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions`, undefined, '2022-04-01');
    const all = (JSON.parse(res.body) as { value: { name: string; properties: { roleName: string } }[] }).value;
    expect(Object.fromEntries(all.map((r) => [r.properties.roleName, r.name]))).toMatchObject({
      'Key Vault Administrator': '00482a5a-887f-4fb3-b363-3b7fe8e74483',
      'Key Vault Secrets Officer': SECRETS_OFFICER,
      'Key Vault Secrets User': SECRETS_USER,
      'Key Vault Crypto Officer': '14b46e9e-c2b7-41b4-b07b-48a6ebf60603',
      'Key Vault Crypto User': '12338af0-0e69-4776-bea7-57ae8d297424',
      'Key Vault Certificates Officer': 'a4417e6f-fecd-4de8-b567-7b0420556985',
      'Key Vault Reader': '21090545-7ca7-4776-b22c-e363652d74d2',
    });
  });
});

describe('strict mode: ARM authorization (role assignments at subscription, group and vault scope)', () => {
  const ROLES = {
    owner: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
    contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
    reader: 'acdd72a7-3385-48ef-bd42-f606fba81ae7',
    kvContributor: 'f25e0fa2-a7c8-4377-a976-54943a77a395',
  };
  const roleId = (guid: string) => `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;
  const assignmentAt = (scope: string, name: string) => `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`;
  const SUB_SCOPE = `/subscriptions/${SUB}`;
  const GROUP = 'rg-arm';
  const GROUP_SCOPE = `${SUB_SCOPE}/resourceGroups/${GROUP}`;
  const vaultBody = { location: 'westeurope', properties: { tenantId: DEFAULT_TENANT_ID, sku: { family: 'A', name: 'standard' }, accessPolicies: [] } };
  const V = '2022-04-01';
  let admin: string;
  const armToken = (who: { clientId: string; secret: string }) => tokenFor(who, `https://localhost:${PORT}/`);

  /** The service's AuthorizationFailed, word for word. */
  const expectAuthorizationFailed = (res: LightMyRequestResponse, oid: string, action: string, scope: string) => {
    expect(res.statusCode, res.body).toBe(403);
    expect(body(res)).toEqual({
      error: {
        code: 'AuthorizationFailed',
        message:
          `The client '${oid}' with object id '${oid}' does not have authorization to perform action '${action}' over scope ` +
          `'${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
      },
    });
  };

  const assign = async (scope: string, name: string, role: string, principalId: string) => {
    const res = await armCall(admin, 'PUT', assignmentAt(scope, name), { properties: { roleDefinitionId: roleId(role), principalId } }, V);
    expect(res.statusCode, res.body).toBe(201);
  };

  beforeAll(async () => {
    admin = await armToken(ADMIN);
    // The admin principal is Owner of the subscription: it makes the group, a vault in it, and the assignments.
    expect((await armCall(admin, 'PUT', GROUP_SCOPE, { location: 'westeurope' }, '2022-09-01')).statusCode).toBe(201);
    expect((await armCall(admin, 'PUT', vaultPath('kv-arm', GROUP), vaultBody)).statusCode).toBe(201);
    await assign(SUB_SCOPE, '1a2b3c4d-0000-4000-8000-000000000001', ROLES.reader, READER.objectId);
    await assign(GROUP_SCOPE, '1a2b3c4d-0000-4000-8000-000000000002', ROLES.contributor, CONTRIBUTOR.objectId);
    await assign(SUB_SCOPE, '1a2b3c4d-0000-4000-8000-000000000003', ROLES.kvContributor, KV_CONTRIBUTOR.objectId);
    await assign(vaultPath('kv-arm', GROUP), '1a2b3c4d-0000-4000-8000-000000000004', ROLES.owner, VAULT_OWNER.objectId);
  });

  it('a valid token without a role cannot add itself to a vault\'s access policies, nor make itself Owner', async () => {
    const limited = await armToken(LIMITED);
    const addPath = `${vaultPath('kv-arm', GROUP)}/accessPolicies/add`;
    const add = await armCall(limited, 'PUT', addPath, {
      properties: { accessPolicies: [{ tenantId: DEFAULT_TENANT_ID, objectId: LIMITED.objectId, permissions: { secrets: ['all'] } }] },
    });
    expectAuthorizationFailed(add, LIMITED.objectId, 'Microsoft.KeyVault/vaults/accessPolicies/write', addPath);
    const selfOwner = assignmentAt(SUB_SCOPE, '1a2b3c4d-0000-4000-8000-0000000000ff');
    const own = await armCall(limited, 'PUT', selfOwner, { properties: { roleDefinitionId: roleId(ROLES.owner), principalId: LIMITED.objectId } }, V);
    expectAuthorizationFailed(own, LIMITED.objectId, 'Microsoft.Authorization/roleAssignments/write', selfOwner);
    expectAuthorizationFailed(await armCall(limited, 'GET', vaultPath('kv-arm', GROUP)), LIMITED.objectId, 'Microsoft.KeyVault/vaults/read', vaultPath('kv-arm', GROUP));
    const names = `${SUB_SCOPE}/providers/Microsoft.KeyVault/checkNameAvailability`;
    const check = await armCall(limited, 'POST', names, { name: 'kv-free', type: 'Microsoft.KeyVault/vaults' });
    expectAuthorizationFailed(check, LIMITED.objectId, 'Microsoft.KeyVault/checkNameAvailability/read', names);
    // What any signed-in caller may read: its subscriptions, its tenants, the provider's operations.
    expect((await armCall(limited, 'GET', '/subscriptions', undefined, '2022-12-01')).statusCode).toBe(200);
    expect((await armCall(limited, 'GET', '/tenants', undefined, '2022-12-01')).statusCode).toBe(200);
    expect((await armCall(limited, 'GET', '/providers/Microsoft.KeyVault/operations')).statusCode).toBe(200);
    // Nothing was written.
    const vault = server.k.domain.vaults.find('kv-arm')!;
    expect(vault.properties['accessPolicies']).toEqual([]);
  });

  it('Reader at the subscription reads everything and writes nothing', async () => {
    const reader = await armToken(READER);
    expect((await armCall(reader, 'GET', vaultPath('kv-arm', GROUP))).statusCode).toBe(200);
    expect((await armCall(reader, 'GET', `${SUB_SCOPE}/resourcegroups`, undefined, '2022-09-01')).statusCode).toBe(200);
    expect((await armCall(reader, 'GET', `${GROUP_SCOPE}/providers/Microsoft.Authorization/roleAssignments`, undefined, V)).statusCode).toBe(200);
    const check = await armCall(reader, 'POST', `${SUB_SCOPE}/providers/Microsoft.KeyVault/checkNameAvailability`, { name: 'kv-free', type: 'Microsoft.KeyVault/vaults' });
    expect(check.statusCode).toBe(200);
    expectAuthorizationFailed(await armCall(reader, 'PUT', vaultPath('kv-reader', GROUP), vaultBody), READER.objectId, 'Microsoft.KeyVault/vaults/write', vaultPath('kv-reader', GROUP));
    expectAuthorizationFailed(await armCall(reader, 'DELETE', GROUP_SCOPE, undefined, '2022-09-01'), READER.objectId, 'Microsoft.Resources/subscriptions/resourceGroups/delete', GROUP_SCOPE);
  });

  it('Contributor at the group manages its vaults and their access policies, not role assignments, not other groups', async () => {
    const contributor = await armToken(CONTRIBUTOR);
    expect((await armCall(contributor, 'PUT', vaultPath('kv-contrib', GROUP), vaultBody)).statusCode).toBe(201);
    const add = await armCall(contributor, 'PUT', `${vaultPath('kv-contrib', GROUP)}/accessPolicies/add`, {
      properties: { accessPolicies: [{ tenantId: DEFAULT_TENANT_ID, objectId: CONTRIBUTOR.objectId, permissions: { secrets: ['get'] } }] },
    });
    expect(add.statusCode, add.body).toBe(200);
    const elsewhere = vaultPath('kv-contrib2', 'rg-other');
    expectAuthorizationFailed(await armCall(contributor, 'PUT', elsewhere, vaultBody), CONTRIBUTOR.objectId, 'Microsoft.KeyVault/vaults/write', elsewhere);
    const grant = assignmentAt(GROUP_SCOPE, '1a2b3c4d-0000-4000-8000-000000000010');
    const res = await armCall(contributor, 'PUT', grant, { properties: { roleDefinitionId: roleId(ROLES.reader), principalId: LIMITED.objectId } }, V);
    expectAuthorizationFailed(res, CONTRIBUTOR.objectId, 'Microsoft.Authorization/roleAssignments/write', grant);
    expect((await armCall(contributor, 'DELETE', vaultPath('kv-contrib', GROUP))).statusCode).toBe(200);
  });

  it('an encoded slash or dot segment cannot stretch a scope: rg%2F..%2Fother is refused, not judged under rg', async () => {
    const contributor = await armToken(CONTRIBUTOR);
    for (const group of [`${GROUP}%2F..%2Frg-other`, `${GROUP}%2Fx`]) {
      const res = await armCall(contributor, 'PUT', vaultPath('kv-escape', group), vaultBody);
      expect(res.statusCode, group).toBe(400);
      expect(body(res).error.code).toBe('BadRequest');
    }
    expect(server.k.domain.vaults.find('kv-escape')).toBeUndefined();
  });

  it('Key Vault Contributor manages vaults but cannot purge them, assign roles, or read their objects', async () => {
    const kvc = await armToken(KV_CONTRIBUTOR);
    expect((await armCall(kvc, 'PUT', vaultPath('kv-kvc', GROUP), vaultBody)).statusCode).toBe(201);
    // The management role gives no data access: the vault's (empty) access policies decide.
    const data = await dataCall(await tokenFor(KV_CONTRIBUTOR, `https://vault.localhost:${PORT}`), 'GET', '/secrets', `kv-kvc.vault.localhost:${PORT}`);
    expect(data.statusCode).toBe(403);
    expect(body(data).error.innererror?.code).toBe('ForbiddenByPolicy');
    expect((await armCall(kvc, 'DELETE', vaultPath('kv-kvc', GROUP))).statusCode).toBe(200);
    const purge = `${SUB_SCOPE}/providers/Microsoft.KeyVault/locations/westeurope/deletedVaults/kv-kvc/purge`;
    expectAuthorizationFailed(await armCall(kvc, 'POST', purge), KV_CONTRIBUTOR.objectId, 'Microsoft.KeyVault/locations/deletedVaults/purge/action', purge);
    const grant = assignmentAt(vaultPath('kv-arm', GROUP), '1a2b3c4d-0000-4000-8000-000000000011');
    const res = await armCall(kvc, 'PUT', grant, { properties: { roleDefinitionId: roleId(ROLES.reader), principalId: LIMITED.objectId } }, V);
    expectAuthorizationFailed(res, KV_CONTRIBUTOR.objectId, 'Microsoft.Authorization/roleAssignments/write', grant);
    expect((await armCall(admin, 'POST', purge)).statusCode).toBe(200);
  });

  it('Owner at a vault assigns roles on that vault only', async () => {
    const owner = await armToken(VAULT_OWNER);
    const atVault = assignmentAt(vaultPath('kv-arm', GROUP), '1a2b3c4d-0000-4000-8000-000000000012');
    const ok = await armCall(owner, 'PUT', atVault, { properties: { roleDefinitionId: roleId(ROLES.reader), principalId: LIMITED.objectId } }, V);
    expect(ok.statusCode, ok.body).toBe(201);
    const atGroup = assignmentAt(GROUP_SCOPE, '1a2b3c4d-0000-4000-8000-000000000013');
    const res = await armCall(owner, 'PUT', atGroup, { properties: { roleDefinitionId: roleId(ROLES.reader), principalId: LIMITED.objectId } }, V);
    expectAuthorizationFailed(res, VAULT_OWNER.objectId, 'Microsoft.Authorization/roleAssignments/write', atGroup);
    // The Reader assignment at the vault now lets LIMITED read that vault, and nothing beside it.
    const limited = await armToken(LIMITED);
    expect((await armCall(limited, 'GET', vaultPath('kv-arm', GROUP))).statusCode).toBe(200);
    expect((await armCall(limited, 'GET', GROUP_SCOPE, undefined, '2022-09-01')).statusCode).toBe(403);
  });

  it('a list above the caller\'s roles shows what those roles may read; with no role below it, it is refused', async () => {
    const names = async (token: string, path: string, version = '2023-07-01') => {
      const res = await armCall(token, 'GET', path, undefined, version);
      expect(res.statusCode, res.body).toBe(200);
      return (JSON.parse(res.body) as { value: { name: string }[] }).value.map((v) => v.name).sort();
    };
    const contributor = await armToken(CONTRIBUTOR);
    const owner = await armToken(VAULT_OWNER);
    // Admin-made groups and vaults exist beside rg-arm (rg-strict, rg-rbac, the pre-made vaults' group).
    expect((await names(admin, `${SUB_SCOPE}/resourcegroups`, '2022-09-01')).length).toBeGreaterThan(1);
    expect(await names(contributor, `${SUB_SCOPE}/resourcegroups`, '2022-09-01')).toEqual([GROUP]);
    expect(await names(contributor, `${SUB_SCOPE}/providers/Microsoft.KeyVault/vaults`)).toEqual(['kv-arm']);
    expect(await names(owner, `${SUB_SCOPE}/providers/Microsoft.KeyVault/vaults`)).toEqual(['kv-arm']);
    expect(await names(owner, `${SUB_SCOPE}/resourcegroups`, '2022-09-01')).toEqual([]);
    // The managed identity holds no role anywhere: its lists are refused, not emptied.
    const mi = await inject({ method: 'GET', url: `/metadata/identity/oauth2/token?resource=https://localhost:${PORT}/`, headers: { host: ARM, metadata: 'true' } });
    const bystander = (JSON.parse(mi.body) as { access_token: string }).access_token;
    const refused = await armCall(bystander, 'GET', `${SUB_SCOPE}/resourcegroups`, undefined, '2022-09-01');
    expect(body(refused).error.code).toBe('AuthorizationFailed');
  });

  it("Graph answers a declared principal's own object id, so a policy written by app id matches its tokens", async () => {
    const filter = encodeURIComponent(`servicePrincipalNames/any(c:c eq '${LIMITED.clientId}')`);
    const res = await inject({ method: 'GET', url: `/v1.0/servicePrincipals?$filter=${filter}`, headers: { host: ARM, authorization: `Bearer ${admin}` } });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body).value).toEqual([expect.objectContaining({ appId: LIMITED.clientId, id: LIMITED.objectId })]);
  });

  it('lists the management roles with their actions', async () => {
    const res = await armCall(admin, 'GET', `${SUB_SCOPE}/providers/Microsoft.Authorization/roleDefinitions/${ROLES.contributor}`, undefined, V);
    expect(JSON.parse(res.body)).toMatchObject({
      properties: { roleName: 'Contributor', permissions: [{ actions: ['*'], notActions: expect.arrayContaining(['Microsoft.Authorization/*/Write']) }] },
    });
  });
});

describe('strict mode: time', () => {
  it('a token that was good stops working when the clock passes its expiry', async () => {
    const token = await tokenFor(ADMIN, `https://vault.localhost:${PORT}`);
    expect((await dataCall(token, 'GET', '/secrets')).statusCode).toBe(200);
    await server.k.advanceClock(3600 + 120);
    const res = await dataCall(token, 'GET', '/secrets');
    expect(res.statusCode).toBe(401);
    expect(body(res).error.message).toMatch(/^AKV10015: Token expired/);
  });
});

describe('strict mode: nobody holds a permission nobody gave', () => {
  it('declaring principals and managed identities grants nothing: without --admin-principal the pre-made vaults refuse all', async () => {
    const other = await startTestServer({ auth: 'strict', principals: [ADMIN, SYSTEM_MI] });
    try {
      const token = async (resource: string) => {
        const res = await other.k.app.inject({
          method: 'POST',
          url: '/adfs/oauth2/token',
          headers: { host: ARM, 'content-type': 'application/x-www-form-urlencoded' },
          payload: new URLSearchParams({ grant_type: 'client_credentials', client_id: ADMIN.clientId, client_secret: ADMIN.secret, resource }).toString(),
        });
        return (JSON.parse(res.body) as { access_token: string }).access_token;
      };
      const mi = await other.k.app.inject({
        method: 'GET',
        url: '/msi/token?api-version=2019-08-01&resource=https://vault.azure.net',
        headers: { host: ARM, 'x-identity-header': MI_HEADER },
      });
      expect(mi.statusCode).toBe(200);
      for (const bearer of [await token('https://vault.azure.net'), (JSON.parse(mi.body) as { access_token: string }).access_token]) {
        for (const host of [KV, ARM]) {
          const res = await other.k.app.inject({ method: 'GET', url: '/secrets?api-version=7.5', headers: { host, authorization: `Bearer ${bearer}` } });
          expect(res.statusCode, host).toBe(403);
        }
      }
      for (const name of ['default', 'kv1']) expect(other.k.domain.vaults.find(name)!.properties['accessPolicies'] ?? []).toEqual([]);
      // Nor is any declared principal Owner of anything.
      const arm = await other.k.app.inject({
        method: 'GET',
        url: `/subscriptions/${SUB}/resourcegroups?api-version=2022-09-01`,
        headers: { host: ARM, authorization: `Bearer ${await token(`https://localhost:${PORT}/`)}` },
      });
      expect(arm.statusCode).toBe(403);
      expect(body(arm).error.code).toBe('AuthorizationFailed');
    } finally {
      await other.stop();
    }
  });

  it('--admin-principal system makes the system-assigned identity admin of the pre-made vaults, and only it', async () => {
    const other = await startTestServer({ auth: 'strict', principals: [ADMIN, SYSTEM_MI], adminPrincipals: [DEFAULT_MANAGED_IDENTITY_CLIENT_ID] });
    try {
      const policies = other.k.domain.vaults.find('default')!.properties['accessPolicies'] as { objectId: string }[];
      expect(policies.map((p) => p.objectId)).toEqual([objectIdFor(DEFAULT_MANAGED_IDENTITY_CLIENT_ID)]);
      const mi = await other.k.app.inject({
        method: 'GET',
        url: '/metadata/identity/oauth2/token?resource=https://vault.azure.net',
        headers: { host: ARM, metadata: 'true' },
      });
      const bearer = (JSON.parse(mi.body) as { access_token: string }).access_token;
      const res = await other.k.app.inject({ method: 'GET', url: '/secrets?api-version=7.5', headers: { host: ARM, authorization: `Bearer ${bearer}` } });
      expect(res.statusCode).toBe(200);
    } finally {
      await other.stop();
    }
  });
});
