import { readdir, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { isTerminalStatus, type OutputCatalog, type OutputEvent, type OutputSegmentEntry, type TaskOutputState } from '@claudine/core';
import { compressSegment } from './compress-segment.js';
import { checkLogOwnership, LOG_OWNER_FILE } from './log-ownership.js';
import { listSegments, type SegmentFile, TEMPORARY_SUFFIX } from './segment-files.js';

const BATCH = 200;
const DEFAULT_ORPHAN_GRACE_MS = 60 * 60 * 1000;
// A compressed file still being written by this process is never this old; older ones were left
// by a compression that was interrupted.
const STALE_TEMPORARY_MS = 10 * 60 * 1000;

/** Options for {@link createOutputMaintenance}. */
export interface OutputMaintenanceOptions {
  /** The directory holding one log directory per task. */
  readonly logsDirectory: string;
  /** Knows which tasks exist and when they finished; told what maintenance changed. */
  readonly catalog: OutputCatalog;
  /** A closed segment is compressed once it is this old (0: as soon as it is closed). */
  readonly compressionAgeMs: number;
  /** A finished task's log is deleted this long after the task finished. */
  readonly retentionMs: number;
  /**
   * A log directory no task refers to is removed once untouched this long (default 1 h), so a
   * database restored from a backup or swapped by mistake does not cost the logs at once.
   */
  readonly orphanGraceMs?: number;
  /**
   * The identity of the database `catalog` reads (`SqliteTaskStore.identity`). A log directory no
   * task refers to is removed only when the logs directory's marker (`database-identity`) names
   * this database: a database that is not the one the logs were written for (a new one, because
   * the file was lost) never has them deleted as orphans. Without it, no orphan is removed.
   */
  readonly databaseIdentity?: string;
  readonly now?: () => number;
  /** Where maintenance says what it did or what failed, one line at a time. */
  readonly log?: (line: string) => void;
}

/** What one sweep did. */
export interface OutputSweepReport {
  readonly compressedSegments: number;
  /** Bytes freed by compression. */
  readonly savedBytes: number;
  /** Logs of finished tasks deleted after the retention period. */
  readonly deletedLogs: number;
  /** Log directories of tasks that do not exist, removed. */
  readonly deletedOrphans: number;
  readonly failures: number;
}

/**
 * Looks after logs on disk: compresses closed segments (all in one queue, one at a time, so a
 * host never spends more than one core's slice on it), deletes logs past their retention, and
 * removes directories no task refers to. Failures are logged and counted, never thrown.
 */
export interface OutputMaintenance {
  /** A writer closed a segment; with a compression age of 0 it is compressed now. */
  segmentClosed(taskId: string, segment: OutputSegmentEntry): void;
  /** One pass over every log. Resolves when done (after queued compressions before it). */
  sweep(): Promise<OutputSweepReport>;
  /** Resolves when everything queued so far is done. */
  idle(): Promise<void>;
  /** Finishes the compression in progress and drops what is still queued. */
  stop(): Promise<void>;
}

/** Creates the log maintenance of a host. */
export function createOutputMaintenance(options: OutputMaintenanceOptions): OutputMaintenance {
  const now = options.now ?? Date.now;
  const log = options.log ?? (() => {});
  const orphanGraceMs = options.orphanGraceMs ?? DEFAULT_ORPHAN_GRACE_MS;
  let queue: Promise<unknown> = Promise.resolve();
  let stopped = false;
  // Said once per maintenance, not at every sweep.
  let warnedAboutOwner = false;

  function enqueue<T>(work: () => Promise<T>, fallback: T): Promise<T> {
    const result = queue.then(() => (stopped ? fallback : work()));
    queue = result.catch(() => {});
    return result;
  }

  async function record(event: OutputEvent): Promise<void> {
    try {
      await options.catalog.record(event);
    } catch (error) {
      log(`could not record ${event.kind} of task ${event.taskId}: ${(error as Error).message}`);
    }
  }

  // Compresses one segment; false when it failed (logged).
  async function compress(taskId: string, directory: string, segment: SegmentFile, next: SegmentFile | undefined): Promise<number | false> {
    try {
      const done = await compressSegment(directory, segment, next === undefined ? undefined : next.start - segment.start);
      if (done === undefined) return 0;
      await record({
        kind: 'segment_compressed',
        taskId,
        directory,
        segment: {
          startOffset: segment.start,
          logBytes: done.logBytes,
          storedBytes: done.storedBytes,
          compressed: true,
          file: done.name,
          closedAt: null,
        },
        at: now(),
      });
      return done.logBytes - done.storedBytes;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0; // compressed or deleted meanwhile
      log(`could not compress ${join(directory, segment.name)}: ${(error as Error).message}`);
      return false;
    }
  }

  async function sweepOnce(): Promise<OutputSweepReport> {
    const report = { compressedSegments: 0, savedBytes: 0, deletedLogs: 0, deletedOrphans: 0, failures: 0 };
    let names: string[];
    try {
      names = (await readdir(options.logsDirectory, { withFileTypes: true }))
        .filter((entry) => entry.isDirectory() && /^[A-Za-z0-9_-]{1,64}$/.test(entry.name))
        .map((entry) => entry.name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        log(`could not list ${options.logsDirectory}: ${(error as Error).message}`);
        report.failures += 1;
      }
      return report;
    }
    const mayRemoveOrphans = await logsBelongToDatabase(names, report);
    for (let first = 0; first < names.length && !stopped; first += BATCH) {
      const batch = names.slice(first, first + BATCH);
      // Segments are listed before the tasks' states are read: a segment listed while its task
      // was not running is closed, whatever the task does next (a new attempt writes a new one).
      const listings = await Promise.all(
        batch.map(async (id) => ({
          id,
          directory: join(options.logsDirectory, id),
          segments: await listSegments(join(options.logsDirectory, id)),
        })),
      );
      let states: Map<string, TaskOutputState>;
      try {
        states = new Map((await options.catalog.taskStates(batch)).map((state) => [state.id, state]));
      } catch (error) {
        log(`could not read the tasks of ${batch.length} logs: ${(error as Error).message}`);
        report.failures += 1;
        continue;
      }
      for (const { id, directory, segments } of listings) {
        if (stopped) break;
        const state = states.get(id);
        try {
          if (state === undefined) {
            if (mayRemoveOrphans && (await untouchedFor(directory, orphanGraceMs, now()))) {
              await rm(directory, { recursive: true, force: true });
              log(`removed ${directory}: no task ${id} exists`);
              report.deletedOrphans += 1;
            }
            continue;
          }
          if (isTerminalStatus(state.status) && state.finishedAt !== null && now() - state.finishedAt >= options.retentionMs) {
            await rm(directory, { recursive: true, force: true });
            await record({ kind: 'log_deleted', taskId: id, at: now() });
            report.deletedLogs += 1;
            continue;
          }
          await removeStaleTemporaryFiles(directory, now());
          // The newest segment of a running task is being written.
          const closed = state.status === 'running' ? segments.slice(0, -1) : segments;
          for (const [index, segment] of closed.entries()) {
            if (segment.compressed || stopped) continue;
            if (options.compressionAgeMs > 0 && !(await untouchedFor(join(directory, segment.name), options.compressionAgeMs, now())))
              continue;
            const saved = await compress(id, directory, segment, segments[index + 1]);
            if (saved === false) report.failures += 1;
            else if (saved > 0) {
              report.compressedSegments += 1;
              report.savedBytes += saved;
            }
          }
        } catch (error) {
          log(`could not look after the log of task ${id}: ${(error as Error).message}`);
          report.failures += 1;
        }
      }
    }
    return report;
  }

  // Whether log directories no task refers to may be removed in this sweep (see `databaseIdentity`).
  async function logsBelongToDatabase(names: readonly string[], report: { failures: number }): Promise<boolean> {
    if (options.databaseIdentity === undefined) return false;
    try {
      const ownership = await checkLogOwnership(options.logsDirectory, options.databaseIdentity, names, async (candidates) => {
        let known = 0;
        for (let first = 0; first < candidates.length; first += BATCH) {
          known += (await options.catalog.taskStates(candidates.slice(first, first + BATCH))).length;
        }
        return known;
      });
      if (ownership.kind === 'owned') return true;
      if (!warnedAboutOwner) {
        warnedAboutOwner = true;
        log(
          ownership.kind === 'other'
            ? `logs: the logs in ${options.logsDirectory} belong to database ${ownership.owner}, not to this one (${options.databaseIdentity}), so logs no task refers to are kept. If this database replaced the right one by mistake, restore that one; to let these logs go, delete ${join(options.logsDirectory, LOG_OWNER_FILE)}.`
            : `logs: ${ownership.unknown} of the logs in ${options.logsDirectory} belong to no task of this database, which may not be the one they were written for, so they are kept rather than taken for orphans. If this database is the right one, write ${options.databaseIdentity} into ${join(options.logsDirectory, LOG_OWNER_FILE)} to let them go.`,
        );
      }
      return false;
    } catch (error) {
      log(`could not tell whose logs ${options.logsDirectory} holds, so none is taken for an orphan: ${(error as Error).message}`);
      report.failures += 1;
      return false;
    }
  }

  return {
    segmentClosed(taskId, segment) {
      if (options.compressionAgeMs > 0) return;
      void enqueue(async () => {
        const directory = join(options.logsDirectory, taskId);
        const segments = await listSegments(directory);
        const index = segments.findIndex((candidate) => candidate.start === segment.startOffset);
        const found = segments[index];
        if (found === undefined || found.compressed) return;
        await compress(taskId, directory, found, segments[index + 1]);
      }, undefined);
    },
    sweep() {
      return enqueue(sweepOnce, { compressedSegments: 0, savedBytes: 0, deletedLogs: 0, deletedOrphans: 0, failures: 0 });
    },
    async idle() {
      await queue;
    },
    async stop() {
      stopped = true;
      await queue;
    },
  };
}

async function untouchedFor(path: string, ageMs: number, now: number): Promise<boolean> {
  try {
    return now - (await stat(path)).mtimeMs >= ageMs;
  } catch {
    return false;
  }
}

async function removeStaleTemporaryFiles(directory: string, now: number): Promise<void> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch {
    return;
  }
  for (const name of names) {
    if (name.endsWith(TEMPORARY_SUFFIX) && (await untouchedFor(join(directory, name), STALE_TEMPORARY_MS, now))) {
      await unlink(join(directory, name)).catch(() => {});
    }
  }
}
