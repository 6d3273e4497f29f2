import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ClientSecretCredential, ManagedIdentityCredential } from '@azure/identity';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClock } from '../../src/domain/clock.js';
import {
  DEFAULT_MANAGED_IDENTITY_CLIENT_ID,
  createPrincipalDirectory,
  identityRoutes,
  loadSigningKey,
  objectIdFor,
  verifyAccessToken,
  type SigningKey,
} from '../../src/identity/index.js';
import { openStore, type Store } from '../../src/store/index.js';

/**
 * The real @azure/identity (MSAL inside) against the token service alone, over HTTPS with a throwaway self-signed
 * certificate, and over plain HTTP for managed identity (which the SDK allows). The full server is not needed here.
 */

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const clock = createClock();
let store: Store;
let keys: SigningKey;
let tls: FastifyInstance;
let plain: FastifyInstance;
let httpsBase: string;
let httpBase: string;
let certPem: string;
let tmp: string;
const requested: string[] = [];

function selfSignedLocalhost(dir: string): { key: string; cert: string } {
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout', keyFile, '-out', certFile,
  ], { stdio: 'ignore' });
  return { key: fs.readFileSync(keyFile, 'utf8'), cert: fs.readFileSync(certFile, 'utf8') };
}

async function serve(app: FastifyInstance): Promise<number> {
  await app.register(
    identityRoutes({
      keys,
      clock,
      tenantId: TENANT,
      principals: createPrincipalDirectory(
        [
          { clientId: 'app', secret: 'secret' },
          { clientId: DEFAULT_MANAGED_IDENTITY_CLIENT_ID, managedIdentity: true },
        ],
        'strict',
      ),
      identityHeader: 'e2e-header',
    }),
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  return (app.server.address() as AddressInfo).port;
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kyanite-identity-e2e-'));
  const { key, cert } = selfSignedLocalhost(tmp);
  certPem = cert;
  store = openStore();
  keys = loadSigningKey(store.settings);
  tls = Fastify({ https: { key, cert } });
  plain = Fastify();
  plain.addHook('onRequest', async (request) => {
    requested.push(`${request.method} ${request.url}`);
  });
  httpsBase = `https://127.0.0.1:${await serve(tls)}`;
  httpBase = `http://127.0.0.1:${await serve(plain)}`;
});

afterAll(async () => {
  await tls?.close();
  await plain?.close();
  store?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const check = (token: string, audience: string) => {
  const result = verifyAccessToken(token, { keys, clock, audiences: (aud) => aud === audience, tenantId: TENANT });
  expect(result).toMatchObject({ ok: true });
  return result.ok ? result.claims : undefined;
};

describe('@azure/identity against the token service', () => {
  it('ClientSecretCredential with a GUID tenant (v2.0 discovery and token endpoint)', async () => {
    const credential = new ClientSecretCredential(TENANT, 'app', 'secret', {
      authorityHost: httpsBase,
      disableInstanceDiscovery: true,
      tlsOptions: { ca: certPem },
    });
    const token = await credential.getToken('https://vault.localhost:8443/.default');
    expect(token.expiresOnTimestamp).toBeGreaterThan(Date.now() + 3000_000);
    expect(check(token.token, 'https://vault.localhost:8443')).toMatchObject({ appid: 'app', oid: objectIdFor('app'), ver: '2.0' });
  });

  it('ClientSecretCredential with tenant adfs', async () => {
    const credential = new ClientSecretCredential('adfs', 'app', 'secret', { authorityHost: httpsBase, tlsOptions: { ca: certPem } });
    const token = await credential.getToken('https://localhost:8443//.default');
    expect(check(token.token, 'https://localhost:8443/')).toMatchObject({ iss: `${httpsBase}/adfs`, tid: TENANT });
  });

  it('ClientSecretCredential with a wrong secret fails with the Entra error', async () => {
    const credential = new ClientSecretCredential(TENANT, 'app', 'nope', {
      authorityHost: httpsBase,
      disableInstanceDiscovery: true,
      tlsOptions: { ca: certPem },
    });
    await expect(credential.getToken('https://vault.azure.net/.default')).rejects.toThrow(/AADSTS7000215/);
  });

  it('ManagedIdentityCredential through App Service variables', async () => {
    const saved = { endpoint: process.env.IDENTITY_ENDPOINT, header: process.env.IDENTITY_HEADER };
    process.env.IDENTITY_ENDPOINT = `${httpBase}/msi/token`;
    process.env.IDENTITY_HEADER = 'e2e-header';
    try {
      const token = await new ManagedIdentityCredential().getToken('https://vault.azure.net/.default');
      expect(token.expiresOnTimestamp).toBeGreaterThan(Date.now() + 3000_000);
      expect(check(token.token, 'https://vault.azure.net')).toMatchObject({ appid: DEFAULT_MANAGED_IDENTITY_CLIENT_ID });
      expect(requested).toContain('GET /msi/token?api-version=2019-08-01&resource=https%3A%2F%2Fvault.azure.net');
      // A declared service principal's client id gets App Service's answer for an identity it cannot load.
      const impostor = new ManagedIdentityCredential({ clientId: 'app' });
      await expect(impostor.getToken('https://vault.azure.net/.default')).rejects.toThrow(/Unable to load the proper Managed Identity/);
    } finally {
      for (const [name, value] of [['IDENTITY_ENDPOINT', saved.endpoint], ['IDENTITY_HEADER', saved.header]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  // IMDS is covered by test/http/identity.test.ts: msal-node caches the managed-identity source for the whole
  // process (ManagedIdentityClient.identitySource), so a second source cannot be exercised in this file.
});
