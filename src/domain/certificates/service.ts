import { randomBytes } from 'node:crypto';
import {
  addMonths,
  CertificateCryptoError,
  createCsr,
  createPfx,
  createSelfSigned,
  parseCertificate,
  parseCertificateChain,
  parsePemBundle,
  parsePfx,
  publicKeyMatches,
  toPemBundle,
  type CertificateWithKey,
} from '../../crypto/certificates/lazy.js';
import type { PrivateJwk } from '../../crypto/jwk.js';
import type { BackupService } from '../backup.js';
import { toUnixSeconds, type Clock } from '../clock.js';
import { badParameter, KeyVaultError } from '../errors.js';
import type { KeyService } from '../keys.js';
import type { AttributesInput, DeletedVersion, Lifecycle, ObjectSnapshot, ObjectVersion, Tags } from '../lifecycle.js';
import type { SecretService } from '../secrets.js';
import type { VaultContext } from '../vaults.js';
import { BUILT_IN_ISSUERS, type IssuerStore } from './issuers.js';
import { certificateKeyOps } from './key-ops.js';
import { PEM, resolvePolicy, type CertificatePolicy, type PolicyInput } from './policy.js';

/**
 * Certificates: each version owns a key version and a secret version of the same name and version id (the key signs,
 * the secret holds the PFX or PEM). Issuance follows the service: issuer Self completes at once (or after a
 * configurable delay, for testing pollers); Unknown and named issuers wait, with a CSR, for a merge.
 */
export interface CertificateBody {
  /** base64 DER; absent while the version waits for its issuer. */
  cer?: string;
  x5t?: string;
  /** base64 DER of the issuer chain, for merged and imported certificates. */
  chain?: string[];
  pending?: boolean;
  preserveCertOrder?: boolean;
}

export type Certificate = ObjectVersion<CertificateBody>;

export interface PendingOperation {
  issuer: CertificatePolicy['issuer'];
  csr: string;
  cancellation_requested: boolean;
  status: 'inProgress' | 'completed' | 'cancelled' | 'failed';
  status_details?: string;
  error?: { code: string; message: string };
  request_id: string;
  /** The version the operation produces. */
  version: string;
  /** Clock time (ms) at which a delayed self-signed operation completes. */
  completeAt?: number;
  /** The create request's attributes and tags, which the completed version gets (not the pending version's). */
  requested?: { attributes?: AttributesInput; tags?: Tags };
  preserveCertOrder?: boolean;
}

interface CertificateMeta {
  policy: CertificatePolicy;
  operation?: PendingOperation;
}

export interface CreateCertificateInput {
  policy?: PolicyInput | null;
  attributes?: AttributesInput;
  tags?: Tags;
  preserveCertOrder?: boolean;
}

export interface ImportCertificateInput extends CreateCertificateInput {
  value: string;
  pwd?: string;
}

export interface CertificateServiceOptions {
  /** Keep issuer-Self operations inProgress this long (ms) before completing them. */
  selfSignedDelayMs?: number;
}

const IN_PROGRESS_DETAILS =
  'Pending certificate created. Certificate request is in progress. This may take some time based on the issuer provider. Please check again later.';
/** The service backdates certificates (and the pending version's nbf) by ten minutes for clock skew (recorded). */
const BACKDATE_SECONDS = 600;

function completed(op: PendingOperation): PendingOperation {
  const { status_details: _details, completeAt: _at, ...rest } = op;
  return { ...rest, status: 'completed' };
}

/**
 * What completing a version carries besides the certificate: the request's attributes, tags and chain order. Tags
 * `null` means the request had none: the completed version then has none, whatever the pending one was given.
 */
interface CompletionExtra {
  attributes?: AttributesInput;
  tags?: Tags | null;
  preserveCertOrder?: boolean;
}

/** The writes that complete a version (its secret and certificate rows), to run inside the caller's transaction. */
type Completion = (vault: VaultContext, name: string, version: string) => Certificate;

/** Runs `work`, passing over the one refusal expected of it, a 404 (the object is not there); anything else propagates. */
function unlessNotFound(work: () => unknown): void {
  try {
    work();
  } catch (err) {
    if (err instanceof KeyVaultError && err.status === 404) return;
    throw err;
  }
}

export const pendingNotFound = () => new KeyVaultError(404, 'PendingCertificateNotFound', 'Pending certificate not found');

function cryptoToParameter(err: unknown): never {
  if (err instanceof CertificateCryptoError) {
    throw badParameter(err.reason === 'bad-password' ? 'The specified PKCS#12 password is incorrect.' : err.message);
  }
  throw err;
}

async function guarded<T>(work: () => Promise<T> | T): Promise<T> {
  try {
    return await work();
  } catch (err) {
    cryptoToParameter(err);
  }
}

export interface CertificateService {
  lifecycle: Lifecycle<CertificateBody>;
  issuers: IssuerStore;
  create(vault: VaultContext, name: string, input: CreateCertificateInput): Promise<PendingOperation>;
  import(vault: VaultContext, name: string, input: ImportCertificateInput): Promise<Certificate>;
  merge(vault: VaultContext, name: string, x5c: unknown, attributes?: AttributesInput, tags?: Tags): Promise<Certificate>;
  getOperation(vault: VaultContext, name: string): Promise<PendingOperation>;
  cancelOperation(vault: VaultContext, name: string, cancel: boolean): Promise<PendingOperation>;
  deleteOperation(vault: VaultContext, name: string): Promise<PendingOperation>;
  get(vault: VaultContext, name: string, version?: string): Promise<Certificate>;
  update(vault: VaultContext, name: string, version: string | undefined, input: { attributes?: AttributesInput; tags?: Tags; policy?: PolicyInput | null }): Promise<Certificate>;
  policy(vault: VaultContext, name: string): CertificatePolicy;
  updatePolicy(vault: VaultContext, name: string, input: PolicyInput): CertificatePolicy;
  operation(vault: VaultContext, name: string): PendingOperation | undefined;
  delete(vault: VaultContext, name: string): DeletedVersion<CertificateBody> | Certificate;
  recover(vault: VaultContext, name: string): Certificate;
  purge(vault: VaultContext, name: string): void;
  backup(vault: VaultContext, name: string): Promise<string>;
  restore(vault: VaultContext, blob: unknown): Promise<Certificate>;
  /** Renews self-signed certificates whose AutoRenew lifetime action is due; returns how many. */
  autoRenew(vaults: VaultContext[]): Promise<number>;
}

export function createCertificateService(
  lifecycle: Lifecycle<CertificateBody>,
  keys: KeyService,
  secrets: SecretService,
  issuers: IssuerStore,
  backups: BackupService,
  clock: Clock,
  options: CertificateServiceOptions = {},
): CertificateService {
  const now = () => toUnixSeconds(clock.now());
  /** The key and secret lifecycles, whose objects of a certificate's name are its managed parts. */
  const managed = [keys.lifecycle, secrets.lifecycle] as Array<Lifecycle<unknown>>;
  const meta = (vault: VaultContext, name: string) => lifecycle.getMeta<CertificateMeta>(vault, name);
  const saveMeta = (vault: VaultContext, name: string, m: CertificateMeta) => lifecycle.setMeta(vault, name, m);

  function x509Options(policy: CertificatePolicy) {
    const x = policy.x509_props;
    return {
      subject: x.subject,
      ...(x.sans?.dns_names && { dnsNames: x.sans?.dns_names }),
      ...(x.sans?.emails && { emails: x.sans?.emails }),
      ...(x.sans?.upns && { upns: x.sans?.upns }),
      ...(x.sans?.uris && { uris: x.sans?.uris }),
      ...(x.sans?.ipAddresses && { ipAddresses: x.sans?.ipAddresses }),
      keyUsage: x.key_usage,
      ekus: x.ekus,
      ca: x.basic_constraints.ca,
    };
  }

  /** The key a new version uses: the previous one when the policy reuses keys, else fresh material. */
  async function keyFor(vault: VaultContext, name: string, policy: CertificatePolicy): Promise<PrivateJwk> {
    if (policy.key_props.reuse_key) {
      const previous = keys.lifecycle.find(vault, name);
      if (previous) return previous.body.jwk;
    }
    const kp = policy.key_props;
    return keys.generate({ kty: kp.kty, ...(kp.key_size && { keySize: kp.key_size }), ...(kp.crv && { crv: kp.crv }) });
  }

  function storeKey(vault: VaultContext, name: string, version: string, jwk: PrivateJwk, policy: CertificatePolicy, window?: { nbf: number; exp: number }) {
    const kty = policy.key_props.kty;
    keys.lifecycle.create(vault, name, {
      version,
      body: { jwk: { ...jwk, kty: kty as PrivateJwk['kty'] }, keyOps: certificateKeyOps(kty, policy.x509_props.key_usage), managed: true },
      ...(window && { attributes: window }),
    });
  }

  /**
   * Prepares storing the issued certificate as version `version` with its secret (the key version is written by the
   * caller). Parsing and encoding are async and happen here; the writes come back as a synchronous function, so that
   * the caller runs them in one transaction with the key and the policy: a failure leaves none of them behind.
   */
  async function prepareCompletion(policy: CertificatePolicy, issued: CertificateWithKey, extra: CompletionExtra): Promise<Completion> {
    const parsed = await guardedParse(issued.certDer);
    const window = { nbf: toUnixSeconds(parsed.notBefore.getTime()), exp: toUnixSeconds(parsed.notAfter.getTime()) };
    const value = await secretValue(policy, issued);
    const body: CertificateBody = { cer: issued.certDer.toString('base64'), x5t: parsed.thumbprintSha1Base64url };
    if (issued.chainDers.length > 0) body.chain = issued.chainDers.map((d) => d.toString('base64'));
    if (extra.preserveCertOrder !== undefined) body.preserveCertOrder = extra.preserveCertOrder;
    const attributes: AttributesInput = { ...window, enabled: extra.attributes?.enabled ?? true };
    return (vault, name, version) => {
      secrets.lifecycle.create(vault, name, {
        version,
        body: { value, contentType: policy.secret_props.contentType, managed: true },
        attributes,
        ...(extra.tags && { tags: extra.tags }),
      });
      // The key, made before the certificate was signed, gets the certificate's validity and tags, like the secret
      // (Java recording createSelfSignedCertificatePkcs12 #7-8: nbf, exp and `tags: {}` on both).
      const tags = extra.tags !== undefined && { tags: extra.tags };
      keys.lifecycle.update(vault, name, version, { attributes, ...tags });
      const pendingVersion = lifecycle.find(vault, name);
      if (pendingVersion?.version === version && pendingVersion.body.pending) {
        return lifecycle.update(vault, name, version, { body, attributes, ...tags });
      }
      return lifecycle.create(vault, name, { version, body, attributes, ...(extra.tags && { tags: extra.tags }) });
    };
  }

  /**
   * What the managed secret holds: the PFX (no password, as Key Vault keeps it) or the PEM bundle. A key that is not
   * exportable stays out of it: the PEM then holds only certificates, and a PKCS#12 secret only the certificate's DER.
   */
  async function secretValue(policy: CertificatePolicy, issued: CertificateWithKey): Promise<string> {
    const exportable = policy.key_props.exportable;
    if (policy.secret_props.contentType === PEM) {
      const pem = await toPemBundle(issued);
      return exportable ? pem : pem.replace(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----\n?/, '');
    }
    if (!exportable) return issued.certDer.toString('base64');
    return (await guarded(() => createPfx({ certDer: issued.certDer, chainDers: issued.chainDers, privateJwk: issued.privateJwk }))).toString('base64');
  }

  async function guardedParse(der: Buffer) {
    try {
      return await parseCertificate(der);
    } catch (err) {
      cryptoToParameter(err);
    }
  }

  /** Signs the self-signed certificate now and prepares its writes (see prepareCompletion). */
  async function prepareSelfSigned(policy: CertificatePolicy, jwk: PrivateJwk, extra: CompletionExtra): Promise<Completion> {
    const { der } = await guarded(() =>
      createSelfSigned({ privateJwk: jwk, ...x509Options(policy), validityMonths: policy.x509_props.validity_months, now: new Date((now() - BACKDATE_SECONDS) * 1000) }),
    );
    return prepareCompletion(policy, { privateJwk: jwk as CertificateWithKey['privateJwk'], certDer: der, chainDers: [] }, extra);
  }

  /**
   * Moves a running operation on: a requested cancellation takes effect on the next read (the service answers the
   * cancellation itself still inProgress, and `cancelled` without status_details when polled next: Python
   * recording test_async_request_cancellation_and_deletion at 7.6); otherwise a delayed self-signed operation
   * completes once its time has come.
   */
  async function settle(vault: VaultContext, name: string, cancellationToo = true): Promise<void> {
    const m = meta(vault, name);
    const op = m?.operation;
    if (!m || !op || op.status !== 'inProgress') return;
    if (op.cancellation_requested) {
      if (!cancellationToo) return;
      const { status_details: _details, ...rest } = op;
      saveMeta(vault, name, { ...m, operation: { ...rest, status: 'cancelled' } });
      return;
    }
    const due = op.completeAt !== undefined && clock.now() >= op.completeAt;
    if (!due) return;
    const key = keys.lifecycle.get(vault, name, op.version);
    // The completed version is the one the create asked for: an update the client made to the pending version
    // (attributes, tags) does not carry over (Java recording certificateAsyncForAsyncOperations #4 and #8, 7.0: tags
    // and enabled false set while issuing, the issued certificate enabled and without them).
    const requested = op.requested ?? {};
    const finish = await prepareSelfSigned(m.policy, key.body.jwk, { ...(requested.attributes && { attributes: requested.attributes }), tags: requested.tags ?? null });
    lifecycle.transaction(() => {
      // Another request may have settled the operation while this one was signing.
      const current = meta(vault, name);
      if (current?.operation?.status !== 'inProgress' || current.operation.version !== op.version) return;
      finish(vault, name, op.version);
      saveMeta(vault, name, { ...current, operation: completed(op) });
    });
  }

  function currentOperation(vault: VaultContext, name: string): PendingOperation {
    const op = meta(vault, name)?.operation;
    if (!op) throw pendingNotFound();
    return op;
  }

  const service: CertificateService = {
    lifecycle,
    issuers,
    async create(vault, name, input) {
      const operationInProgress = () => {
        const current = lifecycle.find(vault, name);
        const m = current ? meta(vault, current.name) : undefined;
        if (m?.operation?.status === 'inProgress') {
          throw new KeyVaultError(409, 'Conflict', `Certificate ${name} has an operation in progress: complete, cancel or delete it first.`);
        }
        return m;
      };
      const previous = operationInProgress();
      if (!input.policy && !previous) throw badParameter('A new certificate needs a policy.');
      const policy = resolvePolicy(input.policy, previous?.policy, now());
      const issuerName = policy.issuer.name;
      if (!BUILT_IN_ISSUERS.includes(issuerName.toLowerCase()) && !issuers.find(vault, issuerName)) {
        throw new KeyVaultError(404, 'CertificateIssuerNotFound', `Issuer not found: ${issuerName}`);
      }
      const jwk = await keyFor(vault, name, policy);
      const { der: csrDer } = await guarded(() => createCsr({ privateJwk: jwk, ...x509Options(policy) }));
      // An issuer with the service's test provider ("Test") issues on its own, like Self (Java recordings
      // createCertificatePem/Pkcs12: the operation completes and the certificate is served); Kyanite signs it itself.
      const selfSigned = issuerName.toLowerCase() === 'self' || issuers.find(vault, issuerName)?.provider.toLowerCase() === 'test';
      const delayed = selfSigned && (options.selfSignedDelayMs ?? 0) > 0;
      // Issuer Self without a delay completes in this request: sign first, so that every write below is one unit.
      const finish =
        selfSigned && !delayed
          ? await prepareSelfSigned(policy, jwk, { ...(input.attributes && { attributes: input.attributes }), ...(input.tags && { tags: input.tags }) })
          : undefined;
      return lifecycle.transaction(() => {
        // Checked again: a create of the same name may have started while this one was making its key.
        operationInProgress();
        // The version exists from the start: a disabled pending version, readable while the operation runs (recorded).
        const t = now();
        const pendingVersion = lifecycle.create(vault, name, {
          body: { pending: true, ...(input.preserveCertOrder !== undefined && { preserveCertOrder: input.preserveCertOrder }) },
          attributes: { enabled: false, nbf: t - BACKDATE_SECONDS, exp: toUnixSeconds(addMonths(new Date(t * 1000), policy.x509_props.validity_months).getTime()) },
          ...(input.tags && { tags: input.tags }),
        });
        const version = pendingVersion.version;
        storeKey(vault, pendingVersion.name, version, jwk, policy);
        const operation: PendingOperation = {
          issuer: policy.issuer,
          csr: csrDer.toString('base64'),
          cancellation_requested: false,
          status: 'inProgress',
          status_details: IN_PROGRESS_DETAILS,
          request_id: randomBytes(16).toString('hex'),
          version,
          requested: { ...(input.attributes && { attributes: input.attributes }), ...(input.tags && { tags: input.tags }) },
          ...(input.preserveCertOrder !== undefined && { preserveCertOrder: input.preserveCertOrder }),
        };
        if (delayed) operation.completeAt = clock.now() + options.selfSignedDelayMs!;
        if (finish) finish(vault, pendingVersion.name, version);
        // Create answers the operation as started (inProgress) even when it completed at once; the stored one says so.
        saveMeta(vault, pendingVersion.name, { policy, operation: finish ? completed(operation) : operation });
        return operation;
      });
    },
    async import(vault, name, input) {
      const pem = input.policy?.secret_props?.contentType === PEM || /-----BEGIN/.test(input.value);
      const bundle = await guarded(async () => {
        if (pem) return parsePemBundle(input.value.includes('-----BEGIN') ? input.value : Buffer.from(input.value, 'base64').toString('utf8'));
        if (!/^[A-Za-z0-9+/=\s]+$/.test(input.value)) throw badParameter('The certificate value is neither base64 PKCS#12 nor PEM.');
        return parsePfx(Buffer.from(input.value, 'base64'), input.pwd);
      });
      const parsed = await guardedParse(bundle.certDer);
      const existing = lifecycle.find(vault, name);
      const base = existing ? meta(vault, existing.name)?.policy : undefined;
      // The policy describes the certificate as imported, with what the request asked for on top.
      const derived: PolicyInput = {
        key_props: { kty: bundle.privateJwk.kty, ...(bundle.privateJwk.crv ? { crv: bundle.privateJwk.crv } : { key_size: Buffer.from(bundle.privateJwk.n ?? '', 'base64url').length * 8 }) },
        secret_props: { contentType: pem ? PEM : 'application/x-pkcs12' },
        x509_props: {
          subject: parsed.subject,
          sans: { ...(parsed.dnsNames.length > 0 && { dns_names: parsed.dnsNames }), ...(parsed.emails.length > 0 && { emails: parsed.emails }), ...(parsed.upns.length > 0 && { upns: parsed.upns }) },
          ...(parsed.ekus.length > 0 && { ekus: parsed.ekus }),
          ...(parsed.keyUsage.length > 0 && { key_usage: parsed.keyUsage }),
          validity_months: Math.max(1, Math.round((parsed.notAfter.getTime() - parsed.notBefore.getTime()) / (30.44 * 86400_000))),
        },
        issuer: { name: 'Unknown' },
      };
      const merged = resolvePolicy(derived, base, now());
      const policy = resolvePolicy(input.policy ?? {}, { ...merged, key_props: { ...merged.key_props } }, now());
      policy.key_props.kty = merged.key_props.kty;
      const version = randomBytes(16).toString('hex');
      const window = { nbf: toUnixSeconds(parsed.notBefore.getTime()), exp: toUnixSeconds(parsed.notAfter.getTime()) };
      const finish = await prepareCompletion(policy, bundle, {
        ...(input.attributes && { attributes: input.attributes }),
        ...(input.tags && { tags: input.tags }),
        ...(input.preserveCertOrder !== undefined && { preserveCertOrder: input.preserveCertOrder }),
      });
      return lifecycle.transaction(() => {
        const previous = existing ? meta(vault, existing.name) : undefined;
        storeKey(vault, name, version, bundle.privateJwk as PrivateJwk, policy, window);
        const cert = finish(vault, name, version);
        saveMeta(vault, cert.name, { policy, ...(previous?.operation && { operation: previous.operation }) });
        return cert;
      });
    },
    async merge(vault, name, x5c, attributes, tags) {
      const op = currentOperation(vault, name);
      if (op.status !== 'inProgress') throw pendingNotFound();
      if (!Array.isArray(x5c) || x5c.length === 0 || x5c.some((c) => typeof c !== 'string')) throw badParameter('x5c must be a non-empty array of base64 certificates.');
      const { leaf, chain } = await guarded(() => parseCertificateChain(x5c as string[]));
      const key = keys.lifecycle.get(vault, name, op.version);
      if (!(await guarded(() => publicKeyMatches(leaf.der, key.body.jwk)))) {
        throw badParameter("Public key from x509 certificate and key of this instance doesn't match");
      }
      const m = meta(vault, name)!;
      const issued = { privateJwk: key.body.jwk as CertificateWithKey['privateJwk'], certDer: leaf.der, chainDers: chain.map((c) => c.der) };
      const finish = await prepareCompletion(m.policy, issued, { ...(attributes && { attributes }), ...(tags && { tags }) });
      const window = { nbf: toUnixSeconds(leaf.notBefore.getTime()), exp: toUnixSeconds(leaf.notAfter.getTime()) };
      return lifecycle.transaction(() => {
        const cert = finish(vault, name, op.version);
        keys.lifecycle.update(vault, name, op.version, { attributes: window });
        saveMeta(vault, cert.name, { ...m, operation: completed(op) });
        return cert;
      });
    },
    async getOperation(vault, name) {
      lifecycle.get(vault, name);
      await settle(vault, name);
      return currentOperation(vault, name);
    },
    async cancelOperation(vault, name, cancel) {
      const m = meta(vault, name);
      const op = currentOperation(vault, name);
      // The answer to a cancellation is the request noted, still inProgress: the service cancels afterwards (Java
      // recording certificateAsyncRequestCancellation, docs/fidelity.md). settle() applies it on a later read.
      if (cancel && op.status === 'inProgress') {
        const requested: PendingOperation = { ...op, cancellation_requested: true };
        saveMeta(vault, name, { ...m!, operation: requested });
        return requested;
      }
      return op;
    },
    async deleteOperation(vault, name) {
      // Deleting answers the operation as it stands: a cancellation requested just before is not applied yet (Java
      // recording certificateAsyncRequestCancellation #3-4, 7.0: PATCH cancel, then DELETE answered inProgress with
      // cancellation_requested; a poll is what shows it cancelled, Python 7.6). A due self-signed issuance completes.
      await settle(vault, name, false);
      const m = meta(vault, name);
      const op = currentOperation(vault, name);
      const { operation: _removed, ...rest } = m!;
      saveMeta(vault, name, rest as CertificateMeta);
      return op;
    },
    async get(vault, name, version) {
      if (!version) await settle(vault, name);
      return lifecycle.get(vault, name, version);
    },
    async update(vault, name, version, input) {
      const cert = lifecycle.get(vault, name, version);
      if (input.policy) service.updatePolicy(vault, name, input.policy);
      return lifecycle.update(vault, name, cert.version, { ...(input.attributes && { attributes: input.attributes }), ...(input.tags && { tags: input.tags }) });
    },
    policy(vault, name) {
      const cert = lifecycle.get(vault, name);
      return meta(vault, cert.name)!.policy;
    },
    updatePolicy(vault, name, input) {
      const cert = lifecycle.get(vault, name);
      const m = meta(vault, cert.name)!;
      const policy = resolvePolicy(input, m.policy, now());
      saveMeta(vault, cert.name, { ...m, policy });
      return policy;
    },
    operation: (vault, name) => meta(vault, name)?.operation,
    // The certificate, its key and its secret move together: one transaction each, so none moves without the others.
    delete(vault, name) {
      return lifecycle.transaction(() => {
        const cert = lifecycle.delete(vault, name);
        for (const l of managed) if (l.find(vault, cert.name)) l.delete(vault, cert.name);
        return cert;
      });
    },
    recover(vault, name) {
      return lifecycle.transaction(() => {
        const cert = lifecycle.recover(vault, name);
        // A managed object that was never made (a pending certificate has no secret yet) has nothing to recover.
        for (const l of managed) unlessNotFound(() => l.recover(vault, cert.name));
        return cert;
      });
    },
    purge(vault, name) {
      lifecycle.transaction(() => {
        lifecycle.purge(vault, name);
        for (const l of managed) unlessNotFound(() => l.purge(vault, name));
      });
    },
    async backup(vault, name) {
      const cert = lifecycle.get(vault, name);
      const parts: ObjectSnapshot[] = [lifecycle.snapshot(vault, cert.name)];
      for (const l of managed) if (l.find(vault, cert.name)) parts.push(l.snapshot(vault, cert.name));
      // The certificate's snapshot leads; the managed key and secret ride along in its meta-free companions list.
      return backups.backup({ ...parts[0]!, companions: parts.slice(1) } as ObjectSnapshot);
    },
    async restore(vault, blob) {
      const snapshot = (await backups.restore('certificate', blob)) as ObjectSnapshot & { companions?: ObjectSnapshot[] };
      return lifecycle.transaction(() => {
        const cert = lifecycle.restore(vault, snapshot);
        for (const part of snapshot.companions ?? []) {
          const target = part.kind === 'key' ? keys.lifecycle : secrets.lifecycle;
          (target as Lifecycle<unknown>).restore(vault, part);
        }
        // The operation is not part of a backup: a restored certificate has no `pending` (C++ BackupRestoreCertificate).
        const m = meta(vault, cert.name);
        if (m?.operation) {
          const { operation: _dropped, ...rest } = m;
          saveMeta(vault, cert.name, rest as CertificateMeta);
        }
        return cert;
      });
    },
    async autoRenew(vaults) {
      let renewed = 0;
      const t = now();
      for (const vault of vaults) {
        for (const cert of lifecycle.allLive(vault)) {
          const m = meta(vault, cert.name);
          if (!m || cert.body.pending || m.policy.issuer.name.toLowerCase() !== 'self') continue;
          const renew = m.policy.lifetime_actions.find((a) => a.action.action_type === 'AutoRenew');
          const { nbf, exp } = cert.attributes;
          if (!renew || nbf === undefined || exp === undefined) continue;
          const due = renew.trigger.lifetime_percentage !== undefined
            ? nbf + ((exp - nbf) * renew.trigger.lifetime_percentage) / 100
            : exp - (renew.trigger.days_before_expiry ?? 0) * 86400;
          if (t < due) continue;
          const version = randomBytes(16).toString('hex');
          const jwk = await keyFor(vault, cert.name, m.policy);
          const finish = await prepareSelfSigned(m.policy, jwk, { ...(cert.tags && { tags: cert.tags }) });
          lifecycle.transaction(() => {
            storeKey(vault, cert.name, version, jwk, m.policy);
            finish(vault, cert.name, version);
          });
          renewed++;
        }
      }
      return renewed;
    },
  };
  return service;
}

