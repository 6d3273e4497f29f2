import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { KeyVaultError, badParameter, payloadTooLarge, routeNotFound, unauthorized } from '../domain/errors.js';
import { challengeHeader, parseHost } from './hosts.js';
import { BODY_LIMIT } from './limits.js';

/**
 * The only writer of error bodies. Domain and hook errors arrive as KeyVaultError; Fastify's own errors (validation,
 * body parsing, size limits) become the service's 4xx; anything else is a bug and answers 500 with a logged stack.
 * A plane with another error shape (ARM's CloudError has the same envelope) passes a converter through `toError`.
 */
export function toKeyVaultError(err: unknown, request?: FastifyRequest): KeyVaultError | undefined {
  if (err instanceof KeyVaultError) return err;
  const e = err as FastifyError;
  if (e.validation) return badParameter(validationMessage(e));
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      // Fastify's message carries no number; the limit is the route's own.
      return payloadTooLarge(request?.routeOptions.bodyLimit ?? BODY_LIMIT);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new KeyVaultError(415, 'UnsupportedMediaType', 'The request body must be JSON (Content-Type: application/json).');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return badParameter(`The request body is not valid JSON: ${e.message}`);
  }
  if (err instanceof SyntaxError) return badParameter(`The request body is not valid JSON: ${err.message}`);
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new KeyVaultError(e.statusCode, 'BadParameter', e.message);
  }
  return undefined;
}

function validationMessage(e: FastifyError): string {
  const first = e.validation?.[0];
  if (!first) return e.message;
  const where = `${e.validationContext ?? 'body'}${first.instancePath.replace(/\//g, '.')}`;
  const extra = first.keyword === 'enum' ? `: ${(first.params as { allowedValues?: unknown[] }).allowedValues?.join(', ')}` : '';
  const prop = first.keyword === 'required' ? ` '${(first.params as { missingProperty?: string }).missingProperty}'` : '';
  return `Invalid ${where}: ${first.message ?? 'invalid value'}${prop}${extra}`;
}

export function sendError(reply: FastifyReply, err: KeyVaultError): FastifyReply {
  return reply.code(err.status).headers(err.headers).send(err.toBody());
}

export function registerErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const known = toKeyVaultError(err, request);
    if (known) {
      request.log.info({ status: known.status, code: known.code }, 'request refused');
      return sendError(reply, known);
    }
    request.log.error({ err }, 'unhandled error');
    return sendError(reply, new KeyVaultError(500, 'InternalServerError', 'Kyanite failed on this request; this is a bug.'));
  });
  // The service challenges before it routes: an SDK's first, token-less request to any path must get the 401, or the
  // client never fetches a token and shows the 404 instead (seen in the recordings' certificate sessions).
  app.setNotFoundHandler((request, reply) => {
    if (!/^Bearer\s+\S/i.test(request.headers.authorization ?? '')) {
      return sendError(reply, unauthorized(challengeHeader(parseHost(request.headers.host), request.headers['user-agent'])));
    }
    return sendError(reply, routeNotFound(request.method, request.url));
  });
}
