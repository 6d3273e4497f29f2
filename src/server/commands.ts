import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createClock } from '../domain/clock.js';
import { createDomain } from '../domain/index.js';
import { openStore } from '../store/index.js';
import { ConfigError, loadConfig } from './config.js';
import { exportSeed, formatOfPath, SEED_FORMATS, type SeedFormat } from './seed-file.js';
import { loadTls } from './tls.js';

/** `kyanite trust` and `kyanite hosts`, the two set-up steps a user does once per machine, and `kyanite export`. */

export function trustLines(caPath: string): string {
  return [
    `Kyanite's CA: ${caPath}`,
    '',
    '# Node.js (every SDK client and @azure/identity)',
    `export NODE_EXTRA_CA_CERTS=${caPath}`,
    '# Python SDK and Azure CLI (requests reads this; SSL_CERT_FILE is for urllib, used by ARM_CLOUD_METADATA_URL)',
    `export REQUESTS_CA_BUNDLE=${caPath}`,
    `export SSL_CERT_FILE=${caPath}`,
    '# Go (crypto/x509 on Linux) and .NET on Linux (OpenSSL) also read SSL_CERT_FILE; it replaces the system bundle,',
    '# so prefer `kyanite trust --install` when the same process also talks to public endpoints.',
    '# Java (JDK HTTPS, the Azure SDK\'s Netty and OkHttp clients): import into a PKCS12 truststore, point the JVM at it',
    `keytool -importcert -noprompt -alias kyanite -file ${caPath} -keystore kyanite-truststore.p12 -storetype PKCS12 -storepass changeit`,
    'export JAVA_TOOL_OPTIONS="-Djavax.net.ssl.trustStore=$PWD/kyanite-truststore.p12 -Djavax.net.ssl.trustStoreType=PKCS12 -Djavax.net.ssl.trustStorePassword=changeit"',
    '',
    '# A managed identity with no code change. IMDS, as on an Azure VM (start Kyanite with --imds-port IMDS_PORT):',
    'export AZURE_POD_IDENTITY_AUTHORITY_HOST=http://127.0.0.1:IMDS_PORT   # JavaScript, Python, .NET, Java',
    '# or App Service style, on the HTTPS port (every SDK, Go and the Azure CLI included):',
    'export IDENTITY_ENDPOINT=https://localhost:PORT/msi/token IDENTITY_HEADER=kyanite',
  ].join('\n');
}

export function hostsLines(names: string[]): string {
  const hosts = names.map((n) => `${n.toLowerCase()}.vault.localhost`);
  return `127.0.0.1 ${hosts.join(' ')}\n::1 ${hosts.join(' ')}`;
}

/** Installs the CA in Debian/Ubuntu's system store (needs root). */
function installCa(caPath: string): string {
  const target = '/usr/local/share/ca-certificates/kyanite-local-ca.crt';
  if (!fs.existsSync('/usr/sbin/update-ca-certificates') && !fs.existsSync('/usr/bin/update-ca-certificates')) {
    return `This system has no update-ca-certificates; add ${caPath} to its trust store by hand.`;
  }
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(caPath, target);
  fs.chmodSync(target, 0o644);
  execFileSync('update-ca-certificates', { stdio: 'ignore' });
  return `Installed ${caPath} as ${target} and ran update-ca-certificates.`;
}

/**
 * `kyanite export`: the data dir's state as a seed document, on stdout or into --out (created 0600: it holds private
 * keys). It reads the database beside a running Kyanite, which SQLite allows, and never creates one.
 */
async function exportCommand(argv: string[], out: (text: string) => void): Promise<void> {
  let values: { 'data-dir'?: string; out?: string; format?: string };
  try {
    ({ values } = parseArgs({ args: argv, options: { 'data-dir': { type: 'string' }, out: { type: 'string' }, format: { type: 'string' } }, strict: true }));
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}. Usage: kyanite export [--data-dir DIR] [--out FILE] [--format json|yaml]`);
  }
  const format = values.format ?? (values.out ? formatOfPath(values.out) : 'json');
  if (!(SEED_FORMATS as readonly string[]).includes(format)) throw new ConfigError(`Invalid --format '${format}': use json or yaml.`);
  // The data dir comes as for `kyanite` itself: the flag, else KYANITE_DATA_DIR, else ./.kyanite.
  const { dataDir } = loadConfig(values['data-dir'] ? ['--data-dir', values['data-dir']] : []);
  if (!fs.existsSync(path.join(dataDir, 'kyanite.db'))) throw new ConfigError(`No Kyanite database in ${dataDir}: nothing to export.`);
  const store = openStore({ dataDir });
  const domain = createDomain(store, createClock());
  try {
    const text = await exportSeed(domain, format as SeedFormat);
    if (values.out) {
      fs.writeFileSync(values.out, text, { mode: 0o600 });
      fs.chmodSync(values.out, 0o600); // mode only applies to a new file; an old one may be wider
    }
    else out(text);
  } finally {
    await domain.close();
    store.close();
  }
}

/** Runs a subcommand; returns false when argv names none. */
export async function runCommand(argv: string[], out: (text: string) => void): Promise<boolean> {
  const [command, ...rest] = argv;
  if (command === 'hosts') {
    const names = rest.filter((a) => !a.startsWith('-'));
    out(`${hostsLines(names.length > 0 ? names : ['default'])}\n`);
    return true;
  }
  if (command === 'trust') {
    const install = rest.includes('--install');
    const config = loadConfig(rest.filter((a) => a !== '--install'));
    process.umask(0o077);
    // Creates the CA on first use, exactly as `kyanite` would, so trust can be set up before the first start.
    const tls = await loadTls({
      dataDir: config.dataDir,
      // The CA trust hands out must be the one `kyanite` with the same flags keeps, not one it would replace.
      ...(config.tlsNames && { tlsNames: config.tlsNames }),
      warn: (message) => process.stderr.write(`kyanite: warning: ${message}\n`),
    });
    out(`${trustLines(tls.caPath!)}\n`);
    if (install) out(`${installCa(tls.caPath!)}\n`);
    return true;
  }
  if (command === 'export') {
    await exportCommand(rest, out);
    return true;
  }
  return false;
}
