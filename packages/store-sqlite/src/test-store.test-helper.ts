import { join } from 'node:path';
import { useTempDir } from '@claudine/test-utils';
import { afterEach, beforeEach } from 'vitest';
import { SqliteTaskStore } from './sqlite-task-store.js';

/** A store on a fresh database file in a temp dir, for the test that runs now. */
export interface TestStore {
  /** The open store (closed after the test). */
  readonly store: SqliteTaskStore;
  /** The database file, for a second connection that reads what the store wrote. */
  readonly path: string;
  /** The temp directory that holds the database. */
  readonly dir: string;
}

/** Registers the `beforeEach`/`afterEach` that open a {@link TestStore} and close and remove it. */
export function useTestStore(): TestStore {
  const temp = useTempDir();
  let store: SqliteTaskStore | undefined;
  const path = () => join(temp.path, 'claudine.db');
  beforeEach(() => {
    store = SqliteTaskStore.open({ path: path() });
  });
  afterEach(() => {
    store?.close();
    store = undefined;
  });
  return {
    get store() {
      if (store === undefined) throw new Error('the test store is used outside a test');
      return store;
    },
    get path() {
      return path();
    },
    get dir() {
      return temp.path;
    },
  };
}
