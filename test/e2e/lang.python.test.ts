import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChild, tempDir, type Child } from '../reliability/child.js';

/**
 * The Python suite (test/lang/python, pytest) on the current PyPI packages, against Kyanite started the way the
 * README says: the built `kyanite` command with --port 0, its own data dir and the default `--auth any`, plus one
 * named vault. pytest gets environment variables only: the CA through REQUESTS_CA_BUNDLE, the URLs, and a service
 * principal for DefaultAzureCredential at Kyanite's token service. Toolchain: `bash scripts/ci/install-python.sh`.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SUITE = path.join(ROOT, 'test/lang/python');
const PYTHON = path.join(ROOT, '.lang/python-venv/bin/python');
const INSTALL = 'bash scripts/ci/install-python.sh';
const VAULT = 'pyvault';
/** A second Kyanite under --auth strict with one declared service principal, for the strict-mode identity test. */
const STRICT = { vault: 'pystrict', clientId: 'python-strict-app', secret: 'python-strict-secret' };

function missingToolchain(): string | undefined {
  if (!fs.existsSync(PYTHON)) return `no venv at .lang/python-venv`;
  // The install script stamps the venv with the hash of the requirements it installed.
  const want = createHash('sha256').update(fs.readFileSync(path.join(SUITE, 'requirements.txt'))).digest('hex');
  const stamp = path.join(ROOT, '.lang/python-venv/.requirements.sha256');
  if (!fs.existsSync(stamp) || fs.readFileSync(stamp, 'utf8').trim() !== want) {
    return 'the venv does not hold the current test/lang/python/requirements.txt';
  }
  const probe = spawnSync(PYTHON, ['-c', 'from azure.keyvault import KeyVaultClient; import azure.keyvault.secrets, azure.mgmt.keyvault, azure.identity, cryptography, pytest'], {
    encoding: 'utf8',
  });
  return probe.status === 0 ? undefined : `the venv lacks the suite's packages (${probe.stderr.trim().split('\n').pop()})`;
}

/** Tests written in the suite: the runner must report at least this many passed. */
function testsWritten(): number {
  return fs
    .readdirSync(SUITE)
    .filter((f) => /^test_.*\.py$/.test(f))
    .reduce((n, f) => n + (fs.readFileSync(path.join(SUITE, f), 'utf8').match(/^\s*def test_/gm)?.length ?? 0), 0);
}

/** The counts of pytest's JUnit XML report (its first <testsuite> element). */
function junitCounts(xml: string): { tests: number; failures: number; errors: number; skipped: number } {
  const suite = /<testsuite\b[^>]*>/.exec(xml)?.[0];
  if (!suite) throw new Error(`no <testsuite> in the JUnit report: ${xml.slice(0, 200)}`);
  const attr = (name: string) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(suite)?.[1] ?? NaN);
  return { tests: attr('tests'), failures: attr('failures'), errors: attr('errors'), skipped: attr('skipped') };
}

const missing = missingToolchain();
const ci = process.env.CI === 'true';
if (missing && !ci) console.warn(`lang.python.test.ts skipped: ${missing}; install it with \`${INSTALL}\``);

describe.skipIf(!!missing && !ci)('Python suite on the current PyPI packages (test/lang/python)', () => {
  let child: Child | undefined;
  let strict: Child | undefined;
  let dataDir: string;
  let strictDir: string;
  let work: string;

  beforeAll(async () => {
    if (missing) return;
    dataDir = tempDir('kyanite-lang-python-');
    strictDir = tempDir('kyanite-lang-python-strict-');
    work = tempDir('kyanite-pytest-');
    [child, strict] = await Promise.all([
      startChild(dataDir, ['--vault', VAULT, '--imds-port', '0']),
      startChild(strictDir, ['--auth', 'strict', '--vault', STRICT.vault, '--principal', `${STRICT.clientId}:${STRICT.secret}`,
        '--admin-principal', STRICT.clientId]),
    ]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([child?.kill(), strict?.kill()]);
    for (const dir of [dataDir, strictDir, work]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('passes with nothing failed or skipped', async () => {
    if (missing) throw new Error(`Python toolchain missing under CI=true: ${missing}. Run \`${INSTALL}\` first.`);
    const base = `https://localhost:${child!.port}`;
    // The machine's own Azure variables must not leak into the suite: it is driven by these alone.
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !/^(AZURE_|IDENTITY_|MSI_|REQUESTS_CA_BUNDLE$|SSL_CERT_FILE$|PYTHON)/.test(k)),
    );
    // Each Kyanite made its own CA: one bundle trusts both (a user of one Kyanite points at its ca.pem alone).
    const bundle = path.join(work, 'ca-bundle.pem');
    fs.writeFileSync(bundle, [dataDir, strictDir].map((d) => fs.readFileSync(path.join(d, 'tls', 'ca.pem'), 'utf8')).join('\n'));
    // The banner's IMDS line: the plain-HTTP listener that AZURE_POD_IDENTITY_AUTHORITY_HOST names.
    const imds = /export AZURE_POD_IDENTITY_AUTHORITY_HOST=(http:\/\/127\.0\.0\.1:\d+)/.exec(child!.stdout());
    expect(imds, 'the banner names the IMDS listener').not.toBeNull();
    Object.assign(env, {
      KYANITE_URL: base,
      KYANITE_IMDS_URL: imds![1],
      KYANITE_VAULT_URL: `https://${VAULT}.vault.localhost:${child!.port}`,
      KYANITE_STRICT_URL: `https://localhost:${strict!.port}`,
      KYANITE_STRICT_VAULT_URL: `https://${STRICT.vault}.vault.localhost:${strict!.port}`,
      KYANITE_STRICT_CLIENT_ID: STRICT.clientId,
      KYANITE_STRICT_CLIENT_SECRET: STRICT.secret,
      REQUESTS_CA_BUNDLE: bundle,
      AZURE_AUTHORITY_HOST: base,
      AZURE_TENANT_ID: 'adfs',
      AZURE_CLIENT_ID: 'kyanite-python-suite',
      AZURE_CLIENT_SECRET: 'any-secret-in-auth-any',
      // *.localhost → 127.0.0.1 for this process only (test/helpers/python/sitecustomize.py), as an /etc/hosts line would.
      PYTHONPATH: path.join(SUITE, '../../helpers/python'),
      PYTHONDONTWRITEBYTECODE: '1',
    });
    const report = path.join(work, 'junit.xml');
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
      const proc = spawn(PYTHON, ['-m', 'pytest', '-q', '--junitxml', report, '-o', 'junit_family=xunit2'], {
        cwd: SUITE,
        env,
        timeout: 10 * 60_000, // killed rather than left behind if it hangs
      });
      let out = '';
      proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
      proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
      proc.on('error', reject);
      proc.on('close', (c) => resolve({ code: c, output: out }));
    });
    const summary = output.trim().split('\n').slice(-1)[0];
    console.log(`pytest: ${summary}`);
    if (code !== 0) console.log(output.slice(-20_000));
    expect(code, output.slice(-5000)).toBe(0);
    const counts = junitCounts(fs.readFileSync(report, 'utf8'));
    console.log(`pytest JUnit report: ${counts.tests} tests, ${counts.failures} failed, ${counts.errors} errors, ${counts.skipped} skipped`);
    expect(counts.failures + counts.errors).toBe(0);
    expect(counts.skipped).toBe(0);
    expect(counts.tests).toBeGreaterThanOrEqual(testsWritten());
  }, 15 * 60_000);
});
