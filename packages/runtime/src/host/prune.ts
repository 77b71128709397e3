import { rm } from 'node:fs/promises';
import { taskLogDirectory } from '@claudine/runner';
import type { SqliteTaskStore } from '@claudine/store-sqlite';
import type { DataLayout } from '../config/data-directory.js';

/**
 * Deletes tasks that finished before `finishedBefore`, then their output directories. The rows
 * go first: a crash in between leaves only unreferenced files, which the next prune (or the
 * output sweeper) removes, never a task whose output is gone.
 */
export async function pruneTasks(store: SqliteTaskStore, layout: DataLayout, finishedBefore: number): Promise<number> {
  const ids = await store.pruneFinished(finishedBefore);
  for (const id of ids) await rm(taskLogDirectory(layout.logs, id), { recursive: true, force: true });
  return ids.length;
}
