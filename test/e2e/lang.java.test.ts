import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withoutIdentityEnv } from '../helpers/identity.js';
import { MAIN, startChild, tempDir, type Child } from '../reliability/child.js';

/**
 * The Java suite (test/lang/java, JUnit 5 on the Azure SDK for Java from Maven Central) against the built
 * `kyanite` command, started as the README says. The suite gets environment variables only: KYANITE_URL,
 * KYANITE_CA (it builds its truststore from that), KYANITE_VAULT, and a hosts file for NAME.vault.localhost through
 * -Djdk.net.hosts.file. Surefire's XML reports give the counts. Install: bash scripts/ci/install-java.sh.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SUITE = path.join(ROOT, 'test/lang/java');
const INSTALL = 'bash scripts/ci/install-java.sh';
/** Every vault name the suite uses: the --vault one and the one its management test creates. */
const VAULTS = ['kv-java', 'kv-java-arm'];
/** At least this many tests must run (the number written in test/lang/java). */
const MIN_TESTS = 34;

/** Why the suite cannot run here, or undefined when mvn, a JDK and the resolved dependencies are present. */
function missingToolchain(): string | undefined {
  if (spawnSync('mvn', ['-v'], { stdio: 'ignore' }).status !== 0) return 'no `mvn` on PATH';
  if (spawnSync('javac', ['-version'], { stdio: 'ignore' }).status !== 0) return 'no `javac` (JDK 17) on PATH';
  // Offline resolution succeeds only when the install script fetched every dependency and plugin.
  const probe = spawnSync('mvn', ['-q', '-o', '-B', '-f', path.join(SUITE, 'pom.xml'), 'dependency:resolve', 'dependency:resolve-plugins'], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (probe.status !== 0) return `the suite's Maven dependencies are not in the local repository (${probe.stdout.split('\n').find((l) => l.includes('ERROR')) ?? 'mvn -o failed'})`;
  return undefined;
}

const missing = missingToolchain();
const ci = process.env.CI === 'true';
if (missing && !ci) console.warn(`lang.java.test.ts skipped: ${missing}; run ${INSTALL}`);

interface Counts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  suites: string[];
}

/** Sums surefire's TEST-*.xml reports (one per test class and execution). */
function surefireCounts(dir: string): Counts {
  const counts: Counts = { tests: 0, failures: 0, errors: 0, skipped: 0, suites: [] };
  if (!fs.existsSync(dir)) return counts;
  for (const file of fs.readdirSync(dir).filter((f) => /^TEST-.*\.xml$/.test(f))) {
    const xml = fs.readFileSync(path.join(dir, file), 'utf8');
    const head = /<testsuite\b[^>]*>/.exec(xml)?.[0] ?? '';
    const attr = (name: string) => Number(new RegExp(`\\s${name}="(\\d+)"`).exec(head)?.[1] ?? 0);
    counts.tests += attr('tests');
    counts.failures += attr('failures');
    counts.errors += attr('errors');
    counts.skipped += attr('skipped');
    counts.suites.push(`${/\sname="([^"]+)"/.exec(head)?.[1]}: ${attr('tests')}`);
  }
  return counts;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe.skipIf(!!missing && !ci)('Java suite: Azure SDK for Java (JUnit 5, mvn -q test)', () => {
  let kyanite: Child | undefined;
  let dir: string;

  beforeAll(async () => {
    if (missing) return;
    dir = tempDir('kyanite-java-');
    kyanite = await startChild(path.join(dir, 'data'), VAULTS.slice(0, 1).flatMap((v) => ['--vault', v]));
    // The JVM resolves names from this file alone (jdk.net.hosts.file), so it lists localhost too.
    fs.writeFileSync(path.join(dir, 'hosts'), `127.0.0.1 localhost ${VAULTS.map((v) => `${v}.vault.localhost`).join(' ')}\n`);
  }, 60_000);
  afterAll(async () => {
    await kyanite?.kill();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('`kyanite trust` prints Java lines that make a plain JVM trust Kyanite', async () => {
    if (missing) throw new Error(`the Java toolchain is missing (${missing}): run ${INSTALL}`);
    const printed = spawnSync(process.execPath, [MAIN, 'trust', '--data-dir', kyanite!.dataDir], { encoding: 'utf8' });
    expect(printed.status).toBe(0);
    const javaLines = printed.stdout.split('\n').filter((l) => l.startsWith('keytool ') || l.startsWith('export JAVA_TOOL_OPTIONS='));
    expect(javaLines).toHaveLength(2);
    // The user's steps, as printed, in a fresh directory: import, export, then any JVM.
    const work = fs.mkdtempSync(path.join(dir, 'trust-'));
    const probe = path.join(SUITE, 'trust-probe/TrustProbe.java');
    const script = [...javaLines, `java ${JSON.stringify(probe)} https://localhost:${kyanite!.port}/metadata/endpoints?api-version=2022-09-01`].join('\n');
    const { code, output } = await run('bash', ['-euo', 'pipefail', '-c', script], withoutIdentityEnv(), work);
    expect(code, output).toBe(0);
    expect(output).toContain('status 200');
  }, 120_000);

  it('runs every test of test/lang/java with 0 failed and 0 skipped', async () => {
    if (missing) throw new Error(`the Java toolchain is missing (${missing}): run ${INSTALL}`);
    const reports = path.join(SUITE, 'target/surefire-reports');
    fs.rmSync(reports, { recursive: true, force: true });
    const env = {
      ...withoutIdentityEnv(),
      KYANITE_URL: `https://localhost:${kyanite!.port}`,
      KYANITE_CA: path.join(kyanite!.dataDir, 'tls', 'ca.pem'),
      KYANITE_VAULT: VAULTS[0],
    };
    const { code, output } = await run('mvn', ['-q', '-o', '-B', 'test', `-Dkyanite.hostsFile=${path.join(dir, 'hosts')}`], env, SUITE);
    const counts = surefireCounts(reports);
    const summary = `Java suite: ${counts.tests - counts.failures - counts.errors - counts.skipped} passed, ${counts.failures + counts.errors} failed, ${counts.skipped} skipped`;
    console.log(`${summary}\n  ${counts.suites.join('\n  ')}`);
    if (code !== 0) console.log(output.slice(-20_000));
    expect(code, output.slice(-4000)).toBe(0);
    expect(counts.failures + counts.errors).toBe(0);
    expect(counts.skipped).toBe(0);
    expect(counts.tests).toBeGreaterThanOrEqual(MIN_TESTS);
  }, 15 * 60_000);

  it('DefaultAzureCredential (service principal from the environment) against --auth strict', async () => {
    if (missing) throw new Error(`the Java toolchain is missing (${missing}): run ${INSTALL}`);
    // The principal the pom's env-service-principal execution exports; Kyanite checks its secret, the token's
    // signature, tenant and audience, and the vault's access policy (the admin entry on the --vault vault).
    const strictDir = path.join(dir, 'strict');
    const strict = await startChild(strictDir, ['--auth', 'strict', '--principal', 'java-env-app:java-env-secret', '--admin-principal', 'java-env-app', '--vault', VAULTS[0]!]);
    try {
      const report = path.join(SUITE, 'target/surefire-reports/TEST-dev.kyanite.suite.IdentityServicePrincipalTest.xml');
      fs.rmSync(report, { force: true });
      const env = {
        ...withoutIdentityEnv(),
        KYANITE_URL: `https://localhost:${strict.port}`,
        KYANITE_CA: path.join(strictDir, 'tls', 'ca.pem'),
        KYANITE_VAULT: VAULTS[0],
      };
      const args = ['-q', '-o', '-B', 'test', '-Dtest=IdentityServicePrincipalTest', '-Dsurefire.failIfNoSpecifiedTests=false', `-Dkyanite.hostsFile=${path.join(dir, 'hosts')}`];
      const { code, output } = await run('mvn', args, env, SUITE);
      expect(code, output.slice(-4000)).toBe(0);
      const head = /<testsuite\b[^>]*>/.exec(fs.readFileSync(report, 'utf8'))?.[0] ?? '';
      expect(head).toMatch(/\stests="1"/);
      expect(head).toMatch(/\sfailures="0"/);
      expect(head).toMatch(/\serrors="0"/);
      expect(head).toMatch(/\sskipped="0"/);
    } finally {
      await strict.kill();
    }
  }, 10 * 60_000);
});
