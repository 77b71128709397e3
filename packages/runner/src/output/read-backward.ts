import { join } from 'node:path';
import type { OutputChunk, OutputDamage, OutputSlice, OutputStream } from '@claudine/core';
import { RECORD_HEADER_BYTES, RECORD_TRAILER_BYTES } from './log-format.js';
import {
  countNewlines,
  damaged,
  decodeText,
  enclosingRecord,
  lastIndexStartingBefore,
  MAX_SCAN_BYTES,
  missingDamage,
  openOrDamage,
  payloadOf,
  sliceOf,
  trimToLastLines,
} from './log-reading.js';
import { type LocatedRecord, lastCompleteRecordEnd, recordBefore } from './record-scan.js';
import { listSegments, type SegmentFile } from './segment-files.js';
import { SegmentDamage } from './segment-source.js';

/**
 * The last `lines` lines of a log (of `streams`, ending at `before` when given), read from the
 * end back; `startOffset` is exact, so `before: startOffset` pages back without a gap.
 */
export async function readBackward(
  taskId: string,
  directory: string,
  lines: number,
  streams: ReadonlySet<OutputStream>,
  before: number | undefined,
): Promise<OutputSlice> {
  const segments = await listSegments(directory);
  const last = segments[segments.length - 1];
  if (last === undefined) return { records: [], startOffset: before ?? 0, nextOffset: before ?? 0, atEnd: true };
  const damage: OutputDamage[] = [];
  const lastPath = join(directory, last.name);
  const lastSource = await openOrDamage(lastPath, last.compressed);
  let logEnd = last.start;
  if (lastSource instanceof SegmentDamage) damage.push(damaged(lastPath, last.start, last.start, lastSource.message));
  else {
    try {
      logEnd = last.start + (await lastCompleteRecordEnd(lastSource, lastSource.size));
    } finally {
      await lastSource.close();
    }
  }
  const end = before === undefined ? logEnd : Math.max(0, Math.min(before, logEnd));
  const collected: OutputChunk[] = [];
  let newlines = 0;
  let scanned = 0;
  let position = end;
  // One newline more than asked for, because the last line usually ends with one.
  const enough = (): boolean => lines <= 0 || newlines > lines || scanned >= MAX_SCAN_BYTES;
  for (let index = lastIndexStartingBefore(segments, position); index >= 0 && !enough(); index -= 1) {
    const segment = segments[index] as SegmentFile;
    const next = segments[index + 1];
    const path = join(directory, segment.name);
    const source = await openOrDamage(path, segment.compressed);
    if (source instanceof SegmentDamage) {
      if (index !== segments.length - 1) damage.push(damaged(path, segment.start, position, source.message));
      position = segment.start;
      continue;
    }
    try {
      let relative = position - segment.start;
      // The end of a closed segment must be a record's end; if it is not, what it lacks is
      // reported and the walk goes on from its last whole record.
      if (next !== undefined && position === next.start) {
        const clean = await lastCompleteRecordEnd(source, relative);
        if (clean < relative) {
          damage.push(
            clean === source.size
              ? missingDamage(taskId, directory, segment.start + clean, position)
              : damaged(path, segment.start + clean, position, 'it ends in the middle of a record'),
          );
          relative = clean;
        }
      }
      if (position === end && relative > 0) {
        // `before` may point inside a record: take the part of it that comes before.
        const inside = await enclosingRecord(source, relative);
        if (inside !== undefined) {
          const to = Math.min(relative, inside.end - RECORD_TRAILER_BYTES);
          const from = inside.start + RECORD_HEADER_BYTES;
          if (from < to && streams.has(inside.stream)) {
            const raw = await payloadOf(source, inside, segment.start, from, to);
            collected.push(raw);
            newlines += countNewlines(raw.bytes);
          }
          relative = inside.start;
        }
      }
      while (relative > 0 && !enough()) {
        let record: LocatedRecord | undefined;
        try {
          record = await recordBefore(source, relative);
        } catch (error) {
          if (!(error instanceof SegmentDamage)) throw error;
          damage.push(damaged(path, segment.start + error.from, segment.start + relative, error.message));
          relative = error.from;
          continue;
        }
        if (record === undefined) {
          damage.push(damaged(path, segment.start, segment.start + relative, `no record ends at log byte ${segment.start + relative}`));
          relative = 0;
          break;
        }
        if (streams.has(record.stream)) {
          const raw = await payloadOf(source, record, segment.start);
          collected.push(raw);
          newlines += countNewlines(raw.bytes);
        }
        scanned += record.end - record.start;
        relative = record.start;
      }
      position = segment.start + relative;
    } finally {
      await source.close();
    }
  }
  collected.reverse();
  const decoded = decodeText(collected);
  const records = trimToLastLines(decoded, lines);
  // Nothing shown lies before the first record kept whole: the slice starts where the walk
  // stopped, so `startOffset` is 0 when the log holds nothing earlier.
  const first = records[0];
  const startOffset = first === undefined || first === decoded[0] ? Math.min(position, end) : first.offset;
  return sliceOf(records, startOffset, end, end >= logEnd, damage.reverse());
}
