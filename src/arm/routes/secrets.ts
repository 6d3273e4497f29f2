import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Domain } from '../../domain/index.js';
import { validateTags } from '../../domain/lifecycle.js';
import type { Secret, SetSecretInput } from '../../domain/secrets.js';
import { objectUrl } from '../../domain/vaults.js';
import { badRequest } from '../errors.js';
import { pageOf } from '../paging.js';
import { parseTags, type Json } from '../vault-model.js';
import { checkName, objectBody, parseAttributes, renderAttributes, subResource, VAULT, vaultScope, viaDomain, type VaultParams, type VaultScope } from '../vault-scope.js';

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

function parseSecret(body: unknown, patch: boolean): SecretFields {
  const { properties: p, tags: rawTags } = objectBody(body, patch);
  const value = p['value'];
  if (value !== undefined && value !== null && typeof value !== 'string') throw badRequest("The property 'properties.value' must be a string.");
  if (!patch && typeof value !== 'string') throw badRequest("The property 'properties.value' is required.");
  const contentType = p['contentType'];
  if (contentType !== undefined && contentType !== null && typeof contentType !== 'string') {
    throw badRequest("The property 'properties.contentType' must be a string.");
  }
  const attributes = parseAttributes(p['attributes']);
  const tags = parseTags(rawTags);
  validateTags(tags);
  return {
    ...(typeof value === 'string' && { value }),
    input: { ...(typeof contentType === 'string' && { contentType }), ...(attributes && { attributes }), ...(tags && { tags }) },
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

    app.put<{ Params: SecretParams }>(SECRET, async (request, reply) => {
      const { scope, name, missing, current } = at(request);
      const { value, input } = await viaDomain(() => parseSecret(request.body, false), missing);
      const existed = (await current()) !== undefined;
      const saved = await viaDomain(() => secrets.set(scope.context, name, { value: value!, ...input }), missing);
      return reply.code(existed ? 200 : 201).send(renderSecret(scope, saved));
    });

    // A PATCH with a value makes a new version (keeping the content type and tags it does not send); without one it
    // updates the current version in place.
    app.patch<{ Params: SecretParams }>(SECRET, async (request) => {
      const { scope, name, missing, current } = at(request);
      const { value, input } = await viaDomain(() => parseSecret(request.body, true), missing);
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
