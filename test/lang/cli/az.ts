import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { withoutIdentityEnv } from '../../helpers/identity.js';

/**
 * The Azure CLI from PyPI (test/lang/cli/requirements.txt, installed by scripts/ci/install-cli.sh into
 * .lang/cli-venv) run against a started Kyanite with environment variables only: the cloud from
 * ARM_CLOUD_METADATA_URL, trust from REQUESTS_CA_BUNDLE (requests, MSAL) and SSL_CERT_FILE (urllib, which fetches
 * the metadata), `NAME.vault.localhost` resolved to 127.0.0.1 by test/helpers/python/sitecustomize.py on PYTHONPATH.
 */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const VENV = path.join(ROOT, '.lang', 'cli-venv');
export const AZ = path.join(VENV, 'bin', 'az');
export const INSTALL_STEP = 'bash scripts/ci/install-cli.sh';
const SITE_DIR = path.join(ROOT, 'test', 'helpers', 'python');

/** The azure-cli version pinned in requirements.txt. */
export function pinnedVersion(): string {
  const line = fs.readFileSync(path.join(ROOT, 'test/lang/cli/requirements.txt'), 'utf8').match(/^azure-cli==(\S+)$/m);
  if (!line) throw new Error('test/lang/cli/requirements.txt pins no azure-cli version');
  return line[1]!;
}

/** Why the suite cannot run here (no venv, or another azure-cli version in it), or undefined when it can. */
export function missingToolchain(): string | undefined {
  if (!fs.existsSync(AZ)) return `${path.relative(ROOT, AZ)} is missing`;
  const want = pinnedVersion();
  const got = spawnSync(path.join(VENV, 'bin', 'python'), ['-c', 'import importlib.metadata as m; print(m.version("azure-cli"))'], {
    encoding: 'utf8',
  });
  const have = got.stdout?.trim();
  return have === want ? undefined : `.lang/cli-venv has azure-cli ${have || '(none)'}, not the pinned ${want}`;
}

export interface AzError extends Error {
  code: number | null;
  stderr: string;
}

/** One az configuration (its own AZURE_CONFIG_DIR, so its own login) against one Kyanite. */
export class AzSession {
  readonly env: NodeJS.ProcessEnv;
  /** Every command this session ran, for the suite's report. */
  readonly commands: string[] = [];

  constructor(
    readonly port: number,
    dataDir: string,
    configDir: string,
    /** More variables; `undefined` removes one (e.g. ARM_CLOUD_METADATA_URL, for `az cloud register`). */
    extraEnv: Record<string, string | undefined> = {},
  ) {
    fs.mkdirSync(configDir, { recursive: true });
    const ca = path.join(dataDir, 'tls', 'ca.pem');
    this.env = {
      ...withoutIdentityEnv(),
      AZURE_CONFIG_DIR: configDir,
      REQUESTS_CA_BUNDLE: ca,
      SSL_CERT_FILE: ca,
      ARM_CLOUD_METADATA_URL: `https://localhost:${port}/metadata/endpoints?api-version=2019-05-01`,
      AZURE_CORE_COLLECT_TELEMETRY: 'false',
      AZURE_CORE_ONLY_SHOW_ERRORS: 'true',
      AZURE_CORE_NO_COLOR: 'true',
      PYTHONPATH: SITE_DIR,
    };
    for (const [k, v] of Object.entries(extraEnv)) {
      if (v === undefined) delete this.env[k];
      else this.env[k] = v;
    }
  }

  /** Runs `az ARGS --output json` and parses what it prints (undefined for commands that print nothing). */
  async json<T = any>(...args: string[]): Promise<T> {
    const out = await this.raw(...args, '--output', 'json');
    return (out.trim() === '' ? undefined : JSON.parse(out)) as T;
  }

  /** Runs az and returns its stdout; rejects with the exit code and stderr when it fails. */
  raw(...args: string[]): Promise<string> {
    this.commands.push(args.slice(0, 4).join(' '));
    return new Promise((resolve, reject) => {
      execFile(AZ, args, { env: this.env, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        const failure = new Error(`az ${args.join(' ')} failed (${error.code}): ${stderr.trim()}`) as AzError;
        failure.code = typeof error.code === 'number' ? error.code : null;
        failure.stderr = stderr;
        reject(failure);
      });
    });
  }

  /** Runs az where it must fail, and returns its stderr (the service's error code and message). */
  async failure(...args: string[]): Promise<string> {
    try {
      await this.raw(...args, '--output', 'json');
    } catch (e) {
      return (e as AzError).stderr;
    }
    throw new Error(`az ${args.join(' ')} succeeded but should have failed`);
  }
}
