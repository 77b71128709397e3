import type { Task } from '@claudine/core';
import { createProcessTreeWatcher, stopProcessTree } from '@claudine/runner';
import type { HostRecord, SqliteTaskStore } from '@claudine/store-sqlite';

/** What recovery needs. */
export interface RecoveryOptions {
  readonly store: SqliteTaskStore;
  /** The recovering host; its own tasks are never touched. */
  readonly selfId: string;
  readonly isHostAlive: (host: HostRecord) => boolean;
  readonly killGraceMs: number;
  /** Put a crashed task back in the queue while it has retries left (`retry.onCrash`). */
  readonly retryOnCrash: boolean;
  readonly log: (line: string) => void;
  readonly now?: () => number;
}

/** What one recovery pass did. */
export interface RecoveryReport {
  readonly failed: readonly string[];
  readonly requeued: readonly string[];
  /** How many leftover processes were found and stopped. */
  readonly killed: number;
}

/**
 * Finds tasks left `running` by a host that is gone (its process is dead, or it stopped renewing
 * its leases), kills whatever of theirs still runs, and records them: back in the queue if
 * `retryOnCrash` and retries remain, else `failed` with reason `crashed`. Tasks of a live host
 * with a valid lease are never touched.
 *
 * Leftover processes are found through the recorded pid (signalled only if its start time still
 * matches, so a reused pid is never hit), its group and descendants, and every process whose
 * environment carries the task's `CLAUDINE_TASK_ID` (which catches a process started a moment
 * before the crash, before its pid was recorded, and descendants that left the process group).
 */
export async function recoverOrphanedTasks(options: RecoveryOptions): Promise<RecoveryReport> {
  const { store, log } = options;
  const now = options.now ?? Date.now;
  const orphans = await findOrphans(options, now());
  const report = { failed: [] as string[], requeued: [] as string[], killed: 0 };
  if (orphans.length === 0) return report;

  const stopped = await stopLeftovers(orphans, options.killGraceMs);
  for (const task of orphans) {
    const owner = task.owner as string;
    const retry = options.retryOnCrash && task.attempt <= task.maxRetries;
    const leftovers = stopped.get(task.id) ?? 0;
    report.killed += leftovers;
    const killed = leftovers === 0 ? '' : `; its ${leftovers} leftover process${leftovers === 1 ? ' was' : 'es were'} killed`;
    const detail = retry
      ? `its host ${owner} stopped while it ran${killed}; requeued (retry ${task.attempt} of ${task.maxRetries})`
      : `its host ${owner} stopped while it ran${killed}; output so far is kept in its log`;
    const result = retry
      ? await store.requeue(task.id, owner, {
          notBefore: now(),
          statusDetail: detail,
          exitCode: null,
          signal: null,
          report: null,
          now: now(),
        })
      : await store.finish(task.id, owner, {
          status: 'failed',
          failureReason: 'crashed',
          statusDetail: detail,
          exitCode: null,
          signal: null,
          report: null,
          outputTruncated: false,
          finishedAt: now(),
        });
    // Not ok means someone else recorded it first (its owner came back, or another host
    // recovered it): nothing to do.
    if (!result.ok) continue;
    (retry ? report.requeued : report.failed).push(task.id);
    log(`recovered task ${task.id}: ${detail}`);
  }
  if (report.killed > 0) log(`stopped ${report.killed} leftover process(es) of crashed tasks`);
  return report;
}

async function findOrphans(options: RecoveryOptions, now: number): Promise<Task[]> {
  const liveness = new Map<string, boolean>();
  const orphans: Task[] = [];
  let cursor: number | undefined;
  do {
    const page = await options.store.list({ statuses: ['running'], limit: 1000, ...(cursor === undefined ? {} : { cursor }) });
    for (const task of page.tasks) {
      const owner = task.owner;
      if (owner === null || owner === options.selfId) continue;
      let alive = liveness.get(owner);
      if (alive === undefined) {
        const host = await options.store.getHost(owner);
        alive = host !== undefined && options.isHostAlive(host);
        liveness.set(owner, alive);
      }
      // A live owner whose lease ran out has stopped heartbeating (stalled, or its clock is
      // off): its task is recovered too, and the owner stops it when it notices.
      if (alive && (task.leaseExpiresAt === null || task.leaseExpiresAt > now)) continue;
      orphans.push(task);
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return orphans;
}

// Everything left of each orphan's process tree (the recorded root if it is still the same
// process, its group and descendants, and every process carrying the task's id), stopped in
// parallel through one shared /proc watcher: SIGTERM, then SIGKILL after the grace period.
async function stopLeftovers(orphans: readonly Task[], graceMs: number): Promise<Map<string, number>> {
  const watcher = createProcessTreeWatcher();
  try {
    const outcomes = await Promise.all(
      orphans.map((task) =>
        stopProcessTree({
          root: task.pid === null ? null : { pid: task.pid, startTime: task.pidStartTime },
          marker: task.id,
          graceMs,
          watcher,
        }),
      ),
    );
    return new Map(orphans.map((task, index) => [task.id, outcomes[index]?.found ?? 0]));
  } finally {
    watcher.close();
  }
}
