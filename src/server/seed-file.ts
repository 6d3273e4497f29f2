import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseAccessPolicies } from '../arm/access-policies.js';
import type { Domain } from '../domain/index.js';
import { applySeedDocument, exportSeedDocument, parseSeed, SeedError, type SeedDocument, type SeedReport } from '../domain/seed.js';
import { ConfigError } from './config.js';

/** Seed files on disk and export documents on the wire: reading, parsing and writing JSON or YAML. */

export type SeedFormat = 'json' | 'yaml';
export const SEED_FORMATS: readonly SeedFormat[] = ['json', 'yaml'];

/** YAML for .yaml/.yml, JSON otherwise (YAML reads JSON too, but JSON.parse reports JSON mistakes better). */
export const formatOfPath = (file: string): SeedFormat => (/\.ya?ml$/i.test(file) ? 'yaml' : 'json');

// The YAML library (~50 ms to load) is needed only for YAML seed files and exports, so it is loaded on first use, and
// required rather than imported for the same reason as node-jose (src/crypto/backup-blob.ts).
const yaml = async (): Promise<typeof import('yaml')> => createRequire(import.meta.url)('yaml') as typeof import('yaml');

export async function renderSeed(doc: SeedDocument, format: SeedFormat): Promise<string> {
  // lineWidth 0: base64 and PEM values stay unfolded, as they were exported.
  return format === 'yaml' ? (await yaml()).stringify(doc, { lineWidth: 0 }) : `${JSON.stringify(doc, null, 2)}\n`;
}

const seedFault = (file: string, why: string) => new ConfigError(`Invalid --seed file ${file}: ${why}`);

/** Reads and validates a seed file; every fault is a ConfigError naming the file and the entry. */
export async function readSeedFile(file: string): Promise<SeedDocument> {
  const fail = (why: string): never => {
    throw seedFault(file, why);
  };
  let text: string;
  try {
    text = fs.readFileSync(path.resolve(file), 'utf8');
  } catch (err) {
    return fail(`cannot read it: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = formatOfPath(file) === 'yaml' ? (await yaml()).parse(text) : JSON.parse(text);
  } catch (err) {
    return fail(`not valid ${formatOfPath(file).toUpperCase()}: ${(err as Error).message}`);
  }
  try {
    const doc = parseSeed(raw);
    // Permission names follow the management plane's rules, the same ones a PUT of the vault meets.
    for (const [i, vault] of doc.vaults.entries()) {
      const at = `vaults[${i}] (${vault.name}).accessPolicies`;
      try {
        if (vault.accessPolicies) vault.accessPolicies = parseAccessPolicies(vault.accessPolicies, 'accessPolicies');
      } catch (err) {
        throw new SeedError(at, (err as Error).message);
      }
    }
    return doc;
  } catch (err) {
    return fail((err as Error).message);
  }
}

/** Applies a seed file at start-up: after the pre-made vaults exist, before the server listens. */
export async function applySeed(file: string, domain: Domain): Promise<SeedReport> {
  const doc = await readSeedFile(file);
  try {
    return await applySeedDocument(domain, doc);
  } catch (err) {
    if (err instanceof SeedError) throw seedFault(file, err.message);
    throw err;
  }
}

/** The export document in `format`, from the current state. */
export async function exportSeed(domain: Domain, format: SeedFormat): Promise<string> {
  return await renderSeed(await exportSeedDocument(domain), format);
}
