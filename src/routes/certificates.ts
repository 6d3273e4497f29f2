import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Issuer } from '../domain/certificates/issuers.js';
import type { CertificatePolicy } from '../domain/certificates/policy.js';
import type { Certificate, CertificateService, PendingOperation } from '../domain/certificates/service.js';
import type { DeletedInfo } from '../domain/lifecycle.js';
import { objectUrl, type VaultContext } from '../domain/vaults.js';
import { versionAtLeast } from '../server/api-version.js';
import { operation } from '../server/route-config.js';
import { registerLifecycleRoutes } from './lifecycle-routes.js';
import { renderAttributes, withDeleted, type Json } from './render.js';
import {
  AttributesInput,
  Tags,
  ListQuery,
  type ListQueryT,
  Nullable,
  given,
  type NameParamsT,
  type NameVersionParamsT,
} from './schemas.js';

// Policies are checked field by field in the domain (one place for create, import and update); here only their shape.
const PolicyBody = Type.Object({}, { additionalProperties: true });
const CreateBody = Type.Object({
  policy: Nullable(PolicyBody),
  attributes: Nullable(AttributesInput),
  tags: Nullable(Tags),
  preserveCertOrder: Nullable(Type.Boolean()),
});
const ImportBody = Type.Object({
  value: Type.String({ minLength: 1 }),
  pwd: Nullable(Type.String()),
  policy: Nullable(PolicyBody),
  attributes: Nullable(AttributesInput),
  tags: Nullable(Tags),
  preserveCertOrder: Nullable(Type.Boolean()),
});
const UpdateBody = Type.Object({ attributes: Nullable(AttributesInput), tags: Nullable(Tags), policy: Nullable(PolicyBody) });
const MergeBody = Type.Object({ x5c: Type.Array(Type.String(), { minItems: 1 }), attributes: Nullable(AttributesInput), tags: Nullable(Tags) });
const OperationUpdateBody = Type.Object({ cancellation_requested: Type.Boolean() });
const IssuerBody = Type.Object({
  provider: Type.Optional(Type.String({ minLength: 1 })),
  credentials: Nullable(Type.Object({ account_id: Type.Optional(Type.String()), pwd: Type.Optional(Type.String()) })),
  org_details: Nullable(Type.Object({ id: Type.Optional(Type.String()), admin_details: Type.Optional(Type.Array(Type.Record(Type.String(), Type.String()))) })),
  attributes: Nullable(Type.Object({ enabled: Type.Optional(Type.Boolean()) })),
});
const ContactsBody = Type.Object({
  contacts: Type.Array(Type.Object({ email: Type.Optional(Type.String()), name: Type.Optional(Type.String()), phone: Type.Optional(Type.String()) })),
});
interface IssuerParams {
  issuer: string;
}

type IssuerBodyT = Static<typeof IssuerBody>;

export function renderPolicy(vault: VaultContext, name: string, policy: CertificatePolicy): Json {
  return { id: `${objectUrl(vault, 'certificates', name)}/policy`, ...policy };
}

export function renderOperation(vault: VaultContext, name: string, op: PendingOperation): Json {
  const out: Json = {
    id: `${objectUrl(vault, 'certificates', name)}/pending`,
    issuer: op.issuer,
    csr: op.csr,
    cancellation_requested: op.cancellation_requested,
    status: op.status,
  };
  if (op.status_details) out['status_details'] = op.status_details;
  if (op.error) out['error'] = op.error;
  if (op.status === 'completed') out['target'] = objectUrl(vault, 'certificates', name);
  if (op.preserveCertOrder !== undefined) out['preserveCertOrder'] = op.preserveCertOrder;
  out['request_id'] = op.request_id;
  return out;
}

/**
 * What a request for one version leaves out. A GET of /certificates/NAME/VERSION answers without `policy` and
 * `pending`; a PATCH of it without `policy` (pending kept). The unversioned forms carry both. Recorded by C++ at 7.3
 * (2021: GetCertificateVersion #5, UpdateCertificate #5) and again at 7.5 (2024, the same tests, test-proxy assets).
 */
interface BundleShape {
  policy?: boolean;
  pending?: boolean;
}

function renderCertificate(certs: CertificateService, c: Certificate, vault: VaultContext, apiVersion: string, deleted?: DeletedInfo, shape: BundleShape = {}): Json {
  const out: Json = { id: objectUrl(vault, 'certificates', c.name, c.version) };
  if (c.body.cer) {
    out['kid'] = objectUrl(vault, 'keys', c.name, c.version);
    out['sid'] = objectUrl(vault, 'secrets', c.name, c.version);
    out['x5t'] = c.body.x5t;
    out['cer'] = c.body.cer;
  }
  out['attributes'] = renderAttributes(c.attributes, vault, apiVersion);
  if (c.tags) out['tags'] = c.tags;
  const meta = certs.lifecycle.getMeta<{ policy?: CertificatePolicy; operation?: unknown }>(vault, c.name);
  if (meta?.policy && shape.policy !== false) out['policy'] = renderPolicy(vault, c.name, meta.policy);
  // `pending` points to the certificate's operation for as long as it exists, completed ones included (C++ 7.3,
  // Java 7.0 and Python 7.6 recordings); once a client deletes the operation the bundle has none (Java recording).
  if (meta?.operation && shape.pending !== false) out['pending'] = { id: `${objectUrl(vault, 'certificates', c.name)}/pending` };
  if (c.body.preserveCertOrder !== undefined) out['preserveCertOrder'] = c.body.preserveCertOrder;
  return withDeleted(vault, 'deletedcertificates', c, deleted, out);
}

function renderItem(c: Certificate, vault: VaultContext, apiVersion: string, versioned: boolean, deleted?: DeletedInfo): Json {
  const attributes = renderAttributes(c.attributes, vault, apiVersion) as Record<string, Json>;
  // A listed certificate's attributes carry no recovery level or days, unlike keys and secrets (recorded at 7.0 by
  // Java, at 7.3 by C++: docs/fidelity.md). Deleted certificates are not in those recordings and keep them.
  if (!deleted) {
    delete attributes['recoveryLevel'];
    delete attributes['recoverableDays'];
  }
  const out: Json = { id: objectUrl(vault, 'certificates', c.name, versioned ? c.version : undefined), attributes };
  if (c.tags) out['tags'] = c.tags;
  if (c.body.x5t) out['x5t'] = c.body.x5t;
  // Listed certificates carry an empty `subject` from 7.3 (C++ recordings at 7.3 in 2021 and 7.5 in 2024, lists and
  // version lists); the 7.0 answers have none (Java, 2018). Deleted-certificate lists are not recorded.
  if (!deleted && versionAtLeast(apiVersion, '7.3')) out['subject'] = '';
  return withDeleted(vault, 'deletedcertificates', c, deleted, out);
}

function renderIssuer(vault: VaultContext, i: Issuer): Json {
  const out: Json = { id: objectUrl(vault, 'certificates/issuers', i.name), provider: i.provider };
  // The password is write-only, as in the service.
  if (i.credentials) out['credentials'] = i.credentials.account_id !== undefined ? { account_id: i.credentials.account_id } : {};
  if (i.org_details) out['org_details'] = { zip: 0, ...i.org_details };
  out['attributes'] = i.attributes;
  return out;
}

const includePending = (q: ListQueryT) => q.includePending === 'true';

export function certificateRoutes(certs: CertificateService): FastifyPluginAsync {
  const { lifecycle, issuers } = certs;
  const op = (permission: string) => operation('certificates', permission);
  return async (app) => {
    const bundle = (c: Certificate, vault: VaultContext, apiVersion: string, deleted?: DeletedInfo, shape?: BundleShape) =>
      renderCertificate(certs, c, vault, apiVersion, deleted, shape);
    const versioned = (version: string | undefined) => version !== undefined && version !== '';

    app.post<{ Params: NameParamsT; Body: Static<typeof CreateBody> | undefined }>(
      '/certificates/:name/create',
      { schema: { body: Type.Union([CreateBody, Type.Null()]) }, config: op('create') },
      async (req, reply) => {
        const b = req.body ?? {};
        const op = await certs.create(req.vault, req.params.name, {
          ...(given(b.policy) !== undefined && { policy: b.policy as never }),
          ...(b.attributes && { attributes: b.attributes }),
          ...(b.tags && { tags: b.tags }),
          ...(given(b.preserveCertOrder) !== undefined && { preserveCertOrder: b.preserveCertOrder! }),
        });
        const name = lifecycle.get(req.vault, req.params.name).name;
        // Where to poll, as the service says it (recorded); Retry-After only while there is something to wait for.
        reply.header('location', `${objectUrl(req.vault, 'certificates', name)}/pending?api-version=${req.apiVersion}&request_id=${op.request_id}`);
        if (op.status === 'inProgress') reply.header('retry-after', '10');
        return reply.code(202).send(renderOperation(req.vault, name, op));
      },
    );

    app.get<{ Params: NameParamsT }>('/certificates/:name/pending', { config: op('get') }, async (req, reply) => {
      const pending = await certs.getOperation(req.vault, req.params.name);
      // The SDKs' "get the CSR" call asks for PKCS#10 and reads the answer as the CSR itself, base64 (the Java and
      // .NET clients send Accept: application/pkcs10; the service answered that content type, Java 7.0 recordings).
      if (/application\/pkcs10/i.test(req.headers.accept ?? '')) return reply.type('application/pkcs10; charset=utf-8').send(pending.csr);
      return renderOperation(req.vault, req.params.name, pending);
    });
    app.patch<{ Params: NameParamsT; Body: Static<typeof OperationUpdateBody> }>(
      '/certificates/:name/pending',
      { schema: { body: OperationUpdateBody }, config: op('update') },
      async (req) => renderOperation(req.vault, req.params.name, await certs.cancelOperation(req.vault, req.params.name, req.body.cancellation_requested)),
    );
    app.delete<{ Params: NameParamsT }>('/certificates/:name/pending', { config: op('update') }, async (req) =>
      renderOperation(req.vault, req.params.name, await certs.deleteOperation(req.vault, req.params.name)),
    );
    app.post<{ Params: NameParamsT; Body: Static<typeof MergeBody> }>(
      '/certificates/:name/pending/merge',
      { schema: { body: MergeBody }, config: op('create') },
      async (req, reply) => {
        const b = req.body;
        const c = await certs.merge(req.vault, req.params.name, b.x5c, given(b.attributes), given(b.tags));
        return reply.code(201).send(bundle(c, req.vault, req.apiVersion));
      },
    );

    app.post<{ Params: NameParamsT; Body: Static<typeof ImportBody> }>(
      '/certificates/:name/import',
      { schema: { body: ImportBody }, config: op('import') },
      async (req) => {
        const b = req.body;
        const c = await certs.import(req.vault, req.params.name, {
          value: b.value,
          ...(given(b.pwd) !== undefined && { pwd: b.pwd! }),
          ...(given(b.policy) !== undefined && { policy: b.policy as never }),
          ...(b.attributes && { attributes: b.attributes }),
          ...(b.tags && { tags: b.tags }),
          ...(given(b.preserveCertOrder) !== undefined && { preserveCertOrder: b.preserveCertOrder! }),
        });
        return bundle(c, req.vault, req.apiVersion);
      },
    );

    app.get<{ Params: NameParamsT }>('/certificates/:name/policy', { config: op('get') }, async (req) => {
      const name = lifecycle.get(req.vault, req.params.name).name;
      return renderPolicy(req.vault, name, certs.policy(req.vault, name));
    });
    app.patch<{ Params: NameParamsT; Body: Record<string, unknown> }>(
      '/certificates/:name/policy',
      { schema: { body: PolicyBody }, config: op('update') },
      async (req) => {
        const name = lifecycle.get(req.vault, req.params.name).name;
        return renderPolicy(req.vault, name, certs.updatePolicy(req.vault, name, req.body as never));
      },
    );

    app.get<{ Params: NameVersionParamsT }>('/certificates/:name/:version?', { config: op('get') }, async (req) =>
      bundle(await certs.get(req.vault, req.params.name, req.params.version), req.vault, req.apiVersion, undefined, versioned(req.params.version) ? { policy: false, pending: false } : {}),
    );
    app.patch<{ Params: NameVersionParamsT; Body: Static<typeof UpdateBody> | undefined }>(
      '/certificates/:name/:version?',
      { schema: { body: Type.Union([UpdateBody, Type.Null()]) }, config: op('update') },
      async (req) => {
        const b = req.body ?? {};
        const c = await certs.update(req.vault, req.params.name, req.params.version, {
          ...(b.attributes && { attributes: b.attributes }),
          ...(b.tags && { tags: b.tags }),
          ...(b.policy && { policy: b.policy as never }),
        });
        return bundle(c, req.vault, req.apiVersion, undefined, versioned(req.params.version) ? { policy: false } : {});
      },
    );

    registerLifecycleRoutes(app, {
      collection: 'certificates',
      deletedCollection: 'deletedcertificates',
      lifecycle,
      bundle,
      item: renderItem,
      backup: certs.backup,
      restore: certs.restore,
      delete: certs.delete,
      recover: certs.recover,
      purge: certs.purge,
      // Certificates still waiting for their issuer are listed only when asked for.
      listed: (v, q) => includePending(q) || !v.body.pending,
    });

    app.get<{ Querystring: ListQueryT }>('/certificates/issuers', { schema: { querystring: ListQuery }, config: op('listissuers') }, async (req) => {
      const all = issuers.list(req.vault);
      return { value: all.map((i) => ({ id: objectUrl(req.vault, 'certificates/issuers', i.name), provider: i.provider })), nextLink: null };
    });
    app.get<{ Params: IssuerParams }>('/certificates/issuers/:issuer', { config: op('getissuers') }, async (req) =>
      renderIssuer(req.vault, issuers.get(req.vault, req.params.issuer)),
    );
    app.put<{ Params: IssuerParams; Body: IssuerBodyT }>(
      '/certificates/issuers/:issuer',
      { schema: { body: Type.Intersect([IssuerBody, Type.Object({ provider: Type.String({ minLength: 1 }) })]) }, config: op('setissuers') },
      async (req) => renderIssuer(req.vault, issuers.set(req.vault, req.params.issuer, req.body)),
    );
    app.patch<{ Params: IssuerParams; Body: IssuerBodyT }>(
      '/certificates/issuers/:issuer',
      { schema: { body: IssuerBody }, config: op('setissuers') },
      async (req) => renderIssuer(req.vault, issuers.update(req.vault, req.params.issuer, req.body)),
    );
    app.delete<{ Params: IssuerParams }>('/certificates/issuers/:issuer', { config: op('deleteissuers') }, async (req) =>
      renderIssuer(req.vault, issuers.delete(req.vault, req.params.issuer)),
    );

    const contactsId = (vault: VaultContext) => `${vault.baseUrl}/certificates/contacts`;
    app.put<{ Body: Static<typeof ContactsBody> }>('/certificates/contacts', { schema: { body: ContactsBody }, config: op('managecontacts') }, async (req) => ({
      id: contactsId(req.vault),
      contacts: issuers.setContacts(req.vault, req.body.contacts),
    }));
    app.get('/certificates/contacts', { config: op('managecontacts') }, async (req) => ({ id: contactsId(req.vault), contacts: issuers.getContacts(req.vault) }));
    app.delete('/certificates/contacts', { config: op('managecontacts') }, async (req) => ({ id: contactsId(req.vault), contacts: issuers.deleteContacts(req.vault) }));
  };
}
