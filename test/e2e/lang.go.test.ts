import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChild, tempDir, type Child } from '../reliability/child.js';

/**
 * The Go suite (test/lang/go, docs/recipes-go.md): the current Azure SDK for Go modules (azsecrets, azkeys,
 * azcertificates, azadmin, azidentity, armkeyvault; versions pinned in go.mod) run by `go test` against the built
 * `kyanite` command started the way the README says. Everything reaches Go through environment variables: trust
 * (SSL_CERT_FILE = the data dir's tls/ca.pem), the vault URLs, and DefaultAzureCredential's service principal.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SUITE = path.join(ROOT, 'test/lang/go');
const INSTALL = 'bash scripts/ci/install-go.sh';

/** Go's own environment for the suite: the local toolchain only and no network (the modules are installed). */
const goEnv = { GOTOOLCHAIN: 'local', GOPROXY: 'off', GOFLAGS: '-mod=readonly' };

/** The Go release go.mod asks for ("go 1.26.0" → [1, 26]). */
function requiredGo(): [number, number] {
  const m = /^go (\d+)\.(\d+)/m.exec(fs.readFileSync(path.join(SUITE, 'go.mod'), 'utf8'));
  return m ? [Number(m[1]), Number(m[2])] : [1, 0];
}

function missingToolchain(): string | undefined {
  const version = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' });
  if (version.status !== 0) return 'no `go` on PATH';
  // Debian's golang-go (1.19, installed for the track 1 recipe) may come first on PATH; the modules need a current Go.
  const [major, minor] = requiredGo();
  const m = /^go(\d+)\.(\d+)/.exec(version.stdout.trim());
  if (!m || Number(m[1]) < major || (Number(m[1]) === major && Number(m[2]) < minor)) {
    return `\`go\` on PATH is ${version.stdout.trim()}, the suite needs go${major}.${minor} or later first on PATH`;
  }
  const deps = spawnSync('go', ['list', '-test', '-deps', './...'], { cwd: SUITE, env: { ...process.env, ...goEnv }, encoding: 'utf8' });
  if (deps.status !== 0) return `the suite's Go modules are not installed (${deps.stderr.trim().split('\n').pop()})`;
  return undefined;
}

const missing = missingToolchain();
const inCi = process.env.CI === 'true';
if (missing && !inCi) console.warn(`lang.go.test.ts skipped: ${missing}; run \`${INSTALL}\``);

/** Test functions declared in the suite: the runner must report at least this many passes. */
function declaredTests(): number {
  return fs
    .readdirSync(SUITE)
    .filter((f) => f.endsWith('_test.go'))
    .reduce((n, f) => n + (fs.readFileSync(path.join(SUITE, f), 'utf8').match(/^func Test\w+\(t \*testing\.T\)/gm)?.length ?? 0), 0);
}

interface GoRun {
  code: number | null;
  passed: string[];
  failed: string[];
  skipped: string[];
  output: string;
}

/** `go test -json`: counts the pass/fail/skip events of tests (package events have no Test field). */
function goTest(env: NodeJS.ProcessEnv): Promise<GoRun> {
  return new Promise((resolve, reject) => {
    const proc = spawn('go', ['test', '-count=1', '-json', '-timeout', '10m', './...'], { cwd: SUITE, env });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.on('error', reject);
    proc.on('close', (code) => {
      const run: GoRun = { code, passed: [], failed: [], skipped: [], output: stderr };
      for (const line of stdout.split('\n')) {
        if (!line.startsWith('{')) {
          run.output += `${line}\n`;
          continue;
        }
        const ev = JSON.parse(line) as { Action: string; Test?: string; Output?: string };
        if (ev.Output) run.output += ev.Output;
        if (!ev.Test) continue;
        if (ev.Action === 'pass') run.passed.push(ev.Test);
        else if (ev.Action === 'fail') run.failed.push(ev.Test);
        else if (ev.Action === 'skip') run.skipped.push(ev.Test);
      }
      resolve(run);
    });
  });
}

/** The inherited environment minus anything that would steer azidentity or Go elsewhere. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) {
    if (/^(AZURE_|IDENTITY_|MSI_|IMDS_|KEYVAULT_|KYANITE_)/.test(k)) delete env[k];
  }
  return env;
}

const APP = { clientId: 'go-suite-app', secret: 'go-suite-secret' };

describe.skipIf(!!missing && !inCi)('Go suite: Azure SDK for Go (track 2) against the kyanite command', () => {
  let child: Child | undefined;
  let strict: Child | undefined;
  let dataDir: string;
  let strictDir: string;

  beforeAll(async () => {
    if (missing) return;
    dataDir = tempDir('kyanite-lang-go-');
    strictDir = tempDir('kyanite-lang-go-strict-');
    // The README's quick start (--auth any) with a named vault, and a strict one that knows the suite's principal.
    [child, strict] = await Promise.all([
      startChild(dataDir, ['--vault', 'kv-go']),
      startChild(strictDir, ['--auth', 'strict', '--principal', `${APP.clientId}:${APP.secret}`, '--admin-principal', APP.clientId]),
    ]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([child?.kill(), strict?.kill()]);
    for (const dir of [dataDir, strictDir]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('go test passes every test, none skipped', async () => {
    if (missing) throw new Error(`Go suite cannot run: ${missing}. Install it with \`${INSTALL}\` (CI=true: a missing toolchain fails)`);
    const base = `https://localhost:${child!.port}`;
    // SSL_CERT_FILE takes a bundle: both data dirs' tls/ca.pem.
    const bundle = path.join(dataDir, 'ca-bundle.pem');
    fs.writeFileSync(bundle, [dataDir, strictDir].map((dir) => fs.readFileSync(path.join(dir, 'tls', 'ca.pem'), 'utf8')).join('\n'));
    const run = await goTest({
      ...cleanEnv(),
      ...goEnv,
      SSL_CERT_FILE: bundle,
      KYANITE_URL: base,
      KEYVAULT_URL: `https://kv-go.vault.localhost:${child!.port}`,
      KYANITE_STRICT_URL: `https://localhost:${strict!.port}`,
      AZURE_AUTHORITY_HOST: base,
      AZURE_TENANT_ID: 'adfs',
      AZURE_CLIENT_ID: APP.clientId,
      AZURE_CLIENT_SECRET: APP.secret,
    });
    const summary = `go test: ${run.passed.length} passed, ${run.failed.length} failed, ${run.skipped.length} skipped`;
    console.log(summary);
    if (run.code !== 0 || run.failed.length || run.skipped.length) {
      console.log(run.output.slice(-20_000));
      console.log(`kyanite stderr:\n${child!.stderr().slice(-5_000)}\nstrict kyanite stderr:\n${strict!.stderr().slice(-5_000)}`);
    }
    expect(run.failed, summary).toEqual([]);
    expect(run.skipped, summary).toEqual([]);
    expect(run.code, summary).toBe(0);
    expect(run.passed.length).toBeGreaterThanOrEqual(declaredTests());
  }, 15 * 60_000);
});
