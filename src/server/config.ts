import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseTlsName } from '../crypto/tls-names.js';
import { DEFAULT_MANAGED_IDENTITY_CLIENT_ID, type Principal } from '../identity/index.js';

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
  /**
   * Names, .suffixes, IP addresses and ranges the local CA may vouch for besides localhost, *.localhost and the
   * loopback addresses (src/crypto/tls-names.ts); its name constraints list exactly these.
   */
  tlsNames?: string[];
  logLevel: string;
  /** Emulate the service's per-vault throttling; `throttleLimit` scales it (4000 = the service's numbers). */
  throttle?: boolean;
  throttleLimit?: number;
  /** Share of data-plane requests answered 503 (0..1). */
  faultRate?: number;
  /** Added delay on data-plane requests, in milliseconds. */
  latency?: { min: number; max: number };
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  maxConnections?: number;
  /** Keep issuer-Self certificate operations inProgress this long, in milliseconds (for testing pollers). */
  selfSignedDelayMs?: number;
  /** RSA-2048 keys kept ready, generated off the request path; 0 generates on demand only. */
  keyPool?: number;
  /** A seed file (JSON or YAML) of vaults and objects, applied idempotently at start (src/server/seed-file.ts). */
  seed?: string;
  /**
   * Declared identities (--principal, --managed-identity, --principals FILE): service principals with secrets, the
   * only clients --auth strict signs in, and managed identities (`managedIdentity: true`), the only ones it issues.
   */
  principals?: Principal[];
  /**
   * Client ids that administer --auth strict: full access policies on the pre-made vaults and Owner of every
   * subscription. Undefined or empty means nobody: declaring a principal gives it no permission.
   */
  adminPrincipals?: string[];
  /** Answer clients beyond loopback under --auth any on a non-loopback --host (protected mode is off). */
  allowRemote?: boolean;
  /** Serve IMDS's identity endpoint over plain HTTP on 127.0.0.1 at this port (0 picks one); off when undefined. */
  imdsPort?: number;
}

export interface FlagSpec {
  flag: string;
  type: 'string' | 'boolean';
  multiple?: boolean;
  default: string;
  help: string;
  /** What --help shows after the flag; VALUE when not given. */
  metavar?: string;
}

/** The flags, their defaults and help: `kyanite --help` prints this table. */
export const FLAGS: readonly FlagSpec[] = [
  { flag: 'port', type: 'string', default: '8443', help: 'HTTPS port; 0 picks a free one (the URL is printed)' },
  { flag: 'host', type: 'string', default: '127.0.0.1', help: 'address to listen on (beyond loopback, --auth any answers loopback clients only: see --allow-remote)' },
  {
    flag: 'allow-remote',
    type: 'boolean',
    default: 'false',
    help: 'with --auth any on a non-loopback --host, answer every client (they can all read every secret); otherwise loopback clients only',
  },
  { flag: 'data-dir', type: 'string', default: './.kyanite', help: 'folder of kyanite.db and tls/ (the local CA)' },
  { flag: 'in-memory', type: 'boolean', default: 'false', help: 'keep objects in memory only (no database file)' },
  { flag: 'vault', type: 'string', multiple: true, default: '', metavar: 'NAME', help: 'pre-create vault NAME besides "default" (repeatable; env: comma-separated)' },
  { flag: 'auth', type: 'string', default: 'any', help: 'any: every Bearer token is accepted; strict: only Kyanite tokens, checked against access policies' },
  {
    flag: 'principal',
    type: 'string',
    multiple: true,
    default: '',
    metavar: 'ID:SECRET[:OID]',
    help: 'declare a service principal (client id, secret, optional object id) for --auth strict (repeatable; env: comma-separated)',
  },
  {
    flag: 'managed-identity',
    type: 'string',
    multiple: true,
    default: '',
    metavar: 'ID[:OID]',
    help: 'declare a managed identity (client id, optional object id; "system" for the system-assigned one): the only ones --auth strict issues (repeatable; env: comma-separated)',
  },
  {
    flag: 'principals',
    type: 'string',
    default: '',
    metavar: 'FILE',
    help: 'JSON list of principals [{"clientId","secret","objectId"?,"displayName"?}] and managed identities [{"clientId","managedIdentity":true,"objectId"?,"resourceId"?}]',
  },
  {
    flag: 'admin-principal',
    type: 'string',
    multiple: true,
    default: '',
    metavar: 'CLIENT_ID',
    help: 'client id given all permissions on the pre-made vaults and Owner of the subscriptions in --auth strict (repeatable; "system" = the system-assigned identity; default and "none": nobody)',
  },
  {
    flag: 'tls-name',
    type: 'string',
    multiple: true,
    default: '',
    metavar: 'NAME',
    help: 'also let the local CA vouch for NAME (and its subdomains), .SUFFIX, an IP address or a CIDR range; it vouches for localhost, *.localhost and loopback only otherwise (repeatable; env: comma-separated)',
  },
  {
    flag: 'imds-port',
    type: 'string',
    default: '',
    metavar: 'PORT',
    help: "serve IMDS's managed-identity token endpoint over plain HTTP on 127.0.0.1:PORT (0 picks one; off by default), for AZURE_POD_IDENTITY_AUTHORITY_HOST",
  },
  { flag: 'cert', type: 'string', default: '', help: 'PEM certificate to serve instead of the local CA' },
  { flag: 'key', type: 'string', default: '', help: 'PEM private key for --cert' },
  { flag: 'log-level', type: 'string', default: 'info', help: 'fatal, error, warn, info, debug, trace or silent' },
  { flag: 'self-signed-delay', type: 'string', default: '0', metavar: 'MS', help: 'keep self-signed certificate operations inProgress this long (test your pollers)' },
  { flag: 'key-pool', type: 'string', default: '12', metavar: 'N', help: 'RSA-2048 keys kept ready in a background thread, so key and certificate creation need not wait' },
  { flag: 'seed', type: 'string', default: '', metavar: 'FILE', help: 'JSON or YAML file of vaults, secrets, keys and certificates, applied at start (docs/seed-and-export.md)' },
  { flag: 'throttle', type: 'boolean', default: 'false', help: "answer 429 past Key Vault's per-vault limits (per 10 s, weighted)" },
  { flag: 'throttle-limit', type: 'string', default: '4000', help: 'plain transactions per vault per 10 s for --throttle; other limits scale along' },
  { flag: 'fault-rate', type: 'string', default: '0', help: 'share 0..1 of data-plane requests answered 503 ServiceUnavailable' },
  { flag: 'latency', type: 'string', default: '0', help: 'delay added to data-plane requests: MS or MIN:MAX (milliseconds)' },
  { flag: 'headers-timeout', type: 'string', default: '30000', help: 'milliseconds to receive a request head (408 after)' },
  { flag: 'request-timeout', type: 'string', default: '60000', help: 'milliseconds to receive a whole request (408 after)' },
  { flag: 'max-connections', type: 'string', default: '1000', help: 'open connections at most; more are closed at once' },
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

  const portOf = (flag: string, text: string): number => {
    if (!/^\d+$/.test(text) || Number(text) > 65535) fail(flag, `'${text}' is not a port number from 0 to 65535`);
    return Number(text);
  };
  const port = portOf('port', pick('port') ?? '8443');
  const imdsPort = pick('imds-port');

  const auth = pick('auth') ?? 'any';
  if (auth !== 'any' && auth !== 'strict') fail('auth', `'${auth}' is neither 'any' nor 'strict'`);

  const logLevel = pick('log-level') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) fail('log-level', `'${logLevel}' is not one of ${LOG_LEVELS.join(', ')}`);

  /** A repeatable flag, or its variable as a comma-separated list. */
  const list = (flag: string): string[] | undefined => {
    const given = (values[flag] as string[] | undefined) ?? env[envName(flag)]?.split(',');
    return given?.map((v) => v.trim()).filter(Boolean);
  };

  const vaults = list('vault') ?? [];
  for (const v of vaults) if (!/^[a-zA-Z0-9-]{1,24}$/.test(v)) fail('vault', `'${v}' is not a vault name (3-24 of a-z, 0-9, -)`);

  const bool = (flag: string): boolean => {
    const text = pick(flag) ?? 'false';
    if (!['true', 'false', '1', '0'].includes(text)) fail(flag, `'${text}' is not true or false`);
    return text === 'true' || text === '1';
  };

  const tlsNames = list('tls-name') ?? [];
  for (const name of tlsNames) {
    try {
      parseTlsName(name);
    } catch (err) {
      fail('tls-name', (err as Error).message);
    }
  }

  const cert = pick('cert');
  const key = pick('key');
  if ((cert && !key) || (!cert && key)) fail(cert ? 'key' : 'cert', '--cert and --key go together');

  const whole = (flag: string, fallback: string, min: number): number => {
    const text = pick(flag) ?? fallback;
    if (!/^\d+$/.test(text) || Number(text) < min) fail(flag, `'${text}' is not a whole number of at least ${min}`);
    return Number(text);
  };
  const throttleLimit = whole('throttle-limit', '4000', 1);

  const faultText = pick('fault-rate') ?? '0';
  const faultRate = Number(faultText);
  if (!/^(0|1|0?\.\d+|1\.0*)$/.test(faultText)) fail('fault-rate', `'${faultText}' is not a number from 0 to 1`);

  const latencyText = pick('latency') ?? '0';
  const latencyMatch = /^(\d+)(?::(\d+))?$/.exec(latencyText);
  if (!latencyMatch) fail('latency', `'${latencyText}' is neither MS nor MIN:MAX`);
  const latencyMin = Number(latencyMatch![1]);
  const latencyMax = Number(latencyMatch![2] ?? latencyMatch![1]);
  if (latencyMax < latencyMin) fail('latency', `'${latencyText}': MAX is below MIN`);

  const principals = [
    ...principalsFile(pick('principals'), fail),
    ...(list('principal') ?? []).map((p) => parsePrincipal(p, fail)),
    ...(list('managed-identity') ?? []).map((m) => parseManagedIdentity(m, fail)),
  ];
  const seen = new Set<string>();
  for (const p of principals) {
    if (seen.has(p.clientId.toLowerCase())) fail(p.managedIdentity ? 'managed-identity' : 'principal', `'${p.clientId}' is declared twice`);
    seen.add(p.clientId.toLowerCase());
  }
  const admins = list('admin-principal');
  const adminPrincipals =
    admins && (admins.length === 1 && admins[0]!.toLowerCase() === 'none' ? [] : admins.map(systemIdentityAlias));
  // Strict mode issues tokens to declared identities only, so an undeclared admin could never use its rights.
  if (auth === 'strict') {
    for (const id of adminPrincipals ?? []) {
      if (!seen.has(id.toLowerCase())) fail('admin-principal', `'${id}' is not declared (--principal, --managed-identity or --principals)`);
    }
  }

  return {
    port,
    host: pick('host') ?? '127.0.0.1',
    dataDir: path.resolve(pick('data-dir') ?? './.kyanite'),
    inMemory: bool('in-memory'),
    // The vault 'default' always exists (localhost serves it); --vault adds more.
    vaults: [...new Set(['default', ...vaults.map((v) => v.toLowerCase())])],
    auth: auth as AuthMode,
    ...(cert && { cert }),
    ...(key && { key }),
    ...(tlsNames.length > 0 && { tlsNames }),
    logLevel,
    ...(bool('throttle') && { throttle: true }),
    throttleLimit,
    faultRate,
    ...(latencyMax > 0 && { latency: { min: latencyMin, max: latencyMax } }),
    headersTimeoutMs: whole('headers-timeout', '30000', 1),
    requestTimeoutMs: whole('request-timeout', '60000', 1),
    maxConnections: whole('max-connections', '1000', 1),
    selfSignedDelayMs: whole('self-signed-delay', '0', 0),
    keyPool: whole('key-pool', '12', 0),
    ...(pick('seed') && { seed: path.resolve(pick('seed')!) }),
    principals,
    ...(adminPrincipals && { adminPrincipals }),
    ...(bool('allow-remote') && { allowRemote: true }),
    ...(imdsPort !== undefined && { imdsPort: portOf('imds-port', imdsPort) }),
  };
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
type Fail = (flag: string, why: string) => never;

/** `clientId:secret[:objectId]`; a secret may hold colons, so only a GUID after the last one is taken as the object id. */
function parsePrincipal(text: string, fail: Fail): Principal {
  const first = text.indexOf(':');
  if (first <= 0 || first === text.length - 1) fail('principal', `'${text.split(':')[0]}…' is not CLIENT_ID:SECRET[:OBJECT_ID]`);
  const clientId = text.slice(0, first);
  const rest = text.slice(first + 1);
  const last = rest.lastIndexOf(':');
  if (last > 0 && GUID.test(rest.slice(last + 1))) return { clientId, secret: rest.slice(0, last), objectId: rest.slice(last + 1).toLowerCase() };
  return { clientId, secret: rest };
}

/** `system` names the system-assigned managed identity: the one a caller gets when it names none. */
const systemIdentityAlias = (id: string): string => (id.toLowerCase() === 'system' ? DEFAULT_MANAGED_IDENTITY_CLIENT_ID : id);

/** `CLIENT_ID[:OBJECT_ID]` or `system`; a managed identity has no secret. */
function parseManagedIdentity(text: string, fail: Fail): Principal {
  const [clientId, objectId, ...rest] = text.split(':');
  if (!clientId || rest.length > 0 || (objectId !== undefined && !GUID.test(objectId))) {
    fail('managed-identity', `'${text}' is not CLIENT_ID[:OBJECT_ID] or system`);
  }
  return { clientId: systemIdentityAlias(clientId!), managedIdentity: true, ...(objectId && { objectId: objectId.toLowerCase() }) };
}

function principalsFile(file: string | undefined, fail: Fail): Principal[] {
  if (!file) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(path.resolve(file), 'utf8'));
  } catch (err) {
    return fail('principals', `cannot read ${file}: ${(err as Error).message}`);
  }
  if (!Array.isArray(parsed)) return fail('principals', `${file} must hold a JSON list of principals`);
  return parsed.map((raw: unknown, i) => {
    const p = raw as Record<string, unknown> | null;
    const where = `${file}[${i}]`;
    if (typeof p !== 'object' || p === null || typeof p.clientId !== 'string' || p.clientId === '') return fail('principals', `${where} needs a clientId`);
    for (const k of ['secret', 'objectId', 'displayName', 'resourceId'] as const) {
      if (p[k] !== undefined && typeof p[k] !== 'string') fail('principals', `${where}.${k} must be a string`);
    }
    if (p.managedIdentity !== undefined && typeof p.managedIdentity !== 'boolean') fail('principals', `${where}.managedIdentity must be true or false`);
    if (typeof p.objectId === 'string' && !GUID.test(p.objectId)) fail('principals', `${where}.objectId must be a GUID`);
    const managedIdentity = p.managedIdentity === true;
    if (managedIdentity && p.secret !== undefined) fail('principals', `${where} is a managed identity: it has no secret`);
    if (!managedIdentity && p.resourceId !== undefined) fail('principals', `${where}.resourceId is for managed identities only`);
    const principal: Principal = { clientId: managedIdentity ? systemIdentityAlias(p.clientId) : p.clientId };
    if (managedIdentity) principal.managedIdentity = true;
    if (typeof p.secret === 'string') principal.secret = p.secret;
    if (typeof p.objectId === 'string') principal.objectId = p.objectId.toLowerCase();
    if (typeof p.displayName === 'string') principal.displayName = p.displayName;
    if (typeof p.resourceId === 'string') principal.resourceId = p.resourceId;
    return principal;
  });
}

export function helpText(): string {
  const rows = FLAGS.map((f) => {
    const name = f.type === 'boolean' ? `--${f.flag}` : `--${f.flag} ${f.metavar ?? 'VALUE'}`;
    return `  ${name.padEnd(22)} ${f.help}\n  ${''.padEnd(22)} env ${envName(f.flag)}, default ${f.default || '(none)'}`;
  });
  return [
    'Usage: kyanite [flags]              start the emulator',
    '       kyanite trust [--install]    print (or install) what clients need to trust the local CA',
    '       kyanite hosts NAME...        print /etc/hosts lines for vault host names',
    '       kyanite export [--data-dir DIR] [--out FILE] [--format json|yaml]   write the state as a seed file (holds private keys)',
    '',
    'Flags (each also an environment variable; the flag wins):',
    ...rows,
    '',
  ].join('\n');
}
