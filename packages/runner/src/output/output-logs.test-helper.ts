import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { OutputEvent, OutputRecord, OutputStore, OutputStream, TaskOutputEntry, TaskOutputState } from '@claudine/core';
import { compressSegment } from './compress-segment.js';
import { listSegments } from './segment-files.js';
import { createTaskLogWriter, type TaskLogWriterOptions } from './task-log-writer.js';

/** Writes chunks to a task's log through a real writer and closes it. */
export async function writeLog(
  logs: string,
  taskId: string,
  chunks: ReadonlyArray<readonly [OutputStream, string | Buffer]>,
  options: Partial<TaskLogWriterOptions> = {},
) {
  const writer = createTaskLogWriter({ directory: join(logs, taskId), taskId, ...options });
  for (const [stream, text] of chunks) {
    if (stream === 'system') writer.note(String(text));
    else writer.write(stream, typeof text === 'string' ? Buffer.from(text) : text);
  }
  return writer.close();
}

/** Segment file names of a task's log, in log order. */
export function segmentNames(logs: string, taskId: string): string[] {
  return readdirSync(join(logs, taskId)).sort();
}

/** Compresses every plain segment of a task's log (the task must not be writing). */
export async function compressAll(logs: string, taskId: string): Promise<void> {
  const directory = join(logs, taskId);
  const segments = await listSegments(directory);
  for (const [index, segment] of segments.entries()) {
    if (segment.compressed) continue;
    const next = segments[index + 1];
    await compressSegment(directory, segment, next === undefined ? undefined : next.start - segment.start);
  }
}

/** Reads a whole log by pages of `maxBytes`, returning its text per record and any damage. */
export async function readAll(store: OutputStore, taskId: string, options: { maxBytes?: number; streams?: OutputStream[] } = {}) {
  const records: OutputRecord[] = [];
  const damage: string[] = [];
  let offset = 0;
  let pages = 0;
  for (;;) {
    const slice = await store.read(taskId, { offset, ...options });
    records.push(...slice.records);
    for (const item of slice.damage ?? []) damage.push(item.message);
    pages += 1;
    if (slice.atEnd) return { records, text: records.map((record) => record.text).join(''), damage, pages, end: slice.nextOffset };
    if (slice.nextOffset <= offset && slice.records.length === 0) throw new Error(`read made no progress at ${offset}`);
    offset = slice.nextOffset;
  }
}

/**
 * An in-memory output catalog for tests of the runner on its own; the SQLite catalog runs the
 * same scenarios in the runtime's tests.
 */
export function createMemoryOutputCatalog(tasks: Map<string, TaskOutputState> = new Map()) {
  const events: OutputEvent[] = [];
  return {
    tasks,
    events,
    async record(event: OutputEvent) {
      events.push(event);
    },
    async describe(_taskId: string): Promise<TaskOutputEntry | undefined> {
      return undefined;
    },
    async taskStates(ids: readonly string[]) {
      return ids.flatMap((id) => {
        const state = tasks.get(id);
        return state === undefined ? [] : [state];
      });
    },
  };
}
