import type BetterSqlite3 from 'better-sqlite3';
import type { Database, Statement } from 'better-sqlite3';
import { toStorageError } from './sqlite-errors.js';

/**
 * The prepared statements of one connection: each SQL text is prepared once, on first use, and
 * kept under its key. Every query of the store goes through here, so parameters are always bound.
 */
export class PreparedStatements {
  readonly #db: Database;
  readonly #cache = new Map<string, Statement>();

  constructor(db: Database) {
    this.#db = db;
  }

  statement(key: string, sql: string): Statement {
    let statement = this.#cache.get(key);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#cache.set(key, statement);
    }
    return statement;
  }

  get<T>(key: string, sql: string, ...parameters: unknown[]): T | undefined {
    return this.statement(key, sql).get(...parameters) as T | undefined;
  }

  all<T>(key: string, sql: string, ...parameters: unknown[]): T[] {
    return this.statement(key, sql).all(...parameters) as T[];
  }

  /** Every row as an array of its columns, in select-list order: no object per row. */
  tuples<T extends unknown[]>(key: string, sql: string, ...parameters: unknown[]): T[] {
    const tuplesKey = `tuples:${key}`;
    let statement = this.#cache.get(tuplesKey);
    if (statement === undefined) {
      statement = this.#db.prepare(sql).raw(true);
      this.#cache.set(tuplesKey, statement);
    }
    return statement.all(...parameters) as T[];
  }

  /** The first column of every row. */
  pluck<T>(key: string, sql: string, ...parameters: unknown[]): T[] {
    const pluckKey = `pluck:${key}`;
    let statement = this.#cache.get(pluckKey);
    if (statement === undefined) {
      statement = this.#db.prepare(sql).pluck(true);
      this.#cache.set(pluckKey, statement);
    }
    return statement.all(...parameters) as T[];
  }

  run(key: string, sql: string, ...parameters: unknown[]): BetterSqlite3.RunResult {
    return this.statement(key, sql).run(...parameters);
  }
}

/**
 * Runs synchronous database work for an async port method: its result resolves, and a driver
 * error rejects as a `ClaudineError` naming the file (see `toStorageError`).
 */
export function settleStorageWork<T>(path: string, action: string, work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(toStorageError(error, path, action));
  }
}
