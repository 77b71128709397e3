import type { OutputCatalog, OutputEvent, OutputSegmentEntry, TaskOutputEntry, TaskOutputState, TaskStatus } from '@claudine/core';
import type BetterSqlite3 from 'better-sqlite3';
import { PreparedStatements, settleStorageWork } from '../database/prepared-statements.js';
import type { TurnWrites } from '../database/turn-writes.js';

type Database = BetterSqlite3.Database;

interface OutputRow {
  task_id: string;
  directory: string;
  stdout_bytes: number;
  stderr_bytes: number;
  system_bytes: number;
  dropped_bytes: number;
  truncated_reason: string | null;
  updated_at: number;
  deleted_at: number | null;
}

interface SegmentRow {
  start_offset: number;
  file: string;
  log_bytes: number;
  stored_bytes: number;
  compressed: number;
  closed_at: number | null;
}

/**
 * The {@link OutputCatalog} on the tables `task_outputs` and `task_output_segments` (migration
 * 3), sharing the task store's connection. Events recorded in the same turn of the event loop
 * share one transaction with the store's other deferred writes (see {@link TurnWrites}).
 */
export class SqliteOutputCatalog implements OutputCatalog {
  readonly #path: string;
  readonly #sql: PreparedStatements;
  readonly #writes: TurnWrites;

  /** Use {@link SqliteTaskStore.outputCatalog}. */
  constructor(db: Database, path: string, writes: TurnWrites) {
    this.#sql = new PreparedStatements(db);
    this.#path = path;
    this.#writes = writes;
  }

  record(event: OutputEvent): Promise<void> {
    // Many tasks starting or ending together: a commit per event would cost the host more than
    // the event is worth.
    return this.#writes.enqueue(`record the output event ${event.kind} of task ${event.taskId}`, () => this.#apply(event));
  }

  describe(taskId: string): Promise<TaskOutputEntry | undefined> {
    return settleStorageWork(this.#path, `read the output of task ${taskId}`, () => {
      const row = this.#sql.statement('outputs.get', 'SELECT * FROM task_outputs WHERE task_id = ?').get(taskId) as OutputRow | undefined;
      if (row === undefined) return undefined;
      const segments = this.#sql
        .statement('segments.list', 'SELECT * FROM task_output_segments WHERE task_id = ? ORDER BY start_offset')
        .all(taskId) as SegmentRow[];
      return {
        taskId: row.task_id,
        directory: row.directory,
        capturedBytes: { stdout: row.stdout_bytes, stderr: row.stderr_bytes, system: row.system_bytes },
        droppedBytes: row.dropped_bytes,
        truncatedReason: row.truncated_reason,
        segments: segments.map(segmentFromRow),
        updatedAt: row.updated_at,
        deletedAt: row.deleted_at,
      };
    });
  }

  taskStates(ids: readonly string[]): Promise<TaskOutputState[]> {
    return settleStorageWork(this.#path, 'read task states', () => {
      const rows = this.#sql
        .statement('tasks.states', 'SELECT id, status, finished_at FROM tasks WHERE id IN (SELECT value FROM json_each(?))')
        .all(JSON.stringify(ids)) as Array<{ id: string; status: TaskStatus; finished_at: number | null }>;
      return rows.map((row) => ({ id: row.id, status: row.status, finishedAt: row.finished_at }));
    });
  }

  #upsertSegment(taskId: string, segment: OutputSegmentEntry): void {
    this.#sql
      .statement(
        'segments.upsert',
        `INSERT INTO task_output_segments (task_id, start_offset, file, log_bytes, stored_bytes, compressed, closed_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (task_id, start_offset) DO UPDATE SET file = excluded.file, log_bytes = excluded.log_bytes,
           stored_bytes = excluded.stored_bytes, compressed = excluded.compressed, closed_at = excluded.closed_at`,
      )
      .run(...segmentValues(taskId, segment));
  }

  #apply(event: OutputEvent): void {
    switch (event.kind) {
      case 'segment_opened':
        this.#ensureOutput(event.taskId, event.directory, event.at);
        this.#upsertSegment(event.taskId, event.segment);
        return;
      case 'segment_closed':
        this.#sql
          .statement(
            'segments.close',
            `UPDATE task_output_segments SET log_bytes = ?, stored_bytes = ?, closed_at = ?
           WHERE task_id = ? AND start_offset = ? AND compressed = 0`,
          )
          .run(event.segment.logBytes, event.segment.storedBytes, event.segment.closedAt, event.taskId, event.segment.startOffset);
        this.#touch(event.taskId, event.at);
        return;
      case 'segment_compressed': {
        this.#ensureOutput(event.taskId, event.directory, event.at);
        const closedAt = (
          this.#sql
            .statement('segments.closedAt', 'SELECT closed_at FROM task_output_segments WHERE task_id = ? AND start_offset = ?')
            .get(event.taskId, event.segment.startOffset) as { closed_at: number | null } | undefined
        )?.closed_at;
        this.#upsertSegment(event.taskId, { ...event.segment, closedAt: closedAt ?? event.segment.closedAt ?? event.at });
        return;
      }
      case 'capture_finished':
        this.#ensureOutput(event.taskId, event.directory, event.at);
        this.#sql
          .statement(
            'outputs.capture',
            `UPDATE task_outputs SET stdout_bytes = stdout_bytes + ?, stderr_bytes = stderr_bytes + ?, system_bytes = system_bytes + ?,
             dropped_bytes = dropped_bytes + ?, truncated_reason = COALESCE(?, truncated_reason), updated_at = ?
           WHERE task_id = ?`,
          )
          .run(
            event.capturedBytes.stdout,
            event.capturedBytes.stderr,
            event.capturedBytes.system,
            event.droppedBytes,
            event.truncatedReason,
            event.at,
            event.taskId,
          );
        return;
      case 'log_deleted':
        this.#sql.statement('segments.deleteAll', 'DELETE FROM task_output_segments WHERE task_id = ?').run(event.taskId);
        this.#sql
          .statement('outputs.deleted', 'UPDATE task_outputs SET deleted_at = ?, updated_at = ? WHERE task_id = ?')
          .run(event.at, event.at, event.taskId);
        return;
    }
  }

  #ensureOutput(taskId: string, directory: string, at: number): void {
    this.#sql
      .statement(
        'outputs.ensure',
        `INSERT INTO task_outputs (task_id, directory, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (task_id) DO UPDATE SET directory = excluded.directory, updated_at = excluded.updated_at, deleted_at = NULL`,
      )
      .run(taskId, directory, at);
  }

  #touch(taskId: string, at: number): void {
    this.#sql.statement('outputs.touch', 'UPDATE task_outputs SET updated_at = ? WHERE task_id = ?').run(at, taskId);
  }
}

function segmentValues(taskId: string, segment: OutputSegmentEntry): unknown[] {
  return [taskId, segment.startOffset, segment.file, segment.logBytes, segment.storedBytes, segment.compressed ? 1 : 0, segment.closedAt];
}

function segmentFromRow(row: SegmentRow): OutputSegmentEntry {
  return {
    startOffset: row.start_offset,
    file: row.file,
    logBytes: row.log_bytes,
    storedBytes: row.stored_bytes,
    compressed: row.compressed === 1,
    closedAt: row.closed_at,
  };
}
