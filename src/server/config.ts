import path from 'node:path';
import { parseArgs } from 'node:util';

/**
 * Every setting is a flag and an environment variable KYANITE_<UPPER_SNAKE>; the flag wins. Invalid values stop
 * start-up with a message that names both.
 */
export type AuthMode = 'any' | 'strict';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  inMemory: boolean;
  vaults: string[];
  auth: AuthMode;
  cert?: string;
  key?: string;
  logLevel: string;
}

export interface FlagSpec {
  flag: string;
  type: 'string' | 'boolean';
  multiple?: boolean;
  default: string;
  help: string;
}

/** The flags, their defaults and help: `kyanite --help` prints this table. */
export const FLAGS: readonly FlagSpec[] = [
  { flag: 'port', type: 'string', default: '8443', help: 'HTTPS port; 0 picks a free one (the URL is printed)' },
  { flag: 'host', type: 'string', default: '127.0.0.1', help: 'address to listen on' },
  { flag: 'data-dir', type: 'string', default: './.kyanite', help: 'folder of kyanite.db and tls/ (the local CA)' },
  { flag: 'in-memory', type: 'boolean', default: 'false', help: 'keep objects in memory only (no database file)' },
  { flag: 'vault', type: 'string', multiple: true, default: '', help: 'pre-create vault NAME besides "default" (repeatable; env: comma-separated)' },
  { flag: 'auth', type: 'string', default: 'any', help: 'any: every Bearer token is accepted; strict: only Kyanite tokens' },
  { flag: 'cert', type: 'string', default: '', help: 'PEM certificate to serve instead of the local CA' },
  { flag: 'key', type: 'string', default: '', help: 'PEM private key for --cert' },
  { flag: 'log-level', type: 'string', default: 'info', help: 'fatal, error, warn, info, debug, trace or silent' },
];

export const envName = (flag: string): string => `KYANITE_${flag.replace(/-/g, '_').toUpperCase()}`;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function loadConfig(argv: string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): Config {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {};
  for (const f of FLAGS) options[f.flag] = { type: f.type, ...(f.multiple && { multiple: true }) };
  let values: Record<string, string | boolean | Array<string | boolean> | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}. Run with --help to see the flags.`);
  }

  const pick = (flag: string): string | undefined => {
    const v = values[flag];
    if (typeof v === 'string') return v;
    if (typeof v === 'boolean') return String(v);
    return env[envName(flag)] || undefined;
  };
  const fail = (flag: string, why: string): never => {
    throw new ConfigError(`Invalid --${flag} (${envName(flag)}): ${why}`);
  };

  const portText = pick('port') ?? '8443';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) fail('port', `'${portText}' is not a port number from 0 to 65535`);

  const auth = pick('auth') ?? 'any';
  if (auth !== 'any' && auth !== 'strict') fail('auth', `'${auth}' is neither 'any' nor 'strict'`);

  const logLevel = pick('log-level') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) fail('log-level', `'${logLevel}' is not one of ${LOG_LEVELS.join(', ')}`);

  const flagVaults = values['vault'] as string[] | undefined;
  const vaults = (flagVaults ?? (env[envName('vault')] ?? '').split(',')).map((v) => v.trim()).filter(Boolean);
  for (const v of vaults) if (!/^[a-zA-Z0-9-]{1,24}$/.test(v)) fail('vault', `'${v}' is not a vault name (3-24 of a-z, 0-9, -)`);

  const inMemoryText = pick('in-memory') ?? 'false';
  if (!['true', 'false', '1', '0'].includes(inMemoryText)) fail('in-memory', `'${inMemoryText}' is not true or false`);

  const cert = pick('cert');
  const key = pick('key');
  if ((cert && !key) || (!cert && key)) fail(cert ? 'key' : 'cert', '--cert and --key go together');

  return {
    port,
    host: pick('host') ?? '127.0.0.1',
    dataDir: path.resolve(pick('data-dir') ?? './.kyanite'),
    inMemory: inMemoryText === 'true' || inMemoryText === '1',
    // The vault 'default' always exists (localhost serves it); --vault adds more.
    vaults: [...new Set(['default', ...vaults.map((v) => v.toLowerCase())])],
    auth: auth as AuthMode,
    ...(cert && { cert }),
    ...(key && { key }),
    logLevel,
  };
}

export function helpText(): string {
  const rows = FLAGS.map((f) => {
    const name = f.type === 'boolean' ? `--${f.flag}` : `--${f.flag} ${f.flag === 'vault' ? 'NAME' : 'VALUE'}`;
    return `  ${name.padEnd(22)} ${f.help}\n  ${''.padEnd(22)} env ${envName(f.flag)}, default ${f.default || '(none)'}`;
  });
  return [
    'Usage: kyanite [flags]              start the emulator',
    '       kyanite trust [--install]    print (or install) what clients need to trust the local CA',
    '       kyanite hosts NAME...        print /etc/hosts lines for vault host names',
    '',
    'Flags (each also an environment variable; the flag wins):',
    ...rows,
    '',
  ].join('\n');
}
