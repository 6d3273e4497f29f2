/**
 * "TLS that just works": Kyanite keeps a local CA and signs a leaf for each local host name a client
 * asks for in SNI, so localhost, 127.0.0.1, ::1 and NAME.vault.localhost (and the names given with
 * --tls-name, such as a Docker service name) verify once the CA is trusted (NODE_EXTRA_CA_CERTS,
 * REQUESTS_CA_BUNDLE, ...). The CA itself carries name constraints for exactly those names
 * (TlsNamePolicy), so trusting it vouches for nothing else; any other SNI name gets the localhost
 * leaf, which does not verify for it.
 *
 * With a data dir the CA is kept in DIR/tls/ (ca.pem, ca-key.pem) so clients trust it once; without
 * one (--in-memory) it lives only as long as the process. `--cert/--key` bypass all of it.
 *
 * DIR/tls/ also keeps the `localhost` leaf (localhost.pem) and the key every leaf uses
 * (leaf-key.pem). A restart checks them with node:crypto alone and serves them as they are, so it
 * neither loads the certificate library (the costliest module Kyanite loads) nor signs anything;
 * the library is imported only when a certificate must actually be made.
 */
import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { createSecureContext, type SecureContext } from 'node:tls';
import { caConstraintsProblem } from '../crypto/ca-extensions.js';
import { checkCaPair, constraintText, isP256, normalizeHostname, subjectAltNameText, TlsNamePolicy } from '../crypto/tls-names.js';
// Types only: erased from the output, so importing them loads nothing.
import type { CertificateAuthority } from '../crypto/x509-tls.js';

type X509Tls = typeof import('../crypto/x509-tls.js');

let libraryLoads = 0;

/**
 * How many times this module has asked for the certificate library (x509-tls.js). Tests read it to
 * prove that a start on an existing data dir did without the library.
 */
export const tlsLibraryLoads = (): number => libraryLoads;

/** The certificate library, imported on demand; Node caches the module, so only the first call costs. */
function x509Tls(): Promise<X509Tls> {
  libraryLoads += 1;
  return import('../crypto/x509-tls.js');
}

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
  /** --tls-name values: names, .suffixes, addresses and ranges the CA may vouch for besides the local ones. */
  tlsNames?: readonly string[];
  /** Where to say what the user must act on (a replaced CA, a server name the CA cannot vouch for). */
  warn?: (message: string) => void;
}

/** Distinct refused SNI names warned about; past this a client inventing names cannot flood the log. */
const REFUSED_NAME_WARNINGS = 20;

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
  const names = new TlsNamePolicy(options.tlsNames);
  const warn = options.warn ?? (() => {});
  const local = options.dataDir === undefined ? await caInMemory(names) : await caOnDisk(options.dataDir, names, warn);
  return serveFromCa(local, { limit: options.cacheLimit ?? TLS_CACHE_LIMIT, names, warn });
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

/** A `localhost` leaf that can be served as it is, and when it stops being valid. */
interface ReadyLeaf {
  certPem: string;
  notAfter: number;
}

/** The local CA as serveFromCa uses it. */
interface LocalCa {
  caPem: string;
  caPath?: string;
  /** The CA parsed for signing. The first call loads the certificate library; later calls share its promise. */
  authority: () => Promise<CertificateAuthority>;
  /**
   * One key for every leaf: only the certificates differ per name, and a P-256 signature per new
   * name is all a handshake for an unseen name costs. Kept on disk with a data dir, so the kept
   * `localhost` leaf stays usable across restarts.
   */
  leafKeyPem: string;
  /** A `localhost` leaf for leafKeyPem, signed by this CA, made earlier or at this start. */
  localhost?: ReadyLeaf;
}

async function serveFromCa(
  local: LocalCa,
  { limit, names, warn }: { limit: number; names: TlsNamePolicy; warn: (message: string) => void },
): Promise<TlsMaterial> {
  const { caPem, caPath, leafKeyPem: keyPem } = local;
  let leafPublicKey: ReturnType<X509Tls['publicKeyFromPem']> | undefined;
  const sign = async (hostname: string): Promise<string> => {
    const library = await x509Tls();
    leafPublicKey ??= library.publicKeyFromPem(keyPem);
    const [ca, publicKey] = await Promise.all([local.authority(), leafPublicKey]);
    return library.createLeafCertificate(ca, publicKey, hostname, { names });
  };
  const leaves = new BoundedCache(
    async (hostname) => {
      const ready = hostname === 'localhost' ? local.localhost : undefined;
      const certPem = ready !== undefined && lastsLongEnough(ready.notAfter) ? ready.certPem : await sign(hostname);
      // Leaf then CA, so clients can build the chain from the leaf to the root they trust.
      return { certPem, context: createSecureContext({ key: keyPem, cert: chain(certPem, caPem) }) };
    },
    { limit },
  );

  const issue = async (hostname: string): Promise<{ certPem: string; keyPem: string }> => {
    const name = normalizeHostname(hostname);
    if (name === undefined) throw new Error(`not a host name or IP address: ${quoteName(hostname)}`);
    if (!names.permits(name)) throw new Error(`the local CA cannot vouch for ${quoteName(name)}: ${addNameHint(name, names)}`);
    return { certPem: (await leaves.get(name)).certPem, keyPem };
  };

  const warned = new Set<string>();
  /** The leaf a handshake for `name` gets: its own if the CA may vouch for it, else the localhost leaf. */
  const leafFor = (name: string) => {
    if (names.permits(name)) return leaves.get(name);
    if (warned.size < REFUSED_NAME_WARNINGS && !warned.has(name)) {
      warned.add(name);
      warn(`TLS for server name ${quoteName(name)} gets the localhost certificate, which will not verify for it: ${addNameHint(name, names)}`);
    }
    return leaves.get('localhost');
  };

  const SNICallback: SniCallback = (servername, cb) => {
    const name = normalizeHostname(servername);
    if (name === undefined) {
      cb(new Error(`refusing TLS for server name ${quoteName(servername)}: not a host name`));
      return;
    }
    leafFor(name).then(
      (leaf) => cb(null, leaf.context),
      (err: unknown) => cb(err instanceof Error ? err : new Error(messageOf(err))),
    );
  };

  // Clients that send no SNI (connections to an IP address) get the localhost leaf, which also
  // carries 127.0.0.1 and ::1. Needed now, because createServer needs a certificate up front.
  const fallback = await leaves.get('localhost');
  return {
    caPem,
    caPath,
    serverOptions: { key: keyPem, cert: chain(fallback.certPem, caPem), SNICallback },
    issue,
  };
}

/** --in-memory: a CA and a leaf key that live as long as the process. */
async function caInMemory(names: TlsNamePolicy): Promise<LocalCa> {
  const library = await x509Tls();
  const { ca } = await newCa(library, names);
  const leafKeyPem = library.privateKeyToPem((await library.generateKeyPair()).privateKey);
  return { caPem: ca.certPem, authority: () => Promise.resolve(ca), leafKeyPem };
}

/**
 * The CA and the `localhost` leaf from DIR/tls/, checked with node:crypto only. Whatever is
 * missing or no longer usable is made anew there: the CA on first start, once expired, or when
 * its constraints are not exactly those of `names` (a CA made before Kyanite constrained it, or a
 * changed --tls-name); the leaf whenever it is not one this CA signed for the kept key with the
 * names and life it should have.
 */
async function caOnDisk(dataDir: string, names: TlsNamePolicy, warn: (message: string) => void): Promise<LocalCa> {
  const dir = join(dataDir, 'tls');
  const caPath = join(dir, 'ca.pem');
  const caKeyPath = join(dir, 'ca-key.pem');
  const leafPath = join(dir, 'localhost.pem');
  const leafKeyPath = join(dir, 'leaf-key.pem');
  // 0700 also applies to a data dir created here; it will hold the vault database too.
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const [caPem, caKeyPem, leafPem, leafKeyPem] = await Promise.all(
    [caPath, caKeyPath, leafPath, leafKeyPath].map(readIfPresent),
  );

  let ca: { caPem: string; authority: () => Promise<CertificateAuthority> } | undefined;
  /** Why the CA on disk is replaced, when it is one clients may trust. */
  let replaced: string | undefined;
  if (caPem !== undefined && caKeyPem !== undefined) {
    const caCert = checkCa(dir, caPem, caKeyPem);
    const problem = caConstraintsProblem(caCert.raw, names);
    // An expired CA is worthless to every client, so it is replaced like a missing one. Only the
    // end date counts: a clock that runs behind must not make Kyanite replace a CA clients trust.
    // A CA without the constraints is replaced with a new key too: whoever can read the old key
    // could otherwise still make certificates for any site that clients trusting it accept.
    if (problem !== undefined) {
      replaced = `${caPath} (${caCert.subject}) ${problem}`;
    } else if (Date.now() < Date.parse(caCert.validTo)) {
      const authority = once(async () => {
        const { loadCertificateAuthority } = await x509Tls();
        try {
          return await loadCertificateAuthority(caPem, caKeyPem);
        } catch (err) {
          throw unusableCa(dir, err);
        }
      });
      const localhost = readyLocalhostLeaf(caCert, names, leafPem, leafKeyPem);
      // The common restart: CA and leaf as they were, and no certificate library loaded.
      if (localhost !== undefined && leafKeyPem !== undefined) {
        return { caPem, caPath, authority, leafKeyPem, localhost };
      }
      ca = { caPem, authority };
    }
  }

  if (ca === undefined) {
    const created = await newCa(await x509Tls(), names);
    // The old certificate goes first, then the key, the certificate last: a crash in between leaves
    // no ca.pem, so the next start makes a new pair instead of finding a certificate whose key is
    // missing or another one.
    await rm(caPath, { force: true });
    await writeAtomically(caKeyPath, created.keyPem, 0o600);
    // The certificate is public (users copy it into trust stores); the 0700 directory guards the key.
    await writeAtomically(caPath, created.ca.certPem, 0o644);
    ca = { caPem: created.ca.certPem, authority: () => Promise.resolve(created.ca) };
    if (replaced !== undefined) {
      warn(
        `replaced the local CA: ${replaced}. The new CA in its place (key included) can vouch only for ` +
          `${names.constraints.map(constraintText).join(', ')}. Clients that trusted the old one must trust the new ` +
          `${caPath}: run \`kyanite trust\` again (\`kyanite trust --install\` overwrites an installed copy), and ` +
          'remove the old CA from any other trust store it was added to.',
      );
    }
  }
  // A new CA always gets a new leaf too (the kept one cannot chain to it), and so does a kept CA
  // whose leaf failed a check: a new key with it, since the kept key may be what was wrong.
  const leaf = await newLocalhostLeaf(ca.authority, names);
  // Same order as the CA: a crash in between leaves a certificate that does not fit the key, which
  // the next start notices and replaces.
  await writeAtomically(leafKeyPath, leaf.keyPem, 0o600);
  await writeAtomically(leafPath, leaf.localhost.certPem, 0o644);
  return { ...ca, caPath, leafKeyPem: leaf.keyPem, localhost: leaf.localhost };
}

/** The CA certificate from disk once checkCaPair accepts it with its key: node:crypto only, so a restart needs no library. */
function checkCa(dir: string, certPem: string, keyPem: string): X509Certificate {
  try {
    return checkCaPair(certPem, keyPem).cert;
  } catch (err) {
    throw unusableCa(dir, err);
  }
}

/** Never overwrite a CA that clients may already trust; tell the user how to start over. */
const unusableCa = (dir: string, err: unknown): Error =>
  new Error(
    `cannot use the local CA in ${dir}: ${messageOf(err)}. ` +
      'Remove that directory to have Kyanite make a new CA (clients must then trust the new ca.pem).',
    { cause: err },
  );

/**
 * The kept `localhost` leaf if it can be served as it is: signed by `ca`, for the kept key, valid
 * now and for longer than a cached leaf is kept, and naming exactly what a new leaf would name (so
 * a change to leafAltNames, or to the addresses given with --tls-name, reaches leaves made before
 * it). Undefined otherwise, also for files that do not parse: a bad leaf is simply made again.
 */
function readyLocalhostLeaf(
  ca: X509Certificate,
  names: TlsNamePolicy,
  certPem?: string,
  keyPem?: string,
): ReadyLeaf | undefined {
  if (certPem === undefined || keyPem === undefined) return undefined;
  try {
    const leaf = new X509Certificate(certPem);
    const key = createPrivateKey(keyPem);
    const now = Date.now();
    const notAfter = Date.parse(leaf.validTo);
    const ready =
      isP256(key) &&
      leaf.checkIssued(ca) &&
      leaf.verify(ca.publicKey) &&
      leaf.checkPrivateKey(key) &&
      Date.parse(leaf.validFrom) <= now &&
      lastsLongEnough(notAfter, now) &&
      leaf.subjectAltName === subjectAltNameText(names.leafAltNames('localhost'));
    return ready ? { certPem, notAfter } : undefined;
  } catch {
    return undefined;
  }
}

/** A fresh leaf key and a `localhost` leaf for it. */
async function newLocalhostLeaf(
  authority: () => Promise<CertificateAuthority>,
  names: TlsNamePolicy,
): Promise<{ keyPem: string; localhost: ReadyLeaf }> {
  const library = await x509Tls();
  const keys = await library.generateKeyPair();
  const certPem = await library.createLeafCertificate(await authority(), keys.publicKey, 'localhost', { names });
  const notAfter = Date.parse(new X509Certificate(certPem).validTo);
  return { keyPem: library.privateKeyToPem(keys.privateKey), localhost: { certPem, notAfter } };
}

async function newCa(library: X509Tls, names: TlsNamePolicy): Promise<{ ca: CertificateAuthority; keyPem: string }> {
  const keys = await library.generateKeyPair();
  const keyPem = library.privateKeyToPem(keys.privateKey);
  // Parsed back through the loader, so a fresh CA and one read from disk are the same kind of object.
  const ca = await library.loadCertificateAuthority(await library.createCaCertificate(keys, { names }), keyPem);
  return { ca, keyPem };
}

/** Whether a leaf ending at `notAfter` outlives the in-memory cache period, so serving it is safe until re-checked. */
const lastsLongEnough = (notAfter: number, now = Date.now()): boolean => notAfter - now > TLS_CACHE_TTL_MS;

/** A lazy promise: `make` runs on the first call, and every call shares its result. */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => (made ??= make());
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

/**
 * A warning when Kyanite listens on one specific address that its CA may not vouch for: clients connecting to an IP
 * address send no SNI, get the localhost leaf, and would fail verification with no hint on the server's side.
 * Wildcard addresses (0.0.0.0, ::, the container's default) get none: clients there use names, and a name the CA may
 * not vouch for is warned about at its first handshake.
 */
export function listenAddressWarning(host: string, tlsNames?: readonly string[]): string | undefined {
  const address = normalizeHostname(host.replace(/^\[(.*)\]$/, '$1'));
  if (address === undefined || isIP(address) === 0 || /^(0\.0\.0\.0|::)$/.test(address)) return undefined;
  const names = new TlsNamePolicy(tlsNames);
  if (names.permits(address)) return undefined;
  return `listening on ${address}, an address clients will not verify the local CA's certificate for: ${addNameHint(address, names)}`;
}

/** What the user can do about a name the CA may not vouch for. */
const addNameHint = (name: string, names: TlsNamePolicy): string =>
  `the local CA vouches only for ${names.constraints.map(constraintText).join(', ')}; ` +
  `start Kyanite with --tls-name ${name.length > 80 ? 'NAME' : name} if clients should reach it by that name`;

/** A server name from the network, quoted and shortened for an error message. */
const quoteName = (name: string): string => JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name);
