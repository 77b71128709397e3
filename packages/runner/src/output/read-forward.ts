import { join } from 'node:path';
import type { OutputChunk, OutputDamage, OutputSlice, OutputStream } from '@claudine/core';
import { RECORD_HEADER_BYTES, RECORD_TRAILER_BYTES } from './log-format.js';
import {
  type Arena,
  damaged,
  enclosingRecord,
  lastIndexStartingAtOrBefore,
  MAX_SCAN_BYTES,
  missingDamage,
  nonEmpty,
  openOrDamage,
  payloadOf,
  sliceOf,
} from './log-reading.js';
import { recordAt } from './record-scan.js';
import { listSegments, type SegmentFile } from './segment-files.js';
import { SegmentDamage, type SegmentScratch } from './segment-source.js';

/**
 * One slice of a log from `offset` on: the records of `streams`, up to `maxBytes` of payload
 * (copied into `arena` when given), skipping and reporting what is missing or damaged.
 */
export async function readForward(
  taskId: string,
  directory: string,
  offset: number,
  streams: ReadonlySet<OutputStream>,
  maxBytes: number,
  arena?: Arena,
  scratch?: SegmentScratch,
): Promise<OutputSlice<OutputChunk>> {
  if (arena !== undefined) arena.used = 0;
  const segments = await listSegments(directory);
  const first = segments[0];
  if (first === undefined) return { records: [], startOffset: offset, nextOffset: offset, atEnd: true };
  const damage: OutputDamage[] = [];
  const raw: OutputChunk[] = [];
  let position = offset;
  let budget = maxBytes;
  let scanned = 0;
  let atEnd = false;
  let index = lastIndexStartingAtOrBefore(segments, position);
  if (index === -1) {
    damage.push(missingDamage(taskId, directory, position, first.start));
    position = first.start;
    index = 0;
  }
  reading: for (; index < segments.length; index += 1) {
    const segment = segments[index] as SegmentFile;
    const next = segments[index + 1];
    const path = join(directory, segment.name);
    const source = await openOrDamage(path, segment.compressed, scratch);
    if (source instanceof SegmentDamage) {
      const to = next?.start ?? Math.max(position, segment.start);
      damage.push(damaged(path, Math.max(position, segment.start), to, source.message));
      if (next === undefined) {
        atEnd = true;
        break;
      }
      position = next.start;
      continue;
    }
    try {
      const limit = next === undefined ? source.size : next.start - segment.start;
      const bound = Math.min(limit, source.size);
      let relative = position - segment.start;
      if (relative === offset - segment.start) {
        // The offset may point inside a record (a reader that showed part of one): start there.
        const inside = await enclosingRecord(source, relative);
        if (inside !== undefined) {
          const from = Math.max(relative, inside.start + RECORD_HEADER_BYTES);
          const to = inside.end - RECORD_TRAILER_BYTES;
          if (from < to && streams.has(inside.stream)) {
            raw.push(await payloadOf(source, inside, segment.start, from, to, arena));
            budget -= to - from;
          }
          relative = inside.end;
        }
      }
      for (;;) {
        if (budget <= 0 || scanned >= MAX_SCAN_BYTES) {
          position = segment.start + relative;
          break reading;
        }
        let step: Awaited<ReturnType<typeof recordAt>>;
        try {
          step = await recordAt(source, relative, bound);
        } catch (error) {
          if (!(error instanceof SegmentDamage)) throw error;
          const to = Math.min(error.to, limit);
          damage.push(damaged(path, segment.start + relative, segment.start + to, error.message));
          relative = to;
          continue;
        }
        if (step.kind === 'record') {
          const record = step.record;
          if (streams.has(record.stream)) {
            if (arena !== undefined && arena.used + record.length > arena.buffer.length) {
              // The caller's buffer is full: this record comes with the next read.
              position = segment.start + relative;
              break reading;
            }
            raw.push(await payloadOf(source, record, segment.start, undefined, undefined, arena));
            budget -= record.length;
          }
          scanned += record.end - record.start;
          relative = record.end;
          continue;
        }
        if (next === undefined) {
          // The end of what is written now (or a record being written); damage in the segment
          // being written can only be skipped up to its current end.
          if (step.kind === 'invalid') {
            damage.push(
              damaged(
                path,
                segment.start + relative,
                segment.start + source.size,
                `no record starts at log byte ${segment.start + relative}`,
              ),
            );
            relative = source.size;
          }
          atEnd = true;
          position = segment.start + relative;
          break reading;
        }
        if (step.kind !== 'end' || bound < limit) {
          const from = segment.start + relative;
          damage.push(
            step.kind === 'end'
              ? missingDamage(taskId, directory, from, next.start)
              : damaged(
                  path,
                  from,
                  next.start,
                  step.kind === 'invalid' ? `no record starts at log byte ${from}` : 'it ends in the middle of a record',
                ),
          );
        }
        position = next.start;
        continue reading;
      }
    } finally {
      await source.close();
    }
  }
  if (!atEnd && index >= segments.length) atEnd = true;
  return sliceOf(nonEmpty(raw), offset, position, atEnd, damage);
}
