import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The file in the logs directory that names the database its logs belong to. */
export const LOG_OWNER_FILE = 'database-identity';

/** Whose logs these are, as far as one sweep can tell. */
export type LogOwnership =
  | { readonly kind: 'owned' }
  /** The marker names another database: these logs belong to it, not to the one read now. */
  | { readonly kind: 'other'; readonly owner: string }
  /** No marker, and the database read now does not know every log there: it may not be theirs. */
  | { readonly kind: 'unproven'; readonly unknown: number };

/**
 * Decides whether the logs in `logsDirectory` belong to the database whose identity is
 * `identity`, so that a log no task of that database refers to may be taken for an orphan. The
 * marker file ({@link LOG_OWNER_FILE}) answers when it exists. Without one (a new data
 * directory, or logs written before markers existed) the database proves itself by knowing
 * every log directory there (none, in a new data directory); the marker is then written, so a
 * database put in its place later (new because the file was lost, or another one) can never
 * claim these logs. `countKnown` tells how many of the names the database knows.
 */
export async function checkLogOwnership(
  logsDirectory: string,
  identity: string,
  logNames: readonly string[],
  countKnown: (names: readonly string[]) => Promise<number>,
): Promise<LogOwnership> {
  const marker = join(logsDirectory, LOG_OWNER_FILE);
  let owner: string | undefined;
  try {
    owner = (await readFile(marker, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (owner !== undefined) return owner === identity ? { kind: 'owned' } : { kind: 'other', owner };
  const unknown = logNames.length === 0 ? 0 : logNames.length - (await countKnown(logNames));
  if (unknown > 0) return { kind: 'unproven', unknown };
  // `wx`: if another host wrote one meanwhile, its marker stands and the next sweep reads it.
  await writeFile(marker, `${identity}\n`, { mode: 0o600, flag: 'wx' }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  return { kind: 'owned' };
}
