import { join } from 'node:path';
import { usePerTest, useTempDir } from '@claudine/test-utils';
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
  const path = () => join(temp.path, 'claudine.db');
  const store = usePerTest(
    'the test store',
    () => SqliteTaskStore.open({ path: path() }),
    (opened) => opened.close(),
  );
  return {
    get store() {
      return store.current;
    },
    get path() {
      return path();
    },
    get dir() {
      return temp.path;
    },
  };
}
