import type BetterSqlite3 from 'better-sqlite3';
import { toStorageError } from './sqlite-errors.js';

type Database = BetterSqlite3.Database;

interface Pending {
  readonly action: string;
  readonly work: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Writes that may wait until the current turn of the event loop ends, committed together in one
 * `BEGIN IMMEDIATE` transaction: a host whose tasks start and end together pays one commit for
 * all their output events, pids and metrics, not one each. For writes nobody waits on before
 * going on; a client's submit or a claim commits at once.
 */
export class TurnWrites {
  readonly #db: Database;
  readonly #path: string;
  readonly #transaction: BetterSqlite3.Transaction<(work: () => void) => void>;
  #queue: Pending[] = [];

  constructor(db: Database, path: string) {
    this.#db = db;
    this.#path = path;
    this.#transaction = db.transaction((work: () => void) => work());
  }

  /** Runs `work` in this turn's transaction; resolves with its result once committed. */
  enqueue<T>(action: string, work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ action, work, resolve: resolve as (value: unknown) => void, reject });
      if (this.#queue.length === 1) setImmediate(() => this.flush());
    });
  }

  /** Commits what is queued now (the store does before it closes). */
  flush(): void {
    const batch = this.#queue;
    if (batch.length === 0) return;
    this.#queue = [];
    if (!this.#db.open) {
      for (const item of batch) item.reject(toStorageError(new Error('the database connection is closed'), this.#path, item.action));
      return;
    }
    const results: unknown[] = [];
    try {
      this.#transaction.immediate(() => {
        for (const item of batch) results.push(item.work());
      });
    } catch {
      // One failed (or the commit did): each goes again on its own, so one bad write loses no other.
      for (const item of batch) {
        try {
          let result: unknown;
          this.#transaction.immediate(() => {
            result = item.work();
          });
          item.resolve(result);
        } catch (error) {
          item.reject(toStorageError(error, this.#path, item.action));
        }
      }
      return;
    }
    batch.forEach((item, index) => {
      item.resolve(results[index]);
    });
  }
}
