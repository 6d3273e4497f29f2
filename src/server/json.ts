import type { FastifyInstance } from 'fastify';
import { badParameter } from '../domain/errors.js';

/**
 * JSON bodies, parsed once here. An empty body is no body (the SDKs send `Content-Type: application/json` on bodiless
 * POSTs such as backup), and "__proto__" keys are dropped so a body can never reach an object's prototype.
 */
export function registerJsonParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = (body as string).trim();
    if (text === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text, (key, value: unknown) => (key === '__proto__' ? undefined : value)));
    } catch (err) {
      done(badParameter(`The request body is not valid JSON: ${(err as Error).message}`), undefined);
    }
  });
}
