import { createPublicKey, verify, type JsonWebKey } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyServerOptions, type InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClock } from '../../src/domain/clock.js';
import {
  DEFAULT_MANAGED_IDENTITY_CLIENT_ID,
  createPrincipalDirectory,
  decodeJwt,
  identityRoutes,
  loadSigningKey,
  objectIdFor,
  type PrincipalMode,
  type SigningKey,
} from '../../src/identity/index.js';
import { openStore, type Store } from '../../src/store/index.js';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const HOST = 'localhost:8443';
const FORM = 'application/x-www-form-urlencoded;charset=utf-8';

let store: Store;
let keys: SigningKey;

const USER_MI_RESOURCE = '/subscriptions/s/resourcegroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/declared';

async function buildApp(mode: PrincipalMode = 'any', appOptions: FastifyServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify(appOptions);
  const principals = createPrincipalDirectory(
    [
      { clientId: 'declared-app', secret: 'right secret', objectId: 'pinned-oid' },
      { clientId: 'declared-mi', managedIdentity: true, resourceId: USER_MI_RESOURCE },
    ],
    mode,
  );
  await app.register(identityRoutes({ keys, clock: createClock(), tenantId: TENANT, principals }));
  // A data-plane look-alike registered beside the plugin must keep its paths.
  app.get('/secrets/:name/:version', async () => ({ plane: 'data' }));
  app.get('/keys/:name/:version', async () => ({ plane: 'data' }));
  await app.ready();
  return app;
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const json = (res: { body: string }) => JSON.parse(res.body) as Record<string, unknown>;
const claimsOf = (token: unknown) => decodeJwt(String(token))!.claims;

let app: FastifyInstance;
const inject = (opts: InjectOptions) => app.inject({ ...opts, headers: { host: HOST, ...opts.headers } });
const postToken = (url: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
  inject({ method: 'POST', url, headers: { 'content-type': FORM, ...headers }, payload: form(fields) });
const clientCredentials = { grant_type: 'client_credentials', client_id: 'my-app', client_secret: 'anything' };

beforeAll(async () => {
  store = openStore();
  keys = loadSigningKey(store.settings);
  app = await buildApp();
});
afterAll(async () => {
  await app.close();
  store.close();
});

function expectAadError(res: { statusCode: number; body: string; headers: Record<string, unknown> }, status: number, error: string) {
  expect(res.statusCode).toBe(status);
  expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
  const body = json(res);
  expect(body).toMatchObject({
    error,
    error_description: expect.stringMatching(/^AADSTS\d+: /),
    timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/),
    trace_id: expect.any(String),
    correlation_id: expect.any(String),
  });
  return body;
}

describe('OIDC discovery', () => {
  it('serves the v2.0 document on the host the client used', async () => {
    const res = await inject({ method: 'GET', url: `/${TENANT}/v2.0/.well-known/openid-configuration`, headers: { host: 'myhost:9443' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const doc = json(res);
    expect(doc).toMatchObject({
      issuer: `https://myhost:9443/${TENANT}/v2.0`,
      token_endpoint: `https://myhost:9443/${TENANT}/oauth2/v2.0/token`,
      authorization_endpoint: `https://myhost:9443/${TENANT}/oauth2/v2.0/authorize`,
      jwks_uri: `https://myhost:9443/${TENANT}/discovery/v2.0/keys`,
      id_token_signing_alg_values_supported: ['RS256'],
      tenant_region_scope: null,
      token_endpoint_auth_methods_supported: expect.arrayContaining(['client_secret_post', 'client_secret_basic']),
    });
    expect(new URL(String(doc.issuer)).host).toBe('myhost:9443');
  });

  it('keeps common and organizations in the paths', async () => {
    for (const t of ['common', 'organizations']) {
      const doc = json(await inject({ method: 'GET', url: `/${t}/v2.0/.well-known/openid-configuration` }));
      expect(doc.token_endpoint).toBe(`https://${HOST}/${t}/oauth2/v2.0/token`);
    }
  });

  it('serves the v1 and ADFS documents', async () => {
    expect(json(await inject({ method: 'GET', url: `/${TENANT}/.well-known/openid-configuration` }))).toMatchObject({
      issuer: `https://${HOST}/${TENANT}/`,
      token_endpoint: `https://${HOST}/${TENANT}/oauth2/token`,
      jwks_uri: `https://${HOST}/${TENANT}/discovery/keys`,
    });
    expect(json(await inject({ method: 'GET', url: '/adfs/.well-known/openid-configuration' }))).toMatchObject({
      issuer: `https://${HOST}/adfs`,
      token_endpoint: `https://${HOST}/adfs/oauth2/token`,
      authorization_endpoint: `https://${HOST}/adfs/oauth2/authorize`,
      jwks_uri: `https://${HOST}/adfs/discovery/keys`,
    });
  });

  it('answers MSAL instance discovery for this host', async () => {
    const authorize = encodeURIComponent(`https://${HOST}/${TENANT}/oauth2/v2.0/authorize`);
    const res = await inject({ method: 'GET', url: `/common/discovery/instance?api-version=1.1&authorization_endpoint=${authorize}` });
    expect(res.statusCode).toBe(200);
    expect(json(res)).toEqual({
      tenant_discovery_endpoint: `https://${HOST}/${TENANT}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: HOST, preferred_cache: HOST, aliases: [HOST] }],
    });
    const plain = json(await inject({ method: 'GET', url: '/organizations/discovery/instance' }));
    expect(plain.tenant_discovery_endpoint).toBe(`https://${HOST}/organizations/v2.0/.well-known/openid-configuration`);
  });

  it('publishes the same JWKS at every keys URL', async () => {
    for (const url of [`/${TENANT}/discovery/v2.0/keys`, `/${TENANT}/discovery/keys`, '/adfs/discovery/keys', '/common/discovery/keys']) {
      const res = await inject({ method: 'GET', url });
      expect(res.statusCode).toBe(200);
      expect(json(res)).toEqual(keys.jwks());
    }
  });

  it('leaves data-plane paths to the data plane', async () => {
    expect(json(await inject({ method: 'GET', url: '/secrets/discovery/keys' }))).toEqual({ plane: 'data' });
    expect(json(await inject({ method: 'GET', url: '/keys/discovery/keys' }))).toEqual({ plane: 'data' });
  });
});

describe('client credentials', () => {
  it('issues a v2 token whose signature verifies with the published JWKS', async () => {
    const res = await postToken(`/${TENANT}/oauth2/v2.0/token?client-request-id=abc`, {
      ...clientCredentials,
      scope: 'https://vault.azure.net/.default',
      claims: '{"access_token":{"xms_cc":{"values":["cp1"]}}}',
      client_info: '1',
      'x-client-SKU': 'msal.js.node',
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    const body = json(res);
    expect(body).toEqual({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: expect.any(String) });
    expect(typeof body.expires_in).toBe('number');

    const jwks = json(await inject({ method: 'GET', url: `/${TENANT}/discovery/v2.0/keys` })) as { keys: JsonWebKey[] };
    const [h, c, s] = String(body.access_token).split('.') as [string, string, string];
    const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as { kid: string; alg: string };
    const jwk = jwks.keys.find((k) => k.kid === header.kid)!;
    expect(header.alg).toBe('RS256');
    const publicKey = createPublicKey({ key: jwk, format: 'jwk' });
    expect(verify('sha256', Buffer.from(`${h}.${c}`), publicKey, Buffer.from(s, 'base64url'))).toBe(true);

    expect(claimsOf(body.access_token)).toMatchObject({
      aud: 'https://vault.azure.net',
      iss: `https://${HOST}/${TENANT}/v2.0`,
      tid: TENANT,
      oid: objectIdFor('my-app'),
      sub: objectIdFor('my-app'),
      appid: 'my-app',
      ver: '2.0',
      idtyp: 'app',
    });
  });

  it('keeps a double slash of the scope in the audience (Azure CLI), over ADFS', async () => {
    const res = await postToken('/adfs/oauth2/token', { ...clientCredentials, scope: 'https://localhost:8443//.default' });
    expect(res.statusCode).toBe(200);
    const body = json(res);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3599, resource: 'https://localhost:8443/' });
    const claims = claimsOf(body.access_token);
    expect(claims).toMatchObject({ aud: 'https://localhost:8443/', iss: `https://${HOST}/adfs`, tid: TENANT, ver: '1.0' });
    expect(body.expires_on).toBe(String(claims.exp));
  });

  it('accepts a form body without a charset and the ADAL resource parameter on v1', async () => {
    const res = await inject({
      method: 'POST',
      url: `/${TENANT}/oauth2/token?api-version=1.0`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: form({ ...clientCredentials, resource: 'https://vault.azure.net' }),
    });
    expect(res.statusCode).toBe(200);
    const body = json(res);
    const claims = claimsOf(body.access_token);
    expect(body).toEqual({
      token_type: 'Bearer',
      expires_in: 3599,
      ext_expires_in: 3599,
      expires_on: String(claims.exp),
      not_before: String(claims.nbf),
      resource: 'https://vault.azure.net',
      access_token: expect.any(String),
    });
    expect(claims).toMatchObject({ aud: 'https://vault.azure.net', iss: `https://${HOST}/${TENANT}/`, ver: '1.0' });
  });

  it('takes the client from HTTP Basic authentication', async () => {
    const basic = Buffer.from(`${encodeURIComponent('declared-app')}:${encodeURIComponent('right secret')}`).toString('base64');
    const res = await postToken(
      `/${TENANT}/oauth2/v2.0/token`,
      { grant_type: 'client_credentials', scope: 'https://vault.azure.net/.default' },
      { authorization: `Basic ${basic}` },
    );
    expect(res.statusCode).toBe(200);
    expect(claimsOf(json(res).access_token)).toMatchObject({ appid: 'declared-app', oid: 'pinned-oid' });
  });

  it('gives the same object id to the same client every time', async () => {
    const oids = new Set<unknown>();
    for (let i = 0; i < 2; i++) {
      const res = await postToken(`/${TENANT}/oauth2/v2.0/token`, { ...clientCredentials, client_secret: `s${i}`, scope: 'x/.default' });
      oids.add(claimsOf(json(res).access_token).oid);
    }
    expect([...oids]).toEqual([objectIdFor('my-app')]);
  });

  it('uses our tenant as tid under common or a domain name', async () => {
    const res = await postToken('/contoso.onmicrosoft.com/oauth2/v2.0/token', { ...clientCredentials, scope: 'x/.default' });
    expect(claimsOf(json(res).access_token)).toMatchObject({ tid: TENANT, iss: `https://${HOST}/${TENANT}/v2.0` });
  });

  it('refuses other grant types with unsupported_grant_type', async () => {
    const res = await postToken(`/${TENANT}/oauth2/v2.0/token`, { ...clientCredentials, grant_type: 'password', scope: 'x/.default' });
    const body = expectAadError(res, 400, 'unsupported_grant_type');
    expect(body.error_codes).toEqual([70003]);
  });

  it('refuses a missing scope, grant type or client id with invalid_request', async () => {
    const noScope = expectAadError(await postToken(`/${TENANT}/oauth2/v2.0/token`, clientCredentials), 400, 'invalid_request');
    expect(noScope.error_codes).toEqual([900144]);
    expect(noScope.error_description).toContain("'scope'");
    const noResource = expectAadError(await postToken(`/${TENANT}/oauth2/token`, clientCredentials), 400, 'invalid_request');
    expect(noResource.error_description).toContain("'resource'");
    const { grant_type: _g, ...noGrant } = clientCredentials;
    expect(expectAadError(await postToken('/adfs/oauth2/token', noGrant), 400, 'invalid_request').error_description).toContain(
      "'grant_type'",
    );
    const { client_id: _c, ...noClient } = clientCredentials;
    expectAadError(await postToken('/adfs/oauth2/token', { ...noClient, scope: 'x/.default' }), 400, 'invalid_request');
  });

  it('echoes client-request-id as the correlation id of an error', async () => {
    const res = await postToken(`/${TENANT}/oauth2/v2.0/token`, clientCredentials, { 'client-request-id': 'corr-1' });
    expect(expectAadError(res, 400, 'invalid_request').correlation_id).toBe('corr-1');
  });

  it('answers an unreadable body with 400, not 500', async () => {
    const res = await inject({ method: 'POST', url: '/adfs/oauth2/token', headers: { 'content-type': 'text/plain' }, payload: 'x' });
    expectAadError(res, 400, 'invalid_request');
  });

  describe("strict mode", () => {
    let strict: FastifyInstance;
    beforeAll(async () => {
      strict = await buildApp('strict');
    });
    afterAll(() => strict.close());
    const post = (url: string, fields: Record<string, string>) =>
      strict.inject({ method: 'POST', url, headers: { host: HOST, 'content-type': FORM }, payload: form(fields) });
    const declared = { grant_type: 'client_credentials', client_id: 'declared-app', scope: 'https://vault.azure.net/.default' };

    it('issues tokens to a declared client with its secret', async () => {
      const res = await post(`/${TENANT}/oauth2/v2.0/token`, { ...declared, client_secret: 'right secret' });
      expect(res.statusCode).toBe(200);
      expect(claimsOf(json(res).access_token)).toMatchObject({ appid: 'declared-app', oid: 'pinned-oid' });
    });

    it('refuses a wrong secret with 401 invalid_client (AADSTS7000215)', async () => {
      const res = await post(`/${TENANT}/oauth2/v2.0/token`, { ...declared, client_secret: 'wrong' });
      const body = expectAadError(res, 401, 'invalid_client');
      expect(body.error_codes).toEqual([7000215]);
      expect(body.error_description).toMatch(/^AADSTS7000215: Invalid client secret provided\./);
    });

    it('refuses an unknown client with 400 unauthorized_client (AADSTS700016)', async () => {
      const res = await post('/adfs/oauth2/token', { ...declared, client_id: 'stranger', client_secret: 'right secret' });
      expect(expectAadError(res, 400, 'unauthorized_client').error_codes).toEqual([700016]);
    });

    it('refuses a declared client asking under another GUID tenant', async () => {
      const res = await post('/99999999-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/token', { ...declared, client_secret: 'right secret' });
      expectAadError(res, 400, 'unauthorized_client');
    });

    it('issues only declared managed identities; the system-assigned one only when declared', async () => {
      const imds = (query: string) =>
        strict.inject({ method: 'GET', url: `/metadata/identity/oauth2/token?resource=r&${query}`, headers: { host: HOST, metadata: 'true' } });
      const byClient = await imds('client_id=declared-mi');
      expect(byClient.statusCode).toBe(200);
      expect(claimsOf(json(byClient).access_token)).toMatchObject({ appid: 'declared-mi', oid: objectIdFor('declared-mi'), xms_mirid: USER_MI_RESOURCE });
      expect((await imds(`msi_res_id=${encodeURIComponent(USER_MI_RESOURCE.toUpperCase())}`)).statusCode).toBe(200);
      expect((await imds(`object_id=${objectIdFor('declared-mi')}`)).statusCode).toBe(200);
      for (const query of ['', 'client_id=stranger-mi', `object_id=${objectIdFor('stranger-mi')}`, `msi_res_id=${encodeURIComponent(`${USER_MI_RESOURCE}2`)}`]) {
        const res = await imds(query);
        expect(res.statusCode, query).toBe(400);
        expect(json(res)).toEqual({ error: 'invalid_request', error_description: 'Identity not found' });
      }
    });

    it('requires the configured X-IDENTITY-HEADER on /msi/token', async () => {
      const get = (value: string) =>
        strict.inject({ method: 'GET', url: '/msi/token?api-version=2019-08-01&resource=r&client_id=declared-mi', headers: { host: HOST, 'x-identity-header': value } });
      expect((await get('kyanite')).statusCode).toBe(200);
      const wrong = await get('guess');
      expect(wrong.statusCode).toBe(401);
      expect(json(wrong)).toEqual({ error: 'unauthorized_client', error_description: 'The X-IDENTITY-HEADER value is not valid' });
    });
  });
});

describe('managed identity', () => {
  const expectMsiToken = (res: { statusCode: number; body: string }, resource: string, clientId = DEFAULT_MANAGED_IDENTITY_CLIENT_ID) => {
    expect(res.statusCode).toBe(200);
    const body = json(res);
    const claims = claimsOf(body.access_token);
    expect(body).toEqual({
      access_token: expect.any(String),
      expires_on: String(claims.exp),
      expires_in: '3599',
      not_before: String(claims.nbf),
      resource,
      token_type: 'Bearer',
      client_id: clientId,
    });
    expect(claims).toMatchObject({ aud: resource, tid: TENANT, appid: clientId, oid: objectIdFor(clientId), ver: '1.0' });
    return claims;
  };

  it('serves IMDS with Metadata: true, with and without the trailing slash', async () => {
    for (const path of ['/metadata/identity/oauth2/token', '/metadata/identity/oauth2/token/']) {
      const res = await inject({
        method: 'GET',
        url: `${path}?api-version=2018-02-01&resource=https%3A%2F%2Fvault.azure.net`,
        headers: { metadata: 'true', 'content-type': FORM },
      });
      expectMsiToken(res, 'https://vault.azure.net');
    }
  });

  const imds = (query: string, headers: Record<string, string> = { metadata: 'true' }) =>
    inject({ method: 'GET', url: `/metadata/identity/oauth2/token?api-version=2018-02-01&${query}`, headers });

  it('selects a user-assigned identity by client_id or msi_res_id', async () => {
    expectMsiToken(await imds('resource=https://vault.azure.net&client_id=mi-client'), 'https://vault.azure.net', 'mi-client');
    const resId = '/subscriptions/s/resourcegroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/u1';
    const byRes = await imds(`resource=r&msi_res_id=${encodeURIComponent(resId)}`);
    expect(claimsOf(json(byRes).access_token).xms_mirid).toBe(resId);
  });

  it("never issues a declared service principal's identity, whatever the endpoint and selector", async () => {
    const asks = ['client_id=declared-app', 'client_id=DECLARED-APP', 'object_id=pinned-oid', 'principal_id=pinned-oid', 'clientid=declared-app'];
    for (const query of asks) {
      const imdsRes = await imds(`resource=r&${query}`);
      expect(imdsRes.statusCode, query).toBe(400);
      expect(json(imdsRes), query).toEqual({ error: 'invalid_request', error_description: 'Identity not found' });

      const appService = await inject({
        method: 'GET',
        url: `/msi/token?api-version=2019-08-01&resource=r&${query}`,
        headers: { 'x-identity-header': 'anything', 'client-request-id': 'corr-mi' },
      });
      expect(appService.statusCode, query).toBe(400);
      expect(json(appService), query).toEqual({ statusCode: 400, message: 'Unable to load the proper Managed Identity.', correlationId: 'corr-mi' });

      const cloudShell = await inject({
        method: 'POST',
        url: '/msi/token',
        headers: { metadata: 'true', 'content-type': FORM },
        payload: `resource=r&${query}`,
      });
      expect(cloudShell.statusCode, query).toBe(400);
      expect(json(cloudShell), query).toEqual({ error: 'invalid_request', error_description: 'Identity not found' });
    }
    // Declared managed identities keep their declaration in 'any' mode too.
    expect(claimsOf(json(await imds('resource=r&client_id=declared-mi')).access_token)).toMatchObject({ xms_mirid: USER_MI_RESOURCE });
  });

  it('refuses IMDS without the Metadata header', async () => {
    const res = await imds('resource=r', {});
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(json(res)).toEqual({ error: 'invalid_request', error_description: 'Required metadata header not specified' });
  });

  it('refuses a missing resource', async () => {
    const res = await imds('');
    expect(res.statusCode).toBe(400);
    expect(json(res)).toEqual({ error: 'invalid_request', error_description: 'Required audience parameter not specified' });
  });

  it('serves App Service /msi/token with X-IDENTITY-HEADER or the legacy secret header', async () => {
    const res = await inject({
      method: 'GET',
      url: '/msi/token?api-version=2019-08-01&resource=https://vault.localhost:8443',
      headers: { 'x-identity-header': 'anything' },
    });
    expectMsiToken(res, 'https://vault.localhost:8443');
    const legacy = await inject({
      method: 'GET',
      url: '/msi/token?api-version=2017-09-01&resource=https://vault.azure.net&clientid=old-client',
      headers: { secret: 'anything' },
    });
    expectMsiToken(legacy, 'https://vault.azure.net', 'old-client');
  });

  it('refuses /msi/token without an identity header', async () => {
    for (const headers of [{}, { 'x-identity-header': '' }]) {
      const res = await inject({ method: 'GET', url: '/msi/token?api-version=2019-08-01&resource=r', headers });
      expect(res.statusCode).toBe(400);
      expect(json(res).error).toBe('invalid_request');
    }
  });

  it('serves the Cloud Shell form post with Metadata: true', async () => {
    const res = await inject({
      method: 'POST',
      url: '/msi/token',
      headers: { metadata: 'true', 'content-type': 'application/x-www-form-urlencoded' },
      payload: form({ resource: 'https://localhost:8443/' }),
    });
    expectMsiToken(res, 'https://localhost:8443/');
    const bare = await inject({ method: 'POST', url: '/msi/token', headers: { 'content-type': FORM }, payload: form({ resource: 'r' }) });
    expect(bare.statusCode).toBe(400);
  });
});

describe('registration', () => {
  it('registers under ignoreTrailingSlash without a duplicate route', async () => {
    const variants: FastifyServerOptions[] = [{ ignoreTrailingSlash: true }, { routerOptions: { ignoreTrailingSlash: true } }];
    for (const options of variants) {
      const other = await buildApp('any', options);
      const res = await other.inject({ method: 'GET', url: '/metadata/identity/oauth2/token/?resource=r', headers: { metadata: 'true' } });
      expect(res.statusCode).toBe(200);
      await other.close();
    }
  });
});
