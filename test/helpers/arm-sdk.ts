import { KeyVaultManagementClient } from '@azure/arm-keyvault';
import { DEFAULT_SUBSCRIPTION_ID } from '../../src/domain/vaults.js';
import { staticCredential, type TestServer } from './server.js';

/** What the @azure/arm-keyvault suites share: Kyanite's own subscription and a customer's tenant id. */
export const SUB = DEFAULT_SUBSCRIPTION_ID;
export const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';

/** SDK client options against a test server: its TLS agent, and no retries, so a refusal fails the test at once. */
export const clientOptions = (server: TestServer) => ({ agent: server.agent, retryOptions: { maxRetries: 0 } });

export const armClient = (server: TestServer): KeyVaultManagementClient =>
  new KeyVaultManagementClient(staticCredential, SUB, { endpoint: server.k.url, ...clientOptions(server) });
