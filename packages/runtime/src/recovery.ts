import type { Task } from '@claudine/core';
import { stopProcessTree } from '@claudine/runner';
import type { HostRecord, SqliteTaskStore } from '@claudine/store-sqlite';

/** What recovery needs. */
export interface RecoveryOptions {
  readonly store: SqliteTaskStore;
  /** The recovering host; its own tasks are never touched. */
  readonly selfId: string;
  readonly isHostAlive: (host: HostRecord) => boolean;
  readonly killGraceMs: number;
  readonly log: (line: string) => void;
  readonly now?: () => number;
}

/**
 * Finds tasks left `running` by a host that is gone (its process is dead, or its lease ran out),
 * stops any of their processes still alive (checking the recorded start time, so a reused pid
 * is never signalled) and records them as failed with reason `crashed`. Tasks whose owner is
 * alive are left alone. Returns the number of tasks recovered.
 */
export async function recoverOrphanedTasks(options: RecoveryOptions): Promise<number> {
  const { store, log } = options;
  const now = options.now ?? Date.now;
  const liveness = new Map<string, boolean>();
  const ownerIsAlive = async (owner: string, task: Task): Promise<boolean> => {
    let alive = liveness.get(owner);
    if (alive === undefined) {
      const host = await store.getHost(owner);
      alive = host !== undefined && options.isHostAlive(host);
      liveness.set(owner, alive);
    }
    // A live owner whose lease ran out has stopped heartbeating: treat its task as lost.
    return alive && (task.leaseExpiresAt === null || task.leaseExpiresAt > now());
  };

  let recovered = 0;
  let cursor: number | undefined;
  do {
    const page = await store.list({ statuses: ['running'], limit: 1000, ...(cursor === undefined ? {} : { cursor }) });
    for (const task of page.tasks) {
      const owner = task.owner;
      if (owner === null || owner === options.selfId) continue;
      if (await ownerIsAlive(owner, task)) continue;
      const killed = await stopLeftovers(task, options.killGraceMs);
      const detail = `its host ${owner} stopped while it ran${killed ? '; its leftover processes were killed' : ''}`;
      const result = await store.finish(task.id, owner, {
        status: 'failed',
        failureReason: 'crashed',
        statusDetail: detail,
        exitCode: null,
        signal: null,
        report: null,
        outputTruncated: false,
        finishedAt: now(),
      });
      if (result.ok) {
        recovered += 1;
        log(`recovered task ${task.id}: ${detail}`);
      }
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return recovered;
}

// Every process of the task still alive: the recorded root (only if it is still the same
// process), its group, their descendants, and anything carrying the task's id in its
// environment (descendants that escaped the group, or whose root is long gone). SIGTERM, then
// SIGKILL after the grace period.
async function stopLeftovers(task: Task, graceMs: number): Promise<boolean> {
  const outcome = await stopProcessTree({
    root: task.pid === null ? null : { pid: task.pid, startTime: task.pidStartTime },
    marker: task.id,
    graceMs,
  });
  return outcome.found > 0;
}
