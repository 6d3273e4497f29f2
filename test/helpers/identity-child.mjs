// A stand-in for a user's program, run by test/e2e/identity.env.test.ts in its own node process so that the
// environment it reads is real: stock @azure/identity credentials and a SecretClient with challenge resource
// verification on. KYANITE_E2E_CREDENTIAL picks the credential; everything else comes from the usual variables.
import { ClientSecretCredential, DefaultAzureCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';

const env = process.env;
const credential =
  env.KYANITE_E2E_CREDENTIAL === 'client-secret'
    ? new ClientSecretCredential(env.KYANITE_E2E_TENANT, env.KYANITE_E2E_CLIENT_ID, env.KYANITE_E2E_CLIENT_SECRET, {
        authorityHost: env.KYANITE_E2E_AUTHORITY,
        disableInstanceDiscovery: true,
      })
    : new DefaultAzureCredential();

const client = new SecretClient(env.KEYVAULT_URL, credential);
const name = env.KYANITE_E2E_SECRET;
await client.setSecret(name, `value of ${name}`);
const got = await client.getSecret(name);
let listDenied = 'no';
try {
  for await (const _ of client.listPropertiesOfSecrets()) break;
} catch (err) {
  listDenied = `${err.statusCode} ${err.code}`;
}
console.log(JSON.stringify({ value: got.value, id: got.properties.id, listDenied }));
