import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach } from 'vitest';
import { createTempDir } from './temp-dir.js';
import { usePerTest } from './use-per-test.js';

/** The temp directory of the test that runs now. */
export interface TestTempDir {
  /** The directory (a fresh one for each test). */
  readonly path: string;
}

/** A test's temp directory with the layout host and runner tests share. */
export interface TestDirectories {
  /** The test's temp directory (holds `home`, `work` and `logs`). */
  readonly root: string;
  /** `root/home`, for a data directory; not created, so the code under test makes it. */
  readonly home: string;
  /** `root/work`, an empty directory for tasks to work in. */
  readonly workdir: string;
  /** `root/logs`, for task logs; not created, so the code under test makes it. */
  readonly logs: string;
}

/**
 * Registers a `beforeEach` that creates a temp directory and an `afterEach` that removes it,
 * in the calling test file (or `describe`). `path` throws outside a test.
 */
export function useTempDir(prefix?: string): TestTempDir {
  const temp = usePerTest(
    'the temp dir',
    () => createTempDir(prefix),
    (made) => made.remove(),
  );
  return {
    get path() {
      return temp.current.path;
    },
  };
}

/** {@link useTempDir} with `work` made inside it before each test: see {@link TestDirectories}. */
export function useTestDirectories(prefix?: string): TestDirectories {
  const temp = useTempDir(prefix);
  beforeEach(() => {
    mkdirSync(join(temp.path, 'work'));
  });
  return {
    get root() {
      return temp.path;
    },
    get home() {
      return join(temp.path, 'home');
    },
    get workdir() {
      return join(temp.path, 'work');
    },
    get logs() {
      return join(temp.path, 'logs');
    },
  };
}
