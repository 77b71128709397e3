import type { PendingRecord, Result, Task, UpdateTaskError } from '@claudine/core';
import { formatDuration } from '@claudine/core';
import { createProcessTreeWatcher, stopProcessTree } from '@claudine/runner';
import type { HostRecord, SqliteTaskStore } from '@claudine/store-sqlite';
import { type JournaledRecord, journaledHosts, readOutcomeJournal, removeOutcomeJournal } from './outcome-journal.js';

/** What recovery needs. */
export interface RecoveryOptions {
  readonly store: SqliteTaskStore;
  /** The recovering host; its own tasks are never touched. */
  readonly selfId: string;
  readonly isHostAlive: (host: HostRecord) => boolean;
  readonly killGraceMs: number;
  /** Put a crashed task back in the queue while it has retries left (`retry.onCrash`). */
  readonly retryOnCrash: boolean;
  /**
   * The data directory's `outcomes/`: the journals in which hosts keep the ends of runs they
   * had not yet recorded. An orphan whose end is there is recorded as it ended, never run again.
   */
  readonly outcomesDirectory?: string;
  /**
   * Called for each orphan once its processes are stopped and before it is recorded (retried or
   * failed): a worktree task's leftovers are committed there. Must not throw.
   */
  readonly beforeRecord?: (task: Task) => Promise<void>;
  readonly log: (line: string) => void;
  readonly now?: () => number;
}

/** What one recovery pass did. */
export interface RecoveryReport {
  /** Failed (`crashed`, or `timeout` when its deadline passed while no host watched it) or cancelled. */
  readonly failed: readonly string[];
  readonly requeued: readonly string[];
  /** Recorded as they had ended, from their host's journal. */
  readonly recorded: readonly string[];
  /** How many leftover processes were found and stopped. */
  readonly killed: number;
}

/**
 * Finds tasks left `running` by a host that is gone (its process is dead, or it stopped renewing
 * its leases), kills whatever of theirs still runs, and records each one:
 *
 * - as it ended, when its host kept that end in its journal but died before storing it (the run
 *   is over: it never runs again);
 * - `cancelled`, when a cancel was requested (a cancel is never undone by a requeue);
 * - `failed` with reason `timeout`, when its deadline passed while no host watched it;
 * - back in the queue if `retryOnCrash` and retries remain (keeping the session its agent
 *   announced, which the next attempt continues), else `failed` with reason `crashed`.
 *
 * Tasks of a live host with a valid lease are never touched. Journals of hosts that are gone
 * are deleted once their tasks are recorded.
 *
 * Leftover processes are found through the recorded pid (signalled only if its start time still
 * matches, so a reused pid is never hit), its group and descendants, and every process whose
 * environment carries the task's `CLAUDINE_TASK_ID` (which catches a process started a moment
 * before the crash, before its pid was recorded, and descendants that left the process group).
 */
export async function recoverOrphanedTasks(options: RecoveryOptions): Promise<RecoveryReport> {
  const { store, log } = options;
  const now = options.now ?? Date.now;
  const { orphans, liveness } = await findOrphans(options, now());
  const report = { failed: [] as string[], requeued: [] as string[], recorded: [] as string[], killed: 0 };
  const journals = new Map<string, ReadonlyMap<string, JournaledRecord>>();
  const journalOf = (owner: string): ReadonlyMap<string, JournaledRecord> => {
    let journal = journals.get(owner);
    if (journal === undefined) {
      journal = options.outcomesDirectory === undefined ? new Map() : readOutcomeJournal(options.outcomesDirectory, owner);
      journals.set(owner, journal);
    }
    return journal;
  };

  const stopped = orphans.length === 0 ? new Map<string, number>() : await stopLeftovers(orphans, options.killGraceMs);
  for (const task of orphans) {
    const owner = task.owner as string;
    const leftovers = stopped.get(task.id) ?? 0;
    report.killed += leftovers;
    const killed = leftovers === 0 ? '' : `; its ${leftovers} leftover process${leftovers === 1 ? ' was' : 'es were'} killed`;
    const kept = journalOf(owner).get(`${task.id}:${task.attempt}`);
    const decision =
      kept === undefined ? decide(task, owner, killed, options.retryOnCrash, now()) : { kind: 'journal' as const, record: kept.record };
    await options.beforeRecord?.(task);
    const result = await apply(store, task.id, owner, decision.record);
    // Not ok means someone else recorded it first (its owner came back, or another host
    // recovered it): nothing to do.
    if (!result.ok) continue;
    const recordedAs = result.value.status;
    if (decision.kind === 'journal') {
      report.recorded.push(task.id);
      log(`recovered task ${task.id}: its host ${owner} ended it (${recordedAs}) but could not record it; recorded from its journal`);
      continue;
    }
    (recordedAs === 'queued' ? report.requeued : report.failed).push(task.id);
    log(`recovered task ${task.id}: ${result.value.statusDetail ?? recordedAs}`);
  }
  if (report.killed > 0) log(`stopped ${report.killed} leftover process(es) of crashed tasks`);
  if (options.outcomesDirectory !== undefined) await removeSettledJournals(options, liveness);
  return report;
}

type Decision = { readonly kind: 'journal'; readonly record: PendingRecord } | { readonly kind: 'decided'; readonly record: PendingRecord };

function decide(task: Task, owner: string, killed: string, retryOnCrash: boolean, now: number): Decision {
  const gone = `its host ${owner} stopped while it ran${killed}`;
  const end = (status: 'failed' | 'cancelled', failureReason: 'crashed' | 'timeout' | 'cancelled', detail: string): Decision => ({
    kind: 'decided',
    record: {
      kind: 'finish',
      outcome: {
        status,
        failureReason,
        statusDetail: detail,
        exitCode: null,
        signal: null,
        report: task.report,
        outputTruncated: false,
        finishedAt: now,
      },
    },
  });
  if (task.cancelRequestedAt !== null) return end('cancelled', 'cancelled', task.statusDetail ?? 'cancelled on request');
  const deadline = (task.startedAt ?? now) + task.timeoutMs;
  if (deadline <= now) {
    return end(
      'failed',
      'timeout',
      `timed out after ${formatDuration(task.timeoutMs)} (${gone}, and its deadline passed before another host took over)`,
    );
  }
  if (retryOnCrash && task.attempt <= task.maxRetries) {
    const session =
      task.agent !== 'command' && task.report?.sessionId != null ? `; the next attempt continues its session ${task.report.sessionId}` : '';
    return {
      kind: 'decided',
      record: {
        kind: 'requeue',
        request: {
          notBefore: now,
          statusDetail: `${gone}; requeued (retry ${task.attempt} of ${task.maxRetries})${session}`,
          exitCode: null,
          signal: null,
          // Kept: it holds the session the agent announced, which the next attempt resumes.
          report: task.report,
          now,
        },
      },
    };
  }
  return end('failed', 'crashed', `${gone}; output so far is kept in its log`);
}

function apply(store: SqliteTaskStore, id: string, owner: string, record: PendingRecord): Promise<Result<Task, UpdateTaskError>> {
  return record.kind === 'finish' ? store.finish(id, owner, record.outcome) : store.requeue(id, owner, record.request);
}

// A gone host's journal holds nothing more once recovery has recorded its tasks.
async function removeSettledJournals(options: RecoveryOptions, liveness: Map<string, boolean>): Promise<void> {
  const directory = options.outcomesDirectory as string;
  for (const hostId of journaledHosts(directory)) {
    if (hostId === options.selfId) continue;
    let alive = liveness.get(hostId);
    if (alive === undefined) {
      const host = await options.store.getHost(hostId);
      alive = host !== undefined && options.isHostAlive(host);
    }
    if (!alive) removeOutcomeJournal(directory, hostId);
  }
}

async function findOrphans(options: RecoveryOptions, now: number): Promise<{ orphans: Task[]; liveness: Map<string, boolean> }> {
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
  return { orphans, liveness };
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
