/**
 * "TLS that just works": Kyanite keeps a local CA and signs a leaf for whatever host name a client
 * asks for in SNI, so localhost, 127.0.0.1, ::1, NAME.vault.localhost and a Docker service name all
 * verify once the CA is trusted (NODE_EXTRA_CA_CERTS, REQUESTS_CA_BUNDLE, ...).
 *
 * With a data dir the CA is kept in DIR/tls/ (ca.pem, ca-key.pem) so clients trust it once; without
 * one (--in-memory) it lives only as long as the process. `--cert/--key` bypass all of it.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createSecureContext, type SecureContext } from 'node:tls';
import {
  caHasExpired,
  createCaCertificate,
  createLeafCertificate,
  generateKeyPair,
  loadCertificateAuthority,
  normalizeHostname,
  privateKeyToPem,
  type CertificateAuthority,
} from '../crypto/x509-tls.js';

/** Most distinct SNI names kept; a client inventing names cannot grow memory past this. */
export const TLS_CACHE_LIMIT = 1000;
/** A cached leaf is re-issued after this long, far ahead of its one-year expiry. */
export const TLS_CACHE_TTL_MS = 30 * 24 * 3_600_000;

export type SniCallback = (
  servername: string,
  cb: (err: Error | null, ctx?: SecureContext) => void,
) => void;

/**
 * Options for https.createServer / fastify({ https }). A type alias rather than an interface, so it
 * stays assignable to Record<string, unknown>-shaped option bags.
 */
export type TlsServerOptions = {
  key: string;
  cert: string;
  SNICallback: SniCallback;
};

export interface TlsMaterial {
  /** The CA clients must trust; undefined when --cert/--key are used. */
  caPem?: string;
  /** Where that CA is on disk; undefined in memory-only mode and with --cert/--key. */
  caPath?: string;
  serverOptions: TlsServerOptions;
  /** The leaf (certificate only, no chain) and its key for `hostname`; rejects with --cert/--key. */
  issue(hostname: string): Promise<{ certPem: string; keyPem: string }>;
}

export interface LoadTlsOptions {
  dataDir?: string;
  certFile?: string;
  keyFile?: string;
  /** Bound of the per-name cache; defaults to TLS_CACHE_LIMIT. */
  cacheLimit?: number;
}

/**
 * A Map used as an LRU of promises: concurrent handshakes for one name share one issuance, entries
 * expire after `ttlMs`, and the least recently used entries go once there are more than `limit`.
 */
export class BoundedCache<T> {
  readonly #entries = new Map<string, { value: Promise<T>; expiresAt: number }>();
  readonly #build: (key: string) => Promise<T>;
  readonly #limit: number;
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(
    build: (key: string) => Promise<T>,
    options: { limit?: number; ttlMs?: number; now?: () => number } = {},
  ) {
    this.#build = build;
    this.#limit = options.limit ?? TLS_CACHE_LIMIT;
    this.#ttlMs = options.ttlMs ?? TLS_CACHE_TTL_MS;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): Promise<T> {
    const now = this.#now();
    const hit = this.#entries.get(key);
    // Delete and re-insert, so the Map's insertion order is least-recently-used first.
    this.#entries.delete(key);
    if (hit !== undefined && hit.expiresAt > now) {
      this.#entries.set(key, hit);
      return hit.value;
    }
    const entry = { value: this.#build(key), expiresAt: now + this.#ttlMs };
    this.#entries.set(key, entry);
    // Forget a failed build, so the next handshake retries instead of replaying the error.
    entry.value.catch(() => {
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
    });
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.#limit) break;
      this.#entries.delete(oldest);
    }
    return entry.value;
  }
}

export async function loadTls(options: LoadTlsOptions): Promise<TlsMaterial> {
  const { certFile, keyFile } = options;
  if (certFile !== undefined || keyFile !== undefined) {
    if (certFile === undefined || keyFile === undefined) {
      throw new Error('--cert and --key must be given together');
    }
    return loadGivenCertificate(certFile, keyFile);
  }
  const { ca, caPath } = await loadOrCreateCa(options.dataDir);
  return serveFromCa(ca, caPath, options.cacheLimit ?? TLS_CACHE_LIMIT);
}

/** --cert/--key: the same certificate for every name, no CA, nothing to issue. */
async function loadGivenCertificate(certFile: string, keyFile: string): Promise<TlsMaterial> {
  const [cert, key] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
  try {
    // Fail at start-up with the file names, not at the first handshake with an OpenSSL code.
    createSecureContext({ cert, key });
  } catch (err) {
    throw new Error(`cannot use --cert ${certFile} with --key ${keyFile}: ${messageOf(err)}`, { cause: err });
  }
  return {
    serverOptions: {
      key,
      cert,
      // No context: Node keeps serving the server's default certificate.
      SNICallback: (_servername, cb) => cb(null),
    },
    issue: () => Promise.reject(new Error('Kyanite serves the --cert/--key certificate and issues none of its own')),
  };
}

async function serveFromCa(ca: CertificateAuthority, caPath: string | undefined, limit: number): Promise<TlsMaterial> {
  // One key for every leaf of this process: only the certificates differ per name, and a P-256
  // signature per new name is all a handshake for an unseen name costs.
  const leafKeys = await generateKeyPair();
  const keyPem = privateKeyToPem(leafKeys.privateKey);
  const leaves = new BoundedCache(
    async (hostname) => {
      const certPem = await createLeafCertificate(ca, leafKeys.publicKey, hostname);
      // Leaf then CA, so clients can build the chain from the leaf to the root they trust.
      return { certPem, context: createSecureContext({ key: keyPem, cert: chain(certPem, ca.certPem) }) };
    },
    { limit },
  );

  const issue = async (hostname: string): Promise<{ certPem: string; keyPem: string }> => {
    const name = normalizeHostname(hostname);
    if (name === undefined) throw new Error(`not a host name or IP address: ${quoteName(hostname)}`);
    return { certPem: (await leaves.get(name)).certPem, keyPem };
  };

  const SNICallback: SniCallback = (servername, cb) => {
    const name = normalizeHostname(servername);
    if (name === undefined) {
      cb(new Error(`refusing TLS for server name ${quoteName(servername)}: not a host name`));
      return;
    }
    leaves.get(name).then(
      (leaf) => cb(null, leaf.context),
      (err: unknown) => cb(err instanceof Error ? err : new Error(messageOf(err))),
    );
  };

  // Clients that send no SNI (connections to an IP address) get the localhost leaf, which also
  // carries 127.0.0.1 and ::1. Issued now, because createServer needs a certificate up front.
  const fallback = await leaves.get('localhost');
  return {
    caPem: ca.certPem,
    caPath,
    serverOptions: { key: keyPem, cert: chain(fallback.certPem, ca.certPem), SNICallback },
    issue,
  };
}

/** The CA from DIR/tls/, made there on first start; in memory only when there is no data dir. */
async function loadOrCreateCa(dataDir: string | undefined): Promise<{ ca: CertificateAuthority; caPath?: string }> {
  if (dataDir === undefined) return { ca: (await newCa()).ca };
  const dir = join(dataDir, 'tls');
  const certPath = join(dir, 'ca.pem');
  const keyPath = join(dir, 'ca-key.pem');
  // 0700 also applies to a data dir created here; it will hold the vault database too.
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const [certPem, keyPem] = await Promise.all([readIfPresent(certPath), readIfPresent(keyPath)]);
  if (certPem !== undefined && keyPem !== undefined) {
    let ca: CertificateAuthority;
    try {
      ca = await loadCertificateAuthority(certPem, keyPem);
    } catch (err) {
      // Never overwrite a CA that clients may already trust; tell the user how to start over.
      throw new Error(
        `cannot use the local CA in ${dir}: ${messageOf(err)}. ` +
          'Remove that directory to have Kyanite make a new CA (clients must then trust the new ca.pem).',
        { cause: err },
      );
    }
    // An expired CA is worthless to every client, so it is replaced like a missing one.
    if (!caHasExpired(ca)) return { ca, caPath: certPath };
  }
  const created = await newCa();
  // Key first, certificate last: a crash in between leaves no ca.pem, so the next start makes
  // a new pair instead of finding a certificate whose key is missing.
  await writeAtomically(keyPath, created.keyPem, 0o600);
  // The certificate is public (users copy it into trust stores); the 0700 directory guards the key.
  await writeAtomically(certPath, created.ca.certPem, 0o644);
  return { ca: created.ca, caPath: certPath };
}

async function newCa(): Promise<{ ca: CertificateAuthority; keyPem: string }> {
  const keys = await generateKeyPair();
  const keyPem = privateKeyToPem(keys.privateKey);
  // Parsed back through the loader, so a fresh CA and one read from disk are the same kind of object.
  const ca = await loadCertificateAuthority(await createCaCertificate(keys), keyPem);
  return { ca, keyPem };
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Write to a fresh temporary file with its final mode, then rename: readers never see half a PEM. */
async function writeAtomically(path: string, data: string, mode: number): Promise<void> {
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temp, data, { mode, flag: 'wx' });
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

const chain = (leafPem: string, caPem: string): string => `${leafPem.trimEnd()}\n${caPem.trimEnd()}\n`;

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** A server name from the network, quoted and shortened for an error message. */
const quoteName = (name: string): string => JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name);
