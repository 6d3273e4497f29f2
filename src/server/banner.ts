import type { RunningKyanite } from './kyanite.js';
import { remoteAccessWarning } from './remote-access.js';

/** Who strict mode lets in, and who may do anything: since nobody holds a permission by default, say so. */
function strictLines(config: RunningKyanite['config']): string[] {
  const declared = config.principals ?? [];
  const managed = declared.filter((p) => p.managedIdentity).length;
  const admins = config.adminPrincipals ?? [];
  return [
    `Declared: ${declared.length - managed} service principal(s), ${managed} managed identit${managed === 1 ? 'y' : 'ies'}`,
    admins.length > 0
      ? `Admins:    ${admins.join(', ')} (every permission on the pre-made vaults, Owner on ARM)`
      : 'Admins:    none: declared identities hold no permission until granted (--admin-principal, access policies, roles)',
  ];
}

/** What a person needs after start-up: where Kyanite listens, which vaults it serves and how to trust it. */
export function banner(k: RunningKyanite): string {
  const { port, config } = k;
  const vaults = k.domain.vaults.list().map((v) =>
    v.name === 'default' ? `  default      https://localhost:${port}` : `  ${v.name.padEnd(12)} https://${v.name}.vault.localhost:${port}`,
  );
  const lines = [
    `Kyanite is serving Azure Key Vault on https://localhost:${port} (listening on ${config.host}:${port})`,
    '',
    'Vaults:',
    ...vaults,
    '',
    `Auth mode: ${config.auth}    Data: ${config.inMemory ? 'in memory' : config.dataDir}`,
    ...(config.auth === 'strict' ? strictLines(config) : []),
  ];
  const warning = remoteAccessWarning(config);
  if (warning) lines.push('', `WARNING: ${warning}`);
  if (k.caPath) {
    lines.push(
      `Local CA:  ${k.caPath}`,
      '',
      'Trust it before starting your client:',
      `  export NODE_EXTRA_CA_CERTS=${k.caPath}        # Node.js`,
      `  export REQUESTS_CA_BUNDLE=${k.caPath}         # Python SDK and Azure CLI`,
      `  export SSL_CERT_FILE=${k.caPath}              # OpenSSL-based tools, Go`,
    );
  } else if (config.cert) {
    lines.push(`Serving the certificate ${config.cert}`);
  }
  if (k.imdsUrl) {
    lines.push(
      '',
      `Managed identity over IMDS (plain HTTP, loopback only): ${k.imdsUrl}/metadata/identity/oauth2/token`,
      `  export AZURE_POD_IDENTITY_AUTHORITY_HOST=${k.imdsUrl}   # DefaultAzureCredential: JavaScript, Python, .NET, Java`,
    );
  }
  lines.push('', `Vault hosts other than localhost need a name that resolves to ${config.host}, e.g. in /etc/hosts:`);
  lines.push(`  127.0.0.1 ${k.domain.vaults.list().map((v) => `${v.name}.vault.localhost`).join(' ')}`);
  return lines.join('\n');
}
