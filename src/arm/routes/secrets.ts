import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Domain } from '../../domain/index.js';
import { validateTags } from '../../domain/lifecycle.js';
import type { Secret, SetSecretInput } from '../../domain/secrets.js';
import { objectUrl } from '../../domain/vaults.js';
import { pageOf } from '../paging.js';
import { SecretPatchBody, SecretPutBody, type SecretPatchBodyT } from '../schemas.js';
import type { Json } from '../vault-model.js';
import { attributesOf, checkName, renderAttributes, subResource, VAULT, vaultScope, viaDomain, type VaultParams, type VaultScope } from '../vault-scope.js';

/**
 * Secrets_* of Microsoft.KeyVault: the vault's own secrets (the data plane's objects), seen through ARM. ARM never
 * returns a value; a PUT (and a PATCH that carries a value) adds a version, as setting the secret does.
 */

type SecretParams = VaultParams & { secretName: string };
const SECRET = `${VAULT}/secrets/:secretName`;

interface SecretFields {
  value?: string;
  input: Omit<SetSecretInput, 'value'>;
}

/** A PUT or PATCH body, its shape checked by the route's schema; tags limits are the domain's. */
function parseSecret(body: SecretPatchBodyT): SecretFields {
  const p = body.properties ?? {};
  const attributes = attributesOf(p.attributes);
  const tags = body.tags ?? undefined;
  validateTags(tags);
  return {
    ...(typeof p.value === 'string' && { value: p.value }),
    input: { ...(typeof p.contentType === 'string' && { contentType: p.contentType }), ...(attributes && { attributes }), ...(tags && { tags }) },
  };
}

function renderSecret(scope: VaultScope, s: Secret): Json {
  const secretUri = objectUrl(scope.context, 'secrets', s.name);
  const properties: Json = {
    ...(s.body.contentType !== undefined && { contentType: s.body.contentType }),
    attributes: renderAttributes(s.attributes),
    secretUri,
    secretUriWithVersion: objectUrl(scope.context, 'secrets', s.name, s.version),
  };
  return subResource(scope, `secrets/${s.name}`, s.name, 'secrets', properties, s.tags ?? {});
}

export function armSecretRoutes(domain: Domain): FastifyPluginAsync {
  const { secrets } = domain;
  const lifecycle = secrets.lifecycle;

  const at = (request: FastifyRequest<{ Params: SecretParams }>) => {
    const scope = vaultScope(domain, request);
    const name = request.params.secretName;
    checkName('secret', name);
    const missing = () => scope.missing(`secrets/${name}`);
    const current = () => viaDomain(() => lifecycle.find(scope.context, name), missing);
    return { scope, name, missing, current };
  };

  return async (app) => {
    app.get<{ Params: VaultParams }>(`${VAULT}/secrets`, async (request) => {
      const scope = vaultScope(domain, request);
      return pageOf(request, lifecycle.allLive(scope.context).map((s) => renderSecret(scope, s)));
    });

    app.get<{ Params: SecretParams }>(SECRET, async (request) => {
      const { scope, missing, current } = at(request);
      const secret = await current();
      if (!secret) throw missing();
      return renderSecret(scope, secret);
    });

    app.put<{ Params: SecretParams; Body: SecretPatchBodyT }>(SECRET, { schema: { body: SecretPutBody } }, async (request, reply) => {
      const { scope, name, missing, current } = at(request);
      const { value, input } = await viaDomain(() => parseSecret(request.body), missing);
      const existed = (await current()) !== undefined;
      const saved = await viaDomain(() => secrets.set(scope.context, name, { value: value!, ...input }), missing);
      return reply.code(existed ? 200 : 201).send(renderSecret(scope, saved));
    });

    // A PATCH with a value makes a new version (keeping the content type and tags it does not send); without one it
    // updates the current version in place.
    app.patch<{ Params: SecretParams; Body: SecretPatchBodyT }>(SECRET, { schema: { body: SecretPatchBody } }, async (request) => {
      const { scope, name, missing, current } = at(request);
      const { value, input } = await viaDomain(() => parseSecret(request.body), missing);
      const before = await current();
      if (!before) throw missing();
      const saved = await viaDomain(
        () =>
          value === undefined
            ? secrets.update(scope.context, name, before.version, input)
            : secrets.set(scope.context, name, {
                value,
                ...(before.body.contentType !== undefined && { contentType: before.body.contentType }),
                ...(before.tags && { tags: before.tags }),
                ...input,
              }),
        missing,
      );
      return renderSecret(scope, saved);
    });
  };
}
