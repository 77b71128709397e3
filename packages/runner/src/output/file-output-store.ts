import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import {
  ClaudineError,
  OUTPUT_STREAMS,
  type OutputReadOptions,
  type OutputRecord,
  type OutputStore,
  type OutputStream,
} from '@claudine/core';
import { decodeHeader, RECORD_HEADER_BYTES, RECORD_OVERHEAD_BYTES, RECORD_TRAILER_BYTES } from './log-format.js';
import { taskLogFile } from './log-paths.js';

const DEFAULT_MAX_BYTES = 1024 * 1024;

interface RawRecord {
  readonly stream: OutputStream;
  readonly time: number;
  readonly payload: Buffer;
}

/**
 * The {@link OutputStore} over the framed log files written by the task log writer. Works from
 * any process while the task runs or after; a record still being written at the end is left
 * for the next read.
 */
export function createFileOutputStore(logsDirectory: string): OutputStore {
  return {
    async read(taskId, options: OutputReadOptions = {}) {
      const path = taskLogFile(logsDirectory, taskId);
      const streams = new Set(options.streams ?? OUTPUT_STREAMS);
      const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
      const file = await openIfExists(path);
      if (file === undefined) return { records: [], nextOffset: 0, atEnd: true };
      try {
        const size = (await file.stat()).size;
        let offset = options.offset ?? 0;
        const raw: RawRecord[] = [];
        let budget = maxBytes;
        while (offset < size && budget > 0) {
          const header = Buffer.alloc(RECORD_HEADER_BYTES);
          const { bytesRead } = await file.read(header, 0, RECORD_HEADER_BYTES, offset);
          if (bytesRead < RECORD_HEADER_BYTES) break;
          const decoded = decodeHeader(header);
          if (decoded === undefined) throw corrupt(path, offset);
          const end = offset + RECORD_OVERHEAD_BYTES + decoded.length;
          if (end > size) break;
          if (streams.has(decoded.stream)) {
            const payload = Buffer.alloc(decoded.length);
            await file.read(payload, 0, decoded.length, offset + RECORD_HEADER_BYTES);
            raw.push({ stream: decoded.stream, time: decoded.time, payload });
            budget -= decoded.length;
          }
          offset = end;
        }
        return { records: decodeText(raw), nextOffset: offset, atEnd: offset >= size };
      } finally {
        await file.close();
      }
    },

    async tail(taskId, lines, streamsOption) {
      const path = taskLogFile(logsDirectory, taskId);
      const streams = new Set(streamsOption ?? OUTPUT_STREAMS);
      const file = await openIfExists(path);
      if (file === undefined) return { records: [], nextOffset: 0, atEnd: true };
      try {
        const size = (await file.stat()).size;
        const end = await lastCompleteRecordEnd(file, size);
        const collected: RawRecord[] = [];
        let newlines = 0;
        let position = end;
        const trailer = Buffer.alloc(RECORD_TRAILER_BYTES);
        // Walk records backwards until enough lines are collected (one extra newline, because
        // the last line usually ends with one).
        while (position > 0 && newlines <= lines) {
          await file.read(trailer, 0, RECORD_TRAILER_BYTES, position - RECORD_TRAILER_BYTES);
          const length = trailer.readUInt32LE(0);
          const start = position - RECORD_OVERHEAD_BYTES - length;
          if (start < 0) throw corrupt(path, position);
          const header = Buffer.alloc(RECORD_HEADER_BYTES);
          await file.read(header, 0, RECORD_HEADER_BYTES, start);
          const decoded = decodeHeader(header);
          if (decoded === undefined || decoded.length !== length) throw corrupt(path, start);
          if (streams.has(decoded.stream)) {
            const payload = Buffer.alloc(length);
            await file.read(payload, 0, length, start + RECORD_HEADER_BYTES);
            collected.push({ stream: decoded.stream, time: decoded.time, payload });
            newlines += countNewlines(payload);
          }
          position = start;
        }
        collected.reverse();
        return { records: trimToLastLines(decodeText(collected), lines), nextOffset: end, atEnd: end >= size };
      } finally {
        await file.close();
      }
    },
  };
}

type FileHandle = Awaited<ReturnType<typeof open>>;

async function openIfExists(path: string): Promise<FileHandle | undefined> {
  try {
    return await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ClaudineError('output_failed', `Could not read the log ${path}: ${(error as Error).message}`, { cause: error });
  }
}

// The writer may be in the middle of a record: find where the last complete one ends by
// walking forward (cheap: only headers are read).
async function lastCompleteRecordEnd(file: FileHandle, size: number): Promise<number> {
  const probe = Buffer.alloc(RECORD_TRAILER_BYTES);
  if (size < RECORD_OVERHEAD_BYTES) return 0;
  await file.read(probe, 0, RECORD_TRAILER_BYTES, size - RECORD_TRAILER_BYTES);
  const length = probe.readUInt32LE(0);
  const start = size - RECORD_OVERHEAD_BYTES - length;
  if (start >= 0) {
    const header = Buffer.alloc(RECORD_HEADER_BYTES);
    await file.read(header, 0, RECORD_HEADER_BYTES, start);
    const decoded = decodeHeader(header);
    if (decoded !== undefined && decoded.length === length) return size;
  }
  let position = 0;
  const header = Buffer.alloc(RECORD_HEADER_BYTES);
  for (;;) {
    const { bytesRead } = await file.read(header, 0, RECORD_HEADER_BYTES, position);
    const decoded = bytesRead === RECORD_HEADER_BYTES ? decodeHeader(header) : undefined;
    if (decoded === undefined) return position;
    const next = position + RECORD_OVERHEAD_BYTES + decoded.length;
    if (next > size) return position;
    position = next;
  }
}

function corrupt(path: string, offset: number): ClaudineError {
  return new ClaudineError(
    'output_failed',
    `The log ${path} is damaged at byte ${offset}: output before that point is readable; move the file aside if it keeps failing.`,
    { details: { path, offset } },
  );
}

function decodeText(records: readonly RawRecord[]): OutputRecord[] {
  // One decoder per stream, so a UTF-8 character split across two chunks is joined again.
  const decoders = new Map<OutputStream, StringDecoder>();
  const out: OutputRecord[] = [];
  for (const record of records) {
    let decoder = decoders.get(record.stream);
    if (decoder === undefined) {
      decoder = new StringDecoder('utf8');
      decoders.set(record.stream, decoder);
    }
    const text = decoder.write(record.payload);
    if (text !== '') out.push({ stream: record.stream, time: record.time, text });
  }
  for (const [stream, decoder] of decoders) {
    const rest = decoder.end();
    if (rest !== '') out.push({ stream, time: out[out.length - 1]?.time ?? 0, text: rest });
  }
  return out;
}

function countNewlines(buffer: Buffer): number {
  let count = 0;
  for (let index = buffer.indexOf(10); index !== -1; index = buffer.indexOf(10, index + 1)) count += 1;
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
        const kept = { ...record, text: text.slice(position + 1) };
        return [kept, ...records.slice(index + 1)].filter((item) => item.text !== '');
      }
    }
  }
  return records;
}
