import type BetterSqlite3 from 'better-sqlite3';
import type { PreparedStatements } from './database/prepared-statements.js';

/**
 * What every part of the store works with: the connection, its prepared statements and the file
 * (for error messages). Each part is a set of functions over it that run synchronously inside a
 * transaction the store class opened, so a change and everything it causes commit together.
 */
export interface StoreContext {
  readonly db: BetterSqlite3.Database;
  readonly sql: PreparedStatements;
  readonly path: string;
}

/**
 * Thrown inside a transaction to roll it back and hand an expected refusal (a `Result` error) to
 * the caller, who catches it with {@link refusalOf}.
 */
export class Refusal<E> {
  readonly error: E;
  constructor(error: E) {
    this.error = error;
  }
}

/** The refusal carried by `thrown`, or undefined when it is a real error. */
export function refusalOf<E>(thrown: unknown): { readonly error: E } | undefined {
  return thrown instanceof Refusal ? (thrown as Refusal<E>) : undefined;
}
