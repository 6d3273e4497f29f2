import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TENANT_ID } from '../../src/domain/vaults.js';
import {
  generateSigningKeyJwk,
  issueAccessToken,
  loadSigningKey,
  objectIdFor,
  signingKeyFromJwk,
  type SigningKey,
} from '../../src/identity/index.js';
import { PERMISSION_TABLE, requiredPermission } from '../../src/server/permissions.js';
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
  server = await startTestServer({ auth: 'strict', principals: [ADMIN, LIMITED], adminPrincipals: [ADMIN.clientId] });
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

  it('a managed identity token (strict header) works on the default vault, whose policy names it only when told', async () => {
    const res = await inject({
      method: 'GET',
      url: '/msi/token?api-version=2019-08-01&resource=https://vault.azure.net',
      headers: { host: ARM, 'x-identity-header': MI_HEADER },
    });
    expect(res.statusCode).toBe(200);
    const token = (JSON.parse(res.body) as { access_token: string }).access_token;
    // adminPrincipals names only admin-app here, so the managed identity is refused by policy (not by token).
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
