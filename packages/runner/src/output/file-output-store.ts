import { join } from 'node:path';
import {
  ClaudineError,
  OUTPUT_STREAMS,
  type OutputByteReadOptions,
  type OutputChunk,
  type OutputDamage,
  type OutputRecord,
  type OutputSlice,
  type OutputStore,
  type OutputStream,
  type OutputTailOptions,
} from '@claudine/core';
import { MAX_FRAME_BYTES } from './compress-segment.js';
import { MAX_RECORD_PAYLOAD_BYTES, RECORD_HEADER_BYTES, RECORD_TRAILER_BYTES } from './log-format.js';
import { taskLogDirectory } from './log-paths.js';
import { type LocatedRecord, lastCompleteRecordEnd, recordAt, recordBefore } from './record-scan.js';
import { listSegments, type SegmentFile, segmentFileName } from './segment-files.js';
import { openSegmentSource, SegmentDamage, type SegmentScratch, type SegmentSource } from './segment-source.js';

const DEFAULT_MAX_BYTES = 1024 * 1024;
// Concurrent reads into callers' buffers beyond this many allocate scratch that is not kept.
const MAX_POOLED_SCRATCH = 2;

/** A caller's buffer that a read copies payloads into, and how much of it is used. */
interface Arena {
  readonly buffer: Uint8Array;
  used: number;
}
// However selective the streams, one call looks at no more than this much log, so a reader
// asking for stderr in a log of gigabytes of stdout gets an answer (and an offset) quickly.
const MAX_SCAN_BYTES = 64 * 1024 * 1024;

/**
 * The {@link OutputStore} over the segmented logs written by the task log writer. Works from any
 * process while the task runs or after; compressed segments are read transparently; a record
 * still being written at the end is left for the next read. A missing or damaged segment is
 * skipped and reported in the slice's `damage`, so the rest of the log stays readable.
 */
export function createFileOutputStore(logsDirectory: string): OutputStore {
  // Scratch buffers of reads into a caller's buffer, kept for the next such read.
  const scratchPool: SegmentScratch[] = [];
  const readBytes = async (taskId: string, options: OutputByteReadOptions = {}): Promise<OutputSlice<OutputChunk>> => {
    const directory = taskLogDirectory(logsDirectory, taskId);
    const offset = options.offset ?? 0;
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw new ClaudineError('invalid_input', `The offset ${offset} is not a log position: pass 0 or a nextOffset from an earlier read.`);
    }
    const streams = new Set(options.streams ?? OUTPUT_STREAMS);
    const maxBytes = Math.max(1, options.maxBytes ?? DEFAULT_MAX_BYTES);
    const buffer = options.buffer;
    if (buffer === undefined) return retryWhenMoved(() => readForward(taskId, directory, offset, streams, maxBytes));
    if (buffer.length < MAX_RECORD_PAYLOAD_BYTES) {
      throw new ClaudineError(
        'invalid_input',
        `A buffer to read output into must hold at least ${MAX_RECORD_PAYLOAD_BYTES} bytes (the largest record); this one holds ${buffer.length}.`,
      );
    }
    const scratch = scratchPool.pop() ?? { window: Buffer.allocUnsafe(MAX_FRAME_BYTES), frame: Buffer.allocUnsafe(MAX_FRAME_BYTES) };
    try {
      return await retryWhenMoved(() => readForward(taskId, directory, offset, streams, maxBytes, { buffer, used: 0 }, scratch));
    } finally {
      if (scratchPool.length < MAX_POOLED_SCRATCH) scratchPool.push(scratch);
    }
  };
  return {
    readBytes,

    async read(taskId, options) {
      const slice = await readBytes(taskId, options);
      return { ...slice, records: decodeText(slice.records) };
    },

    async tail(taskId, lines, options: OutputTailOptions = {}) {
      const directory = taskLogDirectory(logsDirectory, taskId);
      const streams = new Set(options.streams ?? OUTPUT_STREAMS);
      return retryWhenMoved(() => readBackward(taskId, directory, lines, streams, options.before));
    },
  };
}

async function readForward(
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

async function readBackward(
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

function sliceOf<Item>(
  records: readonly Item[],
  startOffset: number,
  nextOffset: number,
  atEnd: boolean,
  damage: readonly OutputDamage[],
): OutputSlice<Item> {
  return { records, startOffset, nextOffset, atEnd, ...(damage.length > 0 ? { damage } : {}) };
}

// The payload of a record, or its bytes from `from` to `to` (positions in the segment).
async function payloadOf(
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

// The record a position lies inside, or undefined when it is a record boundary (or cannot be
// placed: reading then goes on as from a boundary and reports what it finds there).
async function enclosingRecord(source: SegmentSource, relative: number): Promise<LocatedRecord | undefined> {
  if (relative <= 0 || relative >= source.size || source.startsRecord(relative)) return undefined;
  if ((await recordBefore(source, relative)) !== undefined) return undefined;
  const start = await lastCompleteRecordEnd(source, relative);
  const step = await recordAt(source, start, source.size);
  return step.kind === 'record' && step.record.end > relative ? step.record : undefined;
}

async function openOrDamage(path: string, compressed: boolean, scratch?: SegmentScratch): Promise<SegmentSource | SegmentDamage> {
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

// A segment compressed or deleted between listing and opening it: list again.
async function retryWhenMoved<Slice>(work: () => Promise<Slice>): Promise<Slice> {
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

function lastIndexStartingAtOrBefore(segments: readonly SegmentFile[], position: number): number {
  for (let index = segments.length - 1; index >= 0; index -= 1) if ((segments[index] as SegmentFile).start <= position) return index;
  return -1;
}

function lastIndexStartingBefore(segments: readonly SegmentFile[], position: number): number {
  for (let index = segments.length - 1; index >= 0; index -= 1) if ((segments[index] as SegmentFile).start < position) return index;
  return -1;
}

function damaged(path: string, from: number, to: number, why: string): OutputDamage {
  const reason = why.startsWith(path) ? why.slice(path.length).replace(/^ is damaged: /, '') : why;
  return {
    file: path,
    from,
    to,
    message: `The log segment ${path} is damaged (${reason}): log bytes ${from}-${to} cannot be read; the rest of the log is readable. Move the file aside if it keeps failing.`,
  };
}

function missingDamage(taskId: string, directory: string, from: number, to: number): OutputDamage {
  const file = join(directory, segmentFileName(from, false));
  return {
    file,
    from,
    to,
    message: `The log segment ${file} (or ${segmentFileName(from, true)}) of task ${taskId} is missing: log bytes ${from}-${to} are lost; the rest of the log is readable.`,
  };
}

// Writers keep every record whole UTF-8, so each decodes on its own.
function decodeText(chunks: readonly OutputChunk[]): OutputRecord[] {
  return nonEmpty(chunks).map((chunk) => ({
    stream: chunk.stream,
    time: chunk.time,
    text: Buffer.from(chunk.bytes.buffer, chunk.bytes.byteOffset, chunk.bytes.byteLength).toString('utf8'),
    offset: chunk.offset,
  }));
}

function nonEmpty(chunks: readonly OutputChunk[]): OutputChunk[] {
  return chunks.filter((chunk) => chunk.bytes.length > 0);
}

function countNewlines(bytes: Uint8Array): number {
  let count = 0;
  for (let index = bytes.indexOf(0x0a); index !== -1; index = bytes.indexOf(0x0a, index + 1)) count += 1;
  return count;
}

function trimToLastLines(records: OutputRecord[], lines: number): OutputRecord[] {
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
