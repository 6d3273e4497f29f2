import { parsePemBundle, parsePfx, toPemBundle } from '../crypto/certificates/lazy.js';
import { validateImportJwk, type PrivateJwk } from '../crypto/jwk.js';
import { accessPoliciesOfVault, type PolicyEntry } from './access.js';
import { PEM, type PolicyInput } from './certificates/policy.js';
import type { Domain } from './index.js';
import type { AttributesInput, Tags } from './lifecycle.js';
import { applyVaultRules, VaultRuleError } from './vault-rules.js';
import { DEFAULT_VAULT_PROPERTIES, isValidVaultName, type VaultContext, type VaultProperties } from './vaults.js';

/**
 * Seed files and exports: one document shape that declares vaults and their objects. Applying a document is
 * idempotent (what already matches is left alone, so a restart with the same file adds no versions), and an export
 * of the current state applied to an empty Kyanite reproduces the same values, key material and certificates.
 * HTTP-free: the server reads the file and hands the parsed document here.
 */

export interface SeedSecret {
  name: string;
  value: string;
  contentType?: string;
  tags?: Tags;
  enabled?: boolean;
}

interface SeedObjectCommon {
  name: string;
  tags?: Tags;
  enabled?: boolean;
}

/** A key is generated (kty, size, curve) or imported (jwk with its private members); key_ops applies to both. */
export interface SeedKey extends SeedObjectCommon {
  kty?: string;
  size?: number;
  curve?: string;
  key_ops?: string[];
  jwk?: Record<string, unknown>;
}

/** A certificate is self-signed from `policy`, or imported from `pfx` (base64, optional password) or `pem`. */
export interface SeedCertificate extends SeedObjectCommon {
  policy?: PolicyInput;
  pfx?: string;
  password?: string;
  pem?: string;
}

/** The vault settings a seed may declare, named as VaultProperties (and ARM) name them. */
const VAULT_SETTINGS = ['enableSoftDelete', 'softDeleteRetentionInDays', 'enablePurgeProtection', 'enableRbacAuthorization', 'accessPolicies'] as const;
type VaultSetting = (typeof VAULT_SETTINGS)[number];

export interface SeedVault {
  name: string;
  enableSoftDelete?: boolean;
  softDeleteRetentionInDays?: number;
  enablePurgeProtection?: boolean;
  enableRbacAuthorization?: boolean;
  accessPolicies?: PolicyEntry[];
  secrets?: SeedSecret[];
  keys?: SeedKey[];
  certificates?: SeedCertificate[];
}

export interface SeedDocument {
  /** Written by exports; accepted and ignored when the document is applied. */
  sensitive?: boolean;
  warning?: string;
  vaults: SeedVault[];
}

export const EXPORT_WARNING =
  'This document holds private material (secret values, private keys, certificates with their keys). Keep it out of ' +
  'source control and logs; anyone holding it holds every secret it lists.';

export type SeedExport = SeedDocument & { sensitive: true; warning: string };

/** A refusal that names the entry at fault, e.g. `vaults[0].keys[2] (signing)`. */
export class SeedError extends Error {
  readonly entry: string;
  constructor(entry: string, message: string) {
    super(`${entry}: ${message}`);
    this.name = 'SeedError';
    this.entry = entry;
  }
}

export interface SeedReport {
  created: number;
  updated: number;
  unchanged: number;
}

// --- validation --------------------------------------------------------------------------------------------------

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks one entry's fields; `at` is the entry's path for messages. */
class Fields {
  constructor(
    readonly raw: Json,
    readonly at: string,
    allowed: readonly string[],
  ) {
    const unknown = Object.keys(raw).filter((k) => !allowed.includes(k));
    // A misspelt field silently ignored would make a seed that "works" but declares less than its author thinks.
    if (unknown.length > 0) this.fail(`unknown field '${unknown[0]}' (expected ${allowed.join(', ')})`);
  }
  fail(message: string): never {
    throw new SeedError(this.at, message);
  }
  string(key: string, required = false): string | undefined {
    const v = this.raw[key];
    if (v === undefined || v === null) return required ? this.fail(`'${key}' is required`) : undefined;
    // YAML reads unquoted 123 or true as numbers and booleans: say so instead of storing a changed text.
    if (typeof v !== 'string') this.fail(`'${key}' must be a string (quote it in YAML)`);
    return v;
  }
  boolean(key: string): boolean | undefined {
    const v = this.raw[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') this.fail(`'${key}' must be true or false`);
    return v;
  }
  integer(key: string): number | undefined {
    const v = this.raw[key];
    if (v === undefined || v === null) return undefined;
    if (!Number.isInteger(v)) this.fail(`'${key}' must be a whole number`);
    return v as number;
  }
  strings(key: string): string[] | undefined {
    const v = this.raw[key];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) this.fail(`'${key}' must be a list of strings`);
    return v as string[];
  }
  tags(): Tags | undefined {
    const v = this.raw['tags'];
    if (v === undefined || v === null) return undefined;
    if (!isRecord(v) || Object.values(v).some((x) => typeof x !== 'string')) this.fail("'tags' must map names to string values");
    return v as Tags;
  }
  object(key: string): Json | undefined {
    const v = this.raw[key];
    if (v === undefined || v === null) return undefined;
    if (!isRecord(v)) this.fail(`'${key}' must be an object`);
    return v;
  }
}

/** The entries of a list field, each with its path, refusing a name given twice (names are case-insensitive). */
function entries(parent: Fields, key: string): Array<{ raw: Json; at: string }> {
  const list = parent.raw[key];
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) parent.fail(`'${key}' must be a list`);
  const seen = new Set<string>();
  return list.map((raw: unknown, i) => {
    const name = isRecord(raw) && typeof raw['name'] === 'string' ? raw['name'] : undefined;
    const at = `${parent.at === '' ? '' : `${parent.at}.`}${key}[${i}]${name ? ` (${name})` : ''}`;
    if (!isRecord(raw)) throw new SeedError(at, 'must be an object');
    if (name !== undefined) {
      if (seen.has(name.toLowerCase())) throw new SeedError(at, `'${name}' is declared twice`);
      seen.add(name.toLowerCase());
    }
    return { raw, at };
  });
}

const common = (f: Fields): SeedObjectCommon => {
  const tags = f.tags();
  const enabled = f.boolean('enabled');
  return { name: f.string('name', true)!, ...(tags && { tags }), ...(enabled !== undefined && { enabled }) };
};

function parseSecret(raw: Json, at: string): SeedSecret {
  const f = new Fields(raw, at, ['name', 'value', 'contentType', 'tags', 'enabled']);
  const contentType = f.string('contentType');
  return { ...common(f), value: f.string('value', true)!, ...(contentType !== undefined && { contentType }) };
}

function parseKey(raw: Json, at: string): SeedKey {
  const f = new Fields(raw, at, ['name', 'kty', 'size', 'curve', 'key_ops', 'jwk', 'tags', 'enabled']);
  const key: SeedKey = common(f);
  const jwk = f.object('jwk');
  const kty = f.string('kty');
  if (jwk && (kty !== undefined || raw['size'] !== undefined || raw['curve'] !== undefined)) {
    f.fail("give either 'jwk' (import) or 'kty'/'size'/'curve' (generate), not both");
  }
  if (!jwk && kty === undefined) f.fail("'kty' (to generate) or 'jwk' (to import) is required");
  if (jwk) key.jwk = jwk;
  if (kty !== undefined) key.kty = kty;
  const size = f.integer('size');
  if (size !== undefined) key.size = size;
  const curve = f.string('curve');
  if (curve !== undefined) key.curve = curve;
  const ops = f.strings('key_ops');
  if (ops) key.key_ops = ops;
  return key;
}

function parseCertificate(raw: Json, at: string): SeedCertificate {
  const f = new Fields(raw, at, ['name', 'policy', 'pfx', 'password', 'pem', 'tags', 'enabled']);
  const cert: SeedCertificate = common(f);
  const policy = f.object('policy');
  const pfx = f.string('pfx');
  const pem = f.string('pem');
  const password = f.string('password');
  if (pfx !== undefined && pem !== undefined) f.fail("give 'pfx' or 'pem', not both");
  if (pfx === undefined && pem === undefined && !policy) f.fail("'policy' (self-signed), 'pfx' or 'pem' (import) is required");
  if (password !== undefined && pfx === undefined) f.fail("'password' goes with 'pfx'");
  if (policy) cert.policy = policy as PolicyInput;
  if (pfx !== undefined) cert.pfx = pfx;
  if (pem !== undefined) cert.pem = pem;
  if (password !== undefined) cert.password = password;
  return cert;
}

/** Access policy entries in their stored shape; the permission names are checked by the caller's rules. */
function parsePolicies(f: Fields): PolicyEntry[] | undefined {
  const list = f.raw['accessPolicies'];
  if (list === undefined || list === null) return undefined;
  if (!Array.isArray(list)) f.fail("'accessPolicies' must be a list");
  return list.map((raw: unknown, i) => {
    const at = `${f.at}.accessPolicies[${i}]`;
    if (!isRecord(raw)) throw new SeedError(at, 'must be an object');
    const e = new Fields(raw, at, ['tenantId', 'objectId', 'applicationId', 'permissions']);
    const permissions = e.object('permissions') ?? e.fail("'permissions' is required");
    const lists = new Fields(permissions, `${at}.permissions`, ['keys', 'secrets', 'certificates', 'storage']);
    for (const kind of Object.keys(permissions)) lists.strings(kind);
    const applicationId = e.string('applicationId');
    return {
      tenantId: e.string('tenantId', true)!,
      objectId: e.string('objectId', true)!,
      ...(applicationId !== undefined && { applicationId }),
      permissions: permissions as PolicyEntry['permissions'],
    };
  });
}

function parseVault(raw: Json, at: string): SeedVault {
  const f = new Fields(raw, at, ['name', ...VAULT_SETTINGS, 'secrets', 'keys', 'certificates']);
  const name = f.string('name', true)!;
  if (!isValidVaultName(name)) f.fail(`'${name}' is not a vault name (3-24 letters, digits and hyphens, starting with a letter)`);
  const vault: SeedVault = { name };
  const softDelete = f.boolean('enableSoftDelete');
  const days = f.integer('softDeleteRetentionInDays');
  const purgeProtection = f.boolean('enablePurgeProtection');
  const rbac = f.boolean('enableRbacAuthorization');
  // The vault rules ARM applies, checked here on what the entry declares so that a bad file fails before anything
  // is applied; a weakening of an existing vault is refused when the entry is applied (registry.save).
  try {
    applyVaultRules(
      {
        enableSoftDelete: softDelete ?? DEFAULT_VAULT_PROPERTIES.enableSoftDelete,
        softDeleteRetentionInDays: days ?? DEFAULT_VAULT_PROPERTIES.softDeleteRetentionInDays,
        enablePurgeProtection: purgeProtection ?? DEFAULT_VAULT_PROPERTIES.enablePurgeProtection,
      },
      undefined,
    );
  } catch (err) {
    if (err instanceof VaultRuleError) f.fail(err.message);
    throw err;
  }
  if (softDelete !== undefined) vault.enableSoftDelete = softDelete;
  if (days !== undefined) vault.softDeleteRetentionInDays = days;
  if (purgeProtection !== undefined) vault.enablePurgeProtection = purgeProtection;
  if (rbac !== undefined) vault.enableRbacAuthorization = rbac;
  const policies = parsePolicies(f);
  if (policies) vault.accessPolicies = policies;
  vault.secrets = entries(f, 'secrets').map((e) => parseSecret(e.raw, e.at));
  vault.keys = entries(f, 'keys').map((e) => parseKey(e.raw, e.at));
  vault.certificates = entries(f, 'certificates').map((e) => parseCertificate(e.raw, e.at));
  return vault;
}

/** Validates a parsed seed file (JSON or YAML) into a document; the first fault throws a SeedError naming its entry. */
export function parseSeed(raw: unknown): SeedDocument {
  if (!isRecord(raw)) throw new SeedError('(document)', "must be an object with a 'vaults' list");
  const f = new Fields(raw, '', ['vaults', 'sensitive', 'warning']);
  return { vaults: entries(f, 'vaults').map((e) => parseVault(e.raw, e.at)) };
}

// --- applying ----------------------------------------------------------------------------------------------------

/** The context the domain services take; ids built from it are never shown, so the host is nominal. */
const contextOf = (domain: Domain, name: string): VaultContext => domain.vaults.context(name, `https://${name}.vault.localhost`);

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** The tags/enabled change an existing version needs to match its entry, or undefined when it matches already. */
function drift(entry: SeedObjectCommon, current: { tags?: Tags; attributes: { enabled: boolean } }): { tags?: Tags; attributes?: AttributesInput } | undefined {
  // A field the entry leaves out is left as it is: a seed declares what it names.
  const patch: { tags?: Tags; attributes?: AttributesInput } = {};
  if (entry.tags && !same(entry.tags, current.tags ?? {})) patch.tags = entry.tags;
  if (entry.enabled !== undefined && entry.enabled !== current.attributes.enabled) patch.attributes = { enabled: entry.enabled };
  return Object.keys(patch).length > 0 ? patch : undefined;
}

/** What a new version gets from its entry. */
const creation = (entry: SeedObjectCommon) => ({
  ...(entry.tags && { tags: entry.tags }),
  ...(entry.enabled !== undefined && { attributes: { enabled: entry.enabled } }),
});

/** The members that make key material what it is, whatever the key type (the private ones follow from them). */
const materialOf = (jwk: PrivateJwk) => [jwk.n, jwk.e, jwk.crv, jwk.x, jwk.y, jwk.k].join('|');

type Outcome = keyof SeedReport;

export async function applySeedDocument(domain: Domain, doc: SeedDocument): Promise<SeedReport> {
  const report: SeedReport = { created: 0, updated: 0, unchanged: 0 };
  for (const [vi, vault] of doc.vaults.entries()) {
    const at = `vaults[${vi}] (${vault.name})`;
    report[await guard(at, () => applyVault(domain, vault))]++;
    const ctx = contextOf(domain, vault.name);
    /** Applies each entry of one list in file order, counting what happened to it. */
    const each = async <E extends { name: string }>(kind: string, list: E[] | undefined, apply: (e: E) => Promise<Outcome> | Outcome) => {
      for (const [i, entry] of (list ?? []).entries()) report[await guard(`${at}.${kind}[${i}] (${entry.name})`, () => apply(entry))]++;
    };
    await each('secrets', vault.secrets, (e) => applySecret(domain, ctx, e));
    await each('keys', vault.keys, (e) => applyKey(domain, ctx, e));
    await each('certificates', vault.certificates, (e) => applyCertificate(domain, ctx, e));
  }
  return report;
}

/** Runs one entry, turning a domain refusal (a bad key size, a soft-deleted name) into a SeedError naming it. */
async function guard(at: string, work: () => Promise<Outcome> | Outcome): Promise<Outcome> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof SeedError) throw err;
    throw new SeedError(at, (err as Error).message);
  }
}

function applyVault(domain: Domain, seed: SeedVault): Outcome {
  const existing = domain.vaults.findAny(seed.name);
  if (existing && existing.deletedAt !== null) throw new Error('the vault is deleted: recover or purge it first');
  const declared: Partial<Pick<SeedVault, VaultSetting>> = {};
  for (const key of VAULT_SETTINGS) if (seed[key] !== undefined) Object.assign(declared, { [key]: seed[key] });
  // A new vault is made with what the entry declares, as an ARM PUT creates one.
  if (!existing) {
    domain.vaults.ensure(seed.name, declared);
    return 'created';
  }
  const vault = domain.vaults.find(seed.name)!;
  const next: VaultProperties = { ...vault.properties, ...declared };
  const changed = Object.entries(declared).some(([k, v]) => !same(vault.properties[k], v));
  // A seed is like an ARM PUT: save refuses what the vault rules forbid (soft delete or purge protection turned off, a
  // retention already fixed changed) with ARM's message.
  if (changed) domain.vaults.save(vault.name, next);
  return changed ? 'updated' : 'unchanged';
}

function applySecret(domain: Domain, ctx: VaultContext, entry: SeedSecret): Outcome {
  const { secrets } = domain;
  const current = secrets.lifecycle.find(ctx, entry.name);
  if (current?.body.managed) throw new Error('this name is the secret of a certificate');
  const sameValue = current && current.body.value === entry.value && (entry.contentType === undefined || entry.contentType === current.body.contentType);
  if (!current || !sameValue) {
    secrets.set(ctx, entry.name, { value: entry.value, ...(entry.contentType !== undefined && { contentType: entry.contentType }), ...creation(entry) });
    return current ? 'updated' : 'created';
  }
  const patch = drift(entry, current);
  if (!patch) return 'unchanged';
  secrets.update(ctx, entry.name, current.version, patch);
  return 'updated';
}

async function applyKey(domain: Domain, ctx: VaultContext, entry: SeedKey): Promise<Outcome> {
  const { keys } = domain;
  const current = keys.lifecycle.find(ctx, entry.name);
  if (current?.body.managed) throw new Error('this name is the key of a certificate');
  const given = entry.jwk ? validateImportJwk(entry.jwk) : undefined;
  // A generated key that exists stays (new material on every start would defeat the seed); an imported one is
  // replaced by a new version only when the file brings other material.
  if (!current || (given && materialOf(given) !== materialOf(current.body.jwk))) {
    if (entry.jwk) {
      const keyOps = entry.key_ops ?? entry.jwk['key_ops'];
      keys.import(ctx, entry.name, { key: { ...entry.jwk, ...(keyOps !== undefined && { key_ops: keyOps }) }, ...creation(entry) });
    } else {
      await keys.create(ctx, entry.name, {
        kty: entry.kty!,
        ...(entry.size !== undefined && { keySize: entry.size }),
        ...(entry.curve !== undefined && { crv: entry.curve }),
        ...(entry.key_ops && { keyOps: entry.key_ops }),
        ...creation(entry),
      });
    }
    return current ? 'updated' : 'created';
  }
  const patch: { tags?: Tags; attributes?: AttributesInput; keyOps?: string[] } = drift(entry, current) ?? {};
  if (entry.key_ops && !same([...entry.key_ops].sort(), [...current.body.keyOps].sort())) patch.keyOps = entry.key_ops;
  if (Object.keys(patch).length === 0) return 'unchanged';
  keys.update(ctx, entry.name, current.version, patch);
  return 'updated';
}

async function applyCertificate(domain: Domain, ctx: VaultContext, entry: SeedCertificate): Promise<Outcome> {
  const { certificates } = domain;
  const current = certificates.lifecycle.find(ctx, entry.name);
  const imported = entry.pfx ?? entry.pem;
  if (imported !== undefined) {
    const bundle = entry.pfx !== undefined ? await parsePfx(Buffer.from(entry.pfx, 'base64'), entry.password) : await parsePemBundle(entry.pem!);
    if (!current || current.body.cer !== bundle.certDer.toString('base64')) {
      await certificates.import(ctx, entry.name, {
        value: imported,
        ...(entry.password !== undefined && { pwd: entry.password }),
        ...(entry.policy && { policy: entry.policy }),
        ...creation(entry),
      });
      return current ? 'updated' : 'created';
    }
  } else if (!current) {
    const issuer = entry.policy?.issuer?.name;
    if (issuer !== undefined && issuer.toLowerCase() !== 'self') throw new Error(`a seed makes self-signed certificates only; issuer '${issuer}' needs a merge`);
    await certificates.create(ctx, entry.name, { policy: entry.policy ?? null, ...creation(entry) });
    return 'created';
  }
  // A self-signed certificate that exists stays as it is: issuing again would add a version on every start.
  const patch = drift(entry, current);
  if (!patch) return 'unchanged';
  await certificates.update(ctx, entry.name, current.version, patch);
  return 'updated';
}

// --- exporting ---------------------------------------------------------------------------------------------------

const visible = (o: { tags?: Tags; attributes: { enabled: boolean } }) => ({
  ...(o.tags && Object.keys(o.tags).length > 0 && { tags: o.tags }),
  // Enabled is the default: only a disabled object says so.
  ...(!o.attributes.enabled && { enabled: false }),
});

/** The current state as a seed document: live vaults, the latest version of each object, private material included. */
export async function exportSeedDocument(domain: Domain): Promise<SeedExport> {
  const vaults: SeedVault[] = [];
  for (const v of domain.vaults.list()) {
    const ctx = contextOf(domain, v.name);
    const p = v.properties;
    const vault: SeedVault = {
      name: v.name,
      enableSoftDelete: p.enableSoftDelete,
      softDeleteRetentionInDays: p.softDeleteRetentionInDays,
      enablePurgeProtection: p.enablePurgeProtection,
      ...(typeof p['enableRbacAuthorization'] === 'boolean' && { enableRbacAuthorization: p['enableRbacAuthorization'] }),
      accessPolicies: accessPoliciesOfVault(v),
    };
    // Keys and secrets that back a certificate travel inside its PFX, not as objects of their own.
    vault.secrets = domain.secrets.lifecycle
      .allLive(ctx)
      .filter((s) => !s.body.managed)
      .map((s) => ({ name: s.name, value: s.body.value, ...(s.body.contentType !== undefined && { contentType: s.body.contentType }), ...visible(s) }));
    vault.keys = domain.keys.lifecycle
      .allLive(ctx)
      .filter((k) => !k.body.managed)
      .map((k) => ({ name: k.name, jwk: { ...k.body.jwk, key_ops: k.body.keyOps }, ...visible(k) }));
    vault.certificates = [];
    for (const c of domain.certificates.lifecycle.allLive(ctx)) {
      if (c.body.pending || !c.body.cer) continue;
      vault.certificates.push({ name: c.name, ...(await certificateMaterial(domain, ctx, c.name, c.version, c.body)), ...visible(c) });
    }
    vaults.push(vault);
  }
  return { sensitive: true, warning: EXPORT_WARNING, vaults };
}

/**
 * The certificate as an import brings it, with its policy. The managed secret holds exactly that when the key is
 * exportable. Otherwise Key Vault keeps no file with the key, so the certificate and its key version are written as
 * PEM: unlike a fresh PFX (new salts each time) it reads the same on every export, and the policy's content type
 * still decides what the imported copy's secret holds.
 */
async function certificateMaterial(
  domain: Domain,
  ctx: VaultContext,
  name: string,
  version: string,
  body: { cer?: string; chain?: string[] },
): Promise<Pick<SeedCertificate, 'pfx' | 'pem' | 'policy'>> {
  const { attributes: _stamps, ...policy } = domain.certificates.policy(ctx, name);
  if (policy.key_props.exportable) {
    const value = domain.secrets.lifecycle.get(ctx, name, version).body.value;
    return { ...(policy.secret_props.contentType === PEM ? { pem: value } : { pfx: value }), policy };
  }
  const pem = await toPemBundle({
    privateJwk: domain.keys.lifecycle.get(ctx, name, version).body.jwk,
    certDer: Buffer.from(body.cer!, 'base64'),
    chainDers: (body.chain ?? []).map((d) => Buffer.from(d, 'base64')),
  });
  return { pem, policy };
}
