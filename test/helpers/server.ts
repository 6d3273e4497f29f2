import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import type { Config } from '../../src/server/config.js';
import { loopbackLookup } from '../../src/server/loopback.js';
import { startServer, type RunningKyanite } from '../../src/server/kyanite.js';

/**
 * Real Kyanite over HTTPS on port 0 for end-to-end tests: in memory, with its CA kept in memory and handed to
 * clients, so no test touches the machine's trust store or /etc/hosts.
 */
export interface TestServer {
  k: RunningKyanite;
  port: number;
  caPem: string;
  /** https://NAME.vault.localhost:PORT, or https://localhost:PORT for "default". */
  vaultUrl(name?: string): string;
  /** An agent that trusts the CA and resolves every *.localhost name to 127.0.0.1. */
  agent: https.Agent;
  stop(): Promise<void>;
}

export { loopbackLookup };

export async function startTestServer(overrides: Partial<Config> = {}): Promise<TestServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kyanite-test-'));
  const config: Config = {
    port: 0,
    host: '127.0.0.1',
    dataDir,
    inMemory: true,
    vaults: ['default', 'kv1'],
    auth: 'any',
    logLevel: 'silent',
    // A small pool: test servers start often, and each pooled RSA key costs ~250 ms of a core in the background.
    keyPool: 2,
    ...overrides,
  };
  const k = await startServer(config, { ephemeralTls: true });
  const caPem = k.caPem!;
  const agent = new https.Agent({ ca: caPem, lookup: loopbackLookup, keepAlive: true });
  return {
    k,
    port: k.port,
    caPem,
    vaultUrl: (name = 'default') => (name === 'default' ? `https://localhost:${k.port}` : `https://${name}.vault.localhost:${k.port}`),
    agent,
    async stop() {
      agent.destroy();
      await k.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A credential that hands out a fixed token, as a test double for any Entra credential (any-token mode). */
export const staticCredential: TokenCredential = {
  getToken: async (): Promise<AccessToken> => ({ token: 'kyanite-test-token', expiresOnTimestamp: Date.now() + 3600_000 }),
};
