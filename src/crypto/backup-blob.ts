import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';

/**
 * Backup blobs are JWE (dir + A256GCM) under a key that belongs to one data dir: opaque to clients, and any change
 * to a blob fails the GCM tag check, so a tampered or foreign blob is refused instead of restoring garbage.
 * The compact JWE is base64url-encoded once more because Key Vault's backup value is a single base64url string.
 */
const PREFIX = 'KyaniteBackupV1.';

export const newBackupKey = (): string =>
  JSON.stringify({ kty: 'oct', k: randomBytes(32).toString('base64url'), alg: 'A256GCM', use: 'enc' });

export interface BackupSealer {
  seal(payload: unknown): Promise<string>;
  /** Undefined for anything that is not an intact blob made with this key. */
  open(blob: string): Promise<unknown | undefined>;
}

// node-jose costs ~160 ms to load; only backup and restore need it, so it loads on their first use. It is required
// rather than imported: the bundled command is a CommonJS script run from a V8 code cache (scripts/bundle.mjs), where
// import() of a package is not available, and node-jose is CommonJS itself.
const loadJose = async (): Promise<typeof import('node-jose')> => createRequire(import.meta.url)('node-jose') as typeof import('node-jose');

export function createBackupSealer(keyJson: string): BackupSealer {
  let keyPromise: Promise<import('node-jose').JWK.Key> | undefined;
  const key = () => (keyPromise ??= loadJose().then((jose) => jose.JWK.asKey(JSON.parse(keyJson) as object)));
  return {
    async seal(payload) {
      const jose = await loadJose();
      const jwe = await jose.JWE.createEncrypt({ format: 'compact', contentAlg: 'A256GCM', fields: { alg: 'dir' } }, await key())
        .update(Buffer.from(PREFIX + JSON.stringify(payload), 'utf8'))
        .final();
      return Buffer.from(jwe as unknown as string, 'utf8').toString('base64url');
    },
    async open(blob) {
      try {
        const jose = await loadJose();
        const compact = Buffer.from(blob, 'base64url').toString('utf8');
        if (compact.split('.').length !== 5) return undefined;
        const result = await jose.JWE.createDecrypt(await key()).decrypt(compact);
        const text = result.plaintext.toString('utf8');
        return text.startsWith(PREFIX) ? (JSON.parse(text.slice(PREFIX.length)) as unknown) : undefined;
      } catch {
        return undefined;
      }
    },
  };
}
