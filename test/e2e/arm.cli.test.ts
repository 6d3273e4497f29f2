import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Debian's azure-cli (2.45) against Kyanite, recipe R5: the cloud comes from ARM_CLOUD_METADATA_URL, the login is a
 * service principal through the token service, the vault's data plane is reached with `az rest`. arm.python/
 * sitecustomize.py on PYTHONPATH resolves *.localhost to 127.0.0.1 inside az, so /etc/hosts stays untouched.
 */
const AZ = '/usr/bin/az';
const present = fs.existsSync(AZ);
if (!present) console.warn('arm.cli.test.ts skipped: /usr/bin/az is missing (apt-get install azure-cli)');

/** Holds sitecustomize.py, which resolves *.localhost to 127.0.0.1 inside az. */
const PYTHON_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '../helpers/python');

const TENANT = '00000000-0000-0000-0000-000000000000';

describe.skipIf(!present)('Debian azure-cli', () => {
  let server: TestServer;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    server = await startTestServer();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kyanite-az-'));
    const ca = path.join(dir, 'ca.pem');
    fs.writeFileSync(ca, server.caPem);
    fs.mkdirSync(path.join(dir, 'az'));
    env = {
      ...process.env,
      AZURE_CONFIG_DIR: path.join(dir, 'az'),
      REQUESTS_CA_BUNDLE: ca,
      SSL_CERT_FILE: ca,
      ARM_CLOUD_METADATA_URL: `${server.k.url}/metadata/endpoints?api-version=2019-05-01`,
      AZURE_CORE_COLLECT_TELEMETRY: 'false',
      AZURE_CORE_ONLY_SHOW_ERRORS: 'true',
      PYTHONPATH: PYTHON_DIR,
    };
  });
  afterAll(async () => {
    await server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const az = async (...args: string[]): Promise<unknown> => {
    const { stdout } = await promisify(execFile)(AZ, [...args, '--output', 'json'], { env, timeout: 120_000 });
    return stdout.trim() === '' ? undefined : JSON.parse(stdout);
  };

  it('logs in, creates, governs, deletes, recovers and purges a vault', async () => {
    await az('login', '--service-principal', '-u', 'kyanite-cli', '-p', 'secret', '--tenant', TENANT);
    await az('group', 'create', '-n', 'rg-cli', '-l', 'westeurope');

    const created = (await az('keyvault', 'create', '-g', 'rg-cli', '-n', 'kv-cli')) as { properties: { vaultUri: string; accessPolicies: unknown[] } };
    expect(created.properties.vaultUri).toBe(`https://kv-cli.vault.localhost:${server.port}/`);
    expect(created.properties.accessPolicies).toHaveLength(1);

    const shown = (await az('keyvault', 'show', '-n', 'kv-cli')) as { name: string; resourceGroup: string };
    expect(shown).toMatchObject({ name: 'kv-cli', resourceGroup: 'rg-cli' });
    const listed = (await az('keyvault', 'list')) as Array<{ name: string }>;
    expect(listed.map((v) => v.name)).toContain('kv-cli');
    const updated = (await az('keyvault', 'update', '-n', 'kv-cli', '--enabled-for-deployment', 'true')) as { properties: { enabledForDeployment: boolean } };
    expect(updated.properties.enabledForDeployment).toBe(true);
    await az('keyvault', 'set-policy', '-n', 'kv-cli', '--object-id', '22222222-2222-2222-2222-222222222222', '--secret-permissions', 'get', 'list');

    const resource = `https://vault.localhost:${server.port}`;
    const url = `https://kv-cli.vault.localhost:${server.port}/secrets/s1?api-version=7.3`;
    await az('rest', '--method', 'put', '--url', url, '--resource', resource, '--body', '{"value":"from-cli"}');
    expect(((await az('rest', '--method', 'get', '--url', url, '--resource', resource)) as { value: string }).value).toBe('from-cli');

    await az('keyvault', 'delete', '-n', 'kv-cli');
    const deleted = (await az('keyvault', 'list-deleted')) as Array<{ name: string }>;
    expect(deleted.map((v) => v.name)).toEqual(['kv-cli']);
    await az('keyvault', 'recover', '-n', 'kv-cli');
    expect(((await az('rest', '--method', 'get', '--url', url, '--resource', resource)) as { value: string }).value).toBe('from-cli');
    await az('keyvault', 'delete', '-n', 'kv-cli');
    await az('keyvault', 'purge', '-n', 'kv-cli');
    expect(await az('keyvault', 'list-deleted')).toEqual([]);
  }, 300_000);
});
