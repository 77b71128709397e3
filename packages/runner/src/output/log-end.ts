import { join } from 'node:path';
import { lastCompleteRecordEnd } from './record-scan.js';
import { listSegments, type SegmentFile } from './segment-files.js';
import { openSegmentSource, SegmentDamage } from './segment-source.js';

/** Where a task's log ends, and its last segment. */
export interface LogEnd {
  /** Log position after the last complete record (0 for a new log). */
  readonly offset: number;
  readonly last: SegmentFile | undefined;
}

/**
 * Finds where a task's log ends: after the last complete record of its last segment. A record
 * cut off by a crash is not counted, so whatever is written next starts at a record boundary.
 */
export async function findLogEnd(directory: string): Promise<LogEnd> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await findLogEndOnce(directory);
    } catch (error) {
      // The segment was compressed (renamed) between listing and opening it: list again.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 3) throw error;
    }
  }
}

async function findLogEndOnce(directory: string): Promise<LogEnd> {
  const segments = await listSegments(directory);
  const last = segments[segments.length - 1];
  if (last === undefined) return { offset: 0, last };
  let source: Awaited<ReturnType<typeof openSegmentSource>>;
  try {
    source = await openSegmentSource(join(directory, last.name), last.compressed);
  } catch (error) {
    if (!(error instanceof SegmentDamage)) throw error;
    // Its length is unknown: any position after its start keeps offsets increasing; readers
    // report the damaged segment up to there.
    return { offset: last.start + 1, last };
  }
  try {
    return { offset: last.start + (await lastCompleteRecordEnd(source, source.size)), last };
  } finally {
    await source.close();
  }
}
