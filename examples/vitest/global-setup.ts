// vitest globalSetup: one Kyanite for the whole test run, its URL and CA handed to the tests through provide().
// vitest.config.ts:  test: { globalSetup: ['./global-setup.ts'] }
import type { TestProject } from 'vitest/node';
import { startKyanite, type KyaniteFixture } from 'kyanite';

let kyanite: KyaniteFixture;

export async function setup(project: TestProject): Promise<void> {
  kyanite = await startKyanite({ vaults: ['orders'] });
  project.provide('kyaniteUrl', kyanite.vaultUrl('orders'));
  project.provide('kyaniteCaPem', kyanite.caPem);
  // Child processes and clients built without the fixture's agent trust the CA through this file.
  process.env['NODE_EXTRA_CA_CERTS'] = kyanite.caPath;
}

export async function teardown(): Promise<void> {
  await kyanite?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    kyaniteUrl: string;
    kyaniteCaPem: string;
  }
}
