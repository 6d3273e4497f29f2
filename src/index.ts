/**
 * Kyanite as a library: `startKyanite()` runs a complete emulator inside the caller's process, for test suites.
 *
 *   const kv = await startKyanite();
 *   const client = new SecretClient(kv.vaultUrl('default'), kv.credential, kv.clientOptions);
 *
 * It listens on a free port, keeps everything in memory, and hands out what clients need to trust it without any
 * global environment: `clientOptions.agent` trusts Kyanite's CA and resolves vault host names to it.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { Config, AuthMode } from './server/config.js';
import { startServer, type RunningKyanite } from './server/kyanite.js';
import { loopbackLookup } from './server/loopback.js';
import { DEFAULT_TENANT_ID } from './server/planes.js';

export { loopbackLookup };

export interface StartKyaniteOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  host?: string;
  /** Vaults to create besides "default". */
  vaults?: string[];
  auth?: AuthMode;
  /** Keep data in this folder (default: in memory, nothing written but a temporary CA file). */
  dataDir?: string;
  logLevel?: string;
  /** RSA-2048 keys generated ahead in a background thread (default 4). */
  keyPool?: number;
  /**
   * Also serve IMDS's managed-identity endpoint over plain HTTP on 127.0.0.1 (a free port): `imdsEndpoint` is the
   * value for AZURE_POD_IDENTITY_AUTHORITY_HOST, which the SDKs' DefaultAzureCredential reads.
   */
  imds?: boolean;
}

/** The minimal shape of @azure/core-auth's TokenCredential, so this package needs no Azure dependency. */
export interface TokenCredentialLike {
  getToken(scopes: string | string[]): Promise<{ token: string; expiresOnTimestamp: number } | null>;
}

export interface KyaniteFixture {
  /** https://localhost:PORT: the vault "default", the token authority and the management endpoint. */
  url: string;
  port: number;
  /** https://NAME.vault.localhost:PORT: with the fixture's agent these resolve, and the SDKs' challenge check passes. */
  vaultUrl(name?: string): string;
  caPem: string;
  /** The CA as a file, for child processes (NODE_EXTRA_CA_CERTS, REQUESTS_CA_BUNDLE). */
  caPath: string;
  /** An https.Agent that trusts the CA and sends every host name to Kyanite. */
  agent: https.Agent;
  /** Spread into any Azure SDK client's options: `{ agent }`. */
  clientOptions: { agent: https.Agent };
  /**
   * Gets real tokens from Kyanite's token service (client credentials, tenant `tenantId`). Under `auth: 'strict'`
   * it is the fixture's own declared principal, with a secret made for this run, and the admin principal: every
   * permission on the pre-made vaults, Owner on ARM.
   */
  credential: TokenCredentialLike;
  tenantId: string;
  armEndpoint: string;
  tokenAuthority: string;
  /** http://127.0.0.1:PORT with `imds: true`: set AZURE_POD_IDENTITY_AUTHORITY_HOST to it in a child process. */
  imdsEndpoint?: string;
  /** Moves Kyanite's clock forward and runs what falls due (purges, rotations, renewals). */
  advanceClock(seconds: number): Promise<void>;
  stop(): Promise<void>;
  /** The running server, for advanced use. */
  server: RunningKyanite;
}

function postForm(agent: https.Agent, url: string, form: Record<string, string>): Promise<{ access_token: string; expires_in: number }> {
  return new Promise((resolve, reject) => {
    const body = new URLSearchParams(form).toString();
    const req = https.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/x-www-form-urlencoded' } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString('utf8')));
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`token request failed (${res.statusCode}): ${text}`));
        resolve(JSON.parse(text) as { access_token: string; expires_in: number });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const FIXTURE_CLIENT_ID = 'kyanite-fixture';

export async function startKyanite(options: StartKyaniteOptions = {}): Promise<KyaniteFixture> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kyanite-'));
  // Strict mode signs in only declared principals and grants nothing by default: declare the credential's own.
  const secret = randomBytes(24).toString('base64url');
  const strict = options.auth === 'strict';
  const config: Config = {
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    dataDir: options.dataDir ?? tmp,
    inMemory: options.dataDir === undefined,
    vaults: [...new Set(['default', ...(options.vaults ?? [])])],
    auth: options.auth ?? 'any',
    logLevel: options.logLevel ?? 'silent',
    keyPool: options.keyPool ?? 4,
    ...(options.imds && { imdsPort: 0 }),
    ...(strict && { principals: [{ clientId: FIXTURE_CLIENT_ID, secret }], adminPrincipals: [FIXTURE_CLIENT_ID] }),
  };
  const server = await startServer(config, { ephemeralTls: options.dataDir === undefined });
  const caPem = server.caPem!;
  const caPath = server.caPath ?? path.join(tmp, 'ca.pem');
  if (!server.caPath) fs.writeFileSync(caPath, caPem, { mode: 0o600 });
  const agent = new https.Agent({ ca: caPem, lookup: loopbackLookup, keepAlive: true });
  const url = server.url;
  const tenantId = DEFAULT_TENANT_ID;
  const credential: TokenCredentialLike = {
    async getToken(scopes) {
      const scope = Array.isArray(scopes) ? scopes[0]! : scopes;
      const answer = await postForm(agent, `${url}/${tenantId}/oauth2/v2.0/token`, {
        grant_type: 'client_credentials',
        client_id: FIXTURE_CLIENT_ID,
        client_secret: secret,
        scope,
      });
      return { token: answer.access_token, expiresOnTimestamp: Date.now() + answer.expires_in * 1000 };
    },
  };
  return {
    url,
    port: server.port,
    vaultUrl: (name = 'default') => `https://${name.toLowerCase()}.vault.localhost:${server.port}`,
    caPem,
    caPath,
    agent,
    clientOptions: { agent },
    credential,
    tenantId,
    armEndpoint: url,
    tokenAuthority: url,
    ...(server.imdsUrl && { imdsEndpoint: server.imdsUrl }),
    advanceClock: (seconds) => server.advanceClock(seconds),
    async stop() {
      agent.destroy();
      await server.stop();
      fs.rmSync(tmp, { recursive: true, force: true });
    },
    server,
  };
}
