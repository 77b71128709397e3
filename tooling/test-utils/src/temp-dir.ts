import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A temporary directory and a function that removes it with everything inside. */
export interface TempDir {
  readonly path: string;
  remove(): void;
}

/** Creates a fresh directory under the OS temp dir. */
export function createTempDir(prefix = 'claudine-test-'): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return {
    path,
    remove() {
      rmSync(path, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}
