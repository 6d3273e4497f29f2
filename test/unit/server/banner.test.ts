import { afterEach, describe, expect, it } from 'vitest';
import { banner } from '../../../src/server/banner.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

describe('start-up banner under --auth strict', () => {
  it('says that nobody holds a permission when no admin is named', async () => {
    server = await startTestServer({ auth: 'strict', principals: [{ clientId: 'app', secret: 's' }, { clientId: 'system-mi', managedIdentity: true }] });
    const text = banner(server.k);
    expect(text).toContain('Declared: 1 service principal(s), 1 managed identity');
    expect(text).toContain('Admins:    none: declared identities hold no permission until granted');
  });

  it('names the admins', async () => {
    server = await startTestServer({ auth: 'strict', principals: [{ clientId: 'app', secret: 's' }], adminPrincipals: ['app'] });
    expect(banner(server.k)).toContain('Admins:    app (every permission on the pre-made vaults, Owner on ARM)');
  });

  it('says nothing of principals in --auth any', async () => {
    server = await startTestServer({ auth: 'any' });
    expect(banner(server.k)).not.toContain('Admins:');
  });
});
