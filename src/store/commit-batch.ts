import type { Db } from './db.js';

/**
 * Group commit. The writes of every request handled in one turn of the event loop share one SQLite transaction,
 * committed in that turn's check phase (setImmediate), after the turn's requests have run and before any of them is
 * answered. A commit writes the changed pages to the WAL; one commit per turn instead of one per request is what lets
 * durable writes keep up with HTTP (docs/performance.md). Each request's own `db.transaction` runs as a savepoint
 * inside the batch, so a request that fails still undoes only its own writes, and since answers wait for the commit,
 * an acknowledged write is on disk exactly as before.
 */
export interface CommitBatch {
  /** Opens a batch unless one (or another transaction) is open: the writes that follow join it. */
  open(): void;
  /** Settles when the open batch is committed (rejects if the commit fails); undefined when none is open. */
  pending(): Promise<void> | undefined;
  /** Commits the open batch now (before the database closes). */
  flush(): void;
}

/** For a database that needs no batching (in memory): every write commits at once, nothing is ever pending. */
export const NO_BATCH: CommitBatch = { open: () => undefined, pending: () => undefined, flush: () => undefined };

export function createCommitBatch(db: Db): CommitBatch {
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  const rollback = db.prepare('ROLLBACK');
  let open: { promise: Promise<void>; resolve: () => void; reject: (err: unknown) => void } | undefined;

  const finish = (): void => {
    const batch = open;
    // Already committed by flush(); the batch opened since then (if any) has a turn of its own.
    if (batch === undefined) return;
    open = undefined;
    try {
      // A failed write (a full disk, say) can make SQLite roll the whole transaction back by itself.
      if (!db.inTransaction) throw new Error('the write batch was rolled back by SQLite before its commit');
      commit.run();
      batch.resolve();
    } catch (err) {
      if (db.inTransaction) rollback.run();
      batch.reject(err);
    }
  };

  return {
    open() {
      if (open !== undefined || db.inTransaction) return;
      begin.run();
      let resolve!: () => void;
      let reject!: (err: unknown) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      // Whoever waits sees a failure; a batch nobody waits for must not end the process as an unhandled rejection.
      promise.catch(() => undefined);
      open = { promise, resolve, reject };
      setImmediate(finish);
    },
    pending: () => open?.promise,
    flush: finish,
  };
}
