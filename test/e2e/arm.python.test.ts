import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * The seed's management example on Debian's python3-azure (azure-mgmt-keyvault 10.1.0, azure-keyvault-secrets 4.7):
 * begin_create_or_update(...).result().properties.vault_uri, then SecretClient on that URI. Trust comes from
 * REQUESTS_CA_BUNDLE; *.localhost names resolve through test/helpers/python/sitecustomize.py on PYTHONPATH, so the machine's
 * /etc/hosts stays untouched. The credential is a stand-in: any token is accepted in --auth any.
 */
const SCRIPT_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'arm.python');

/** The first Python that has the Debian packages (pyenv shims may shadow /usr/bin/python3). */
function findPython(): string | undefined {
  for (const candidate of ['python3', '/usr/bin/python3']) {
    const probe = spawnSync(candidate, ['-c', 'import azure.mgmt.keyvault, azure.keyvault.secrets'], { stdio: 'ignore' });
    if (probe.status === 0) return candidate;
  }
  return undefined;
}

const python = findPython();
const skipReason = 'python3 cannot import azure.mgmt.keyvault and azure.keyvault.secrets (apt-get install python3-azure)';
if (!python) console.warn(`arm.python.test.ts skipped: ${skipReason}`);

describe.skipIf(!python)('the seed management example on Debian python3-azure', () => {
  let server: TestServer;
  let dir: string;
  beforeAll(async () => {
    server = await startTestServer();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kyanite-py-'));
    fs.writeFileSync(path.join(dir, 'ca.pem'), server.caPem);
  });
  afterAll(async () => {
    await server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates a vault, uses it with SecretClient, deletes and purges it', async () => {
    const { stdout } = await promisify(execFile)(python!, [path.join(SCRIPT_DIR, 'seed.py')], {
      env: { ...process.env, KYANITE_URL: server.k.url, REQUESTS_CA_BUNDLE: path.join(dir, 'ca.pem'), PYTHONPATH: path.join(SCRIPT_DIR, '../../helpers/python') },
      timeout: 60_000,
    });
    const out = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(out).toEqual({
      vault_uri: `https://kv-python.vault.localhost:${server.port}/`,
      secret: 'from-python',
      listed: ['kv-python'],
      available: false,
      deleted: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-python/providers/Microsoft.KeyVault/vaults/kv-python',
      available_after_purge: true,
    });
  }, 90_000);
});
