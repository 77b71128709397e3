import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { acquireLockFile } from './lock-file.js';

/** Options for {@link createRepositoryLocks}. */
export interface RepositoryLocksOptions {
  /** Where the lock files live (created 0700 if missing); every process sharing it is serialised. */
  readonly directory: string;
  /** How long to wait for another process's lock before giving up (ms). */
  readonly timeoutMs: number;
}

/** Serialises work on one repository within this process and across processes. */
export interface RepositoryLocks {
  /**
   * Runs `work` once no other work on the repository whose common git directory is
   * `commonDir` runs, here or in another process using the same lock directory. Callers in
   * this process queue in order; between processes the lock file decides.
   */
  withLock<T>(commonDir: string, work: () => Promise<T>): Promise<T>;
}

/**
 * One queue per repository in this process plus one lock file per repository in `directory`
 * for all processes: git refuses a second writer with its own lock files (`index.lock`,
 * `config.lock`, a ref's `.lock`) rather than waiting, so Claudine's writers wait their turn
 * here instead of retrying blindly. A repository is named by its common git directory, so its
 * main checkout and every worktree of it share one lock.
 */
export function createRepositoryLocks(options: RepositoryLocksOptions): RepositoryLocks {
  const tails = new Map<string, Promise<void>>();
  let directoryReady = false;
  return {
    async withLock(commonDir, work) {
      const previous = tails.get(commonDir) ?? Promise.resolve();
      let done = () => {};
      const current = new Promise<void>((resolve) => {
        done = resolve;
      });
      const tail = previous.then(() => current);
      tails.set(commonDir, tail);
      await previous;
      try {
        if (!directoryReady) {
          mkdirSync(options.directory, { recursive: true, mode: 0o700 });
          directoryReady = true;
        }
        const name = createHash('sha256').update(commonDir).digest('hex').slice(0, 24);
        const held = await acquireLockFile(join(options.directory, `${name}.lock`), {
          timeoutMs: options.timeoutMs,
          description: `the repository ${commonDir}`,
        });
        try {
          return await work();
        } finally {
          held.release();
        }
      } finally {
        done();
        if (tails.get(commonDir) === tail) tails.delete(commonDir);
      }
    },
  };
}
