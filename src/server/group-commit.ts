import type { FastifyInstance } from 'fastify';
import type { CommitBatch } from '../store/index.js';

/**
 * The HTTP side of group commit (src/store/commit-batch.ts): a request that may write opens the batch once it is
 * parsed and validated, so its writes join those of the other requests of the same event-loop turn, and every answer
 * waits for the open batch to commit before it is sent. A read answered while a batch is open may have seen that
 * batch's writes, so it waits too: nothing leaves Kyanite before it is on disk.
 */
export function registerGroupCommit(app: FastifyInstance, commits: CommitBatch): void {
  app.addHook('preHandler', (request, _reply, done) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') commits.open();
    done();
  });
  app.addHook('onSend', (_request, _reply, payload, done) => {
    const pending = commits.pending();
    if (pending === undefined) {
      done(null, payload);
      return;
    }
    pending.then(
      () => done(null, payload),
      (err: unknown) => done(err instanceof Error ? err : new Error(String(err))),
    );
  });
}
