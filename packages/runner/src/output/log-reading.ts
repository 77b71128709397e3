import { join } from 'node:path';
import { ClaudineError, type OutputChunk, type OutputDamage, type OutputRecord, type OutputSlice } from '@claudine/core';
import { RECORD_HEADER_BYTES, RECORD_TRAILER_BYTES } from './log-format.js';
import { type LocatedRecord, lastCompleteRecordEnd, recordAt, recordBefore } from './record-scan.js';
import { type SegmentFile, segmentFileName } from './segment-files.js';
import { openSegmentSource, SegmentDamage, type SegmentScratch, type SegmentSource } from './segment-source.js';

/**
 * However selective the streams, one call looks at no more than this much log, so a reader
 * asking for stderr in a log of gigabytes of stdout gets an answer (and an offset) quickly.
 */
export const MAX_SCAN_BYTES = 64 * 1024 * 1024;

/** A caller's buffer that a read copies payloads into, and how much of it is used. */
export interface Arena {
  readonly buffer: Uint8Array;
  used: number;
}

/** A slice of the log, with `damage` only when something was skipped. */
export function sliceOf<Item>(
  records: readonly Item[],
  startOffset: number,
  nextOffset: number,
  atEnd: boolean,
  damage: readonly OutputDamage[],
): OutputSlice<Item> {
  return { records, startOffset, nextOffset, atEnd, ...(damage.length > 0 ? { damage } : {}) };
}

/** The payload of a record, or its bytes from `from` to `to` (positions in the segment), copied into `arena` if given. */
export async function payloadOf(
  source: SegmentSource,
  record: LocatedRecord,
  segmentStart: number,
  from?: number,
  to?: number,
  arena?: Arena,
): Promise<OutputChunk> {
  const first = from ?? record.start + RECORD_HEADER_BYTES;
  const last = to ?? record.end - RECORD_TRAILER_BYTES;
  const read = await source.read(first, last - first, false);
  let bytes: Uint8Array = read;
  if (arena !== undefined) {
    // Copied out of the source's scratch, which the next read overwrites.
    bytes = arena.buffer.subarray(arena.used, arena.used + read.length);
    bytes.set(read);
    arena.used += read.length;
  }
  // Otherwise a view of the source's window, not a copy: the source reads each window into a new buffer.
  return { stream: record.stream, time: record.time, bytes, offset: segmentStart + first };
}

/**
 * The record a position lies inside, or undefined when it is a record boundary (or cannot be
 * placed: reading then goes on as from a boundary and reports what it finds there).
 */
export async function enclosingRecord(source: SegmentSource, relative: number): Promise<LocatedRecord | undefined> {
  if (relative <= 0 || relative >= source.size || source.startsRecord(relative)) return undefined;
  if ((await recordBefore(source, relative)) !== undefined) return undefined;
  const start = await lastCompleteRecordEnd(source, relative);
  const step = await recordAt(source, start, source.size);
  return step.kind === 'record' && step.record.end > relative ? step.record : undefined;
}

/** Opens a segment, or says how it is damaged; a missing file throws ENOENT (see {@link retryWhenMoved}), other failures `output_failed`. */
export async function openOrDamage(path: string, compressed: boolean, scratch?: SegmentScratch): Promise<SegmentSource | SegmentDamage> {
  try {
    return await openSegmentSource(path, compressed, scratch);
  } catch (error) {
    if (error instanceof SegmentDamage) return error;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw error;
    throw new ClaudineError(
      'output_failed',
      `Could not read the log segment ${path}: ${(error as Error).message}. Check its permissions.`,
      {
        cause: error,
        details: { path },
      },
    );
  }
}

/** Runs a read again when a segment was compressed or deleted between listing and opening it (up to 5 times). */
export async function retryWhenMoved<Slice>(work: () => Promise<Slice>): Promise<Slice> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 5) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          throw new ClaudineError('output_failed', `The log kept changing while it was read (${(error as Error).message}). Try again.`, {
            cause: error,
          });
        }
        throw error;
      }
    }
  }
}

/** The last segment starting at or before `position`, or -1. */
export function lastIndexStartingAtOrBefore(segments: readonly SegmentFile[], position: number): number {
  for (let index = segments.length - 1; index >= 0; index -= 1) if ((segments[index] as SegmentFile).start <= position) return index;
  return -1;
}

/** The last segment starting before `position`, or -1. */
export function lastIndexStartingBefore(segments: readonly SegmentFile[], position: number): number {
  for (let index = segments.length - 1; index >= 0; index -= 1) if ((segments[index] as SegmentFile).start < position) return index;
  return -1;
}

/** The damage report of an unreadable part of a segment. */
export function damaged(path: string, from: number, to: number, why: string): OutputDamage {
  const reason = why.startsWith(path) ? why.slice(path.length).replace(/^ is damaged: /, '') : why;
  return {
    file: path,
    from,
    to,
    message: `The log segment ${path} is damaged (${reason}): log bytes ${from}-${to} cannot be read; the rest of the log is readable. Move the file aside if it keeps failing.`,
  };
}

/** The damage report of a segment that is gone. */
export function missingDamage(taskId: string, directory: string, from: number, to: number): OutputDamage {
  const file = join(directory, segmentFileName(from, false));
  return {
    file,
    from,
    to,
    message: `The log segment ${file} (or ${segmentFileName(from, true)}) of task ${taskId} is missing: log bytes ${from}-${to} are lost; the rest of the log is readable.`,
  };
}

/** Chunks as text records; writers keep every record whole UTF-8, so each decodes on its own. */
export function decodeText(chunks: readonly OutputChunk[]): OutputRecord[] {
  return nonEmpty(chunks).map((chunk) => ({
    stream: chunk.stream,
    time: chunk.time,
    text: Buffer.from(chunk.bytes.buffer, chunk.bytes.byteOffset, chunk.bytes.byteLength).toString('utf8'),
    offset: chunk.offset,
  }));
}

/** The chunks that hold bytes. */
export function nonEmpty(chunks: readonly OutputChunk[]): OutputChunk[] {
  return chunks.filter((chunk) => chunk.bytes.length > 0);
}

/** How many line ends `bytes` holds. */
export function countNewlines(bytes: Uint8Array): number {
  let count = 0;
  for (let index = bytes.indexOf(0x0a); index !== -1; index = bytes.indexOf(0x0a, index + 1)) count += 1;
  return count;
}

/** The last `lines` lines of `records`, the first record cut where its kept part starts. */
export function trimToLastLines(records: OutputRecord[], lines: number): OutputRecord[] {
  if (lines <= 0) return [];
  let seen = 0;
  for (let index = records.length - 1; index >= 0; index -= 1) {
    const record = records[index] as OutputRecord;
    const text = record.text;
    // A trailing newline ends the last line; it does not start a new one.
    for (let position = text.length - (index === records.length - 1 && text.endsWith('\n') ? 2 : 1); position >= 0; position -= 1) {
      if (text[position] !== '\n') continue;
      seen += 1;
      if (seen === lines) {
        const cut = text.slice(0, position + 1);
        const kept = { ...record, text: text.slice(position + 1), offset: record.offset + Buffer.byteLength(cut) };
        return [kept, ...records.slice(index + 1)].filter((item) => item.text !== '');
      }
    }
  }
  return records;
}
