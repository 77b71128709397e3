import { setTimeout as sleep } from 'node:timers/promises';
import type { Task } from '@claudine/core';
import { findTaskProcesses, isSameProcessAlive, processStartTime } from '@claudine/runner';
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
  /** Pids of leftover processes that were killed. */
  readonly killed: readonly number[];
}

/**
 * Finds tasks left `running` by a host that is gone (its process is dead, or it stopped renewing
 * its leases), kills whatever of theirs still runs, and records them: back in the queue if
 * `retryOnCrash` and retries remain, else `failed` with reason `crashed`. Tasks of a live host
 * with a valid lease are never touched.
 *
 * Leftover processes are found two ways: the recorded pid (signalled only if its start time
 * still matches, so a reused pid is never hit), and on Linux every process whose environment
 * carries the task's `CLAUDINE_TASK_ID` (which catches a process started a moment before the
 * crash, before its pid was recorded, and descendants that left the process group).
 */
export async function recoverOrphanedTasks(options: RecoveryOptions): Promise<RecoveryReport> {
  const { store, log } = options;
  const now = options.now ?? Date.now;
  const orphans = await findOrphans(options, now());
  const report = { failed: [] as string[], requeued: [] as string[], killed: [] as number[] };
  if (orphans.length === 0) return report;

  report.killed.push(...(await stopLeftovers(orphans, options.killGraceMs)));
  for (const task of orphans) {
    const owner = task.owner as string;
    const retry = options.retryOnCrash && task.attempt <= task.maxRetries;
    const detail = retry
      ? `its host ${owner} stopped while it ran; requeued (retry ${task.attempt} of ${task.maxRetries})`
      : `its host ${owner} stopped while it ran; output so far is kept in its log`;
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
  if (report.killed.length > 0) log(`killed ${report.killed.length} leftover process(es): ${report.killed.join(', ')}`);
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

// SIGTERM to every leftover process (and the process group of the recorded pid), then SIGKILL
// to whatever is still there after the grace period.
async function stopLeftovers(orphans: readonly Task[], graceMs: number): Promise<number[]> {
  const targets = new Map<number, string | null>();
  const groups = new Set<number>();
  for (const task of orphans) {
    if (task.pid !== null && isSameProcessAlive({ pid: task.pid, startTime: task.pidStartTime })) {
      targets.set(task.pid, task.pidStartTime);
      groups.add(task.pid);
    }
  }
  for (const pids of findTaskProcesses(new Set(orphans.map((task) => task.id))).values()) {
    for (const pid of pids) if (!targets.has(pid)) targets.set(pid, processStartTime(pid) ?? null);
  }
  if (targets.size === 0) return [];
  const signal = (kind: NodeJS.Signals): void => {
    for (const group of groups) {
      try {
        process.kill(-group, kind);
      } catch {
        // The group is gone, or the pid did not lead one.
      }
    }
    for (const [pid, startTime] of targets) {
      if (!isSameProcessAlive({ pid, startTime })) continue;
      try {
        process.kill(pid, kind);
      } catch {
        // Gone between the check and the signal.
      }
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  const alive = (): boolean => [...targets].some(([pid, startTime]) => isSameProcessAlive({ pid, startTime }));
  while (Date.now() < deadline && alive()) await sleep(20);
  if (alive()) signal('SIGKILL');
  return [...targets.keys()];
}
