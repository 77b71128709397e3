import { type FileHandle, open } from 'node:fs/promises';
import { decodeSeekTable, SEEK_FOOTER_BYTES, type SeekFrame, type SeekTable, seekTableLength } from './seekable-zstd.js';
import { zstd } from './zstd.js';

// Reading forward takes large windows (whole logs are read that way); walking back (tails)
// usually needs only the last few records.
const FORWARD_WINDOW_BYTES = 1024 * 1024;
const BACKWARD_WINDOW_BYTES = 64 * 1024;

/**
 * Part of a segment could not be read. Positions are relative to the segment's start; `to` is
 * where reading may resume (the end of a damaged compressed frame, or the end of the file).
 */
export class SegmentDamage extends Error {
  readonly from: number;
  readonly to: number;

  constructor(message: string, from: number, to: number) {
    super(message);
    this.name = 'SegmentDamage';
    this.from = from;
    this.to = to;
  }
}

/** The log bytes of one segment file, whether it is compressed or not. */
export interface SegmentSource {
  readonly path: string;
  /** Log bytes the segment holds now (a segment being written grows; reopen to see more). */
  readonly size: number;
  /**
   * Up to `length` bytes from `position` (fewer at the end). `backward` says the caller walks
   * towards the start, so the window read ahead lies before `position`. Throws
   * {@link SegmentDamage} when the bytes cannot be read. A source opened with a
   * {@link SegmentScratch} returns views of it, valid only until the next read.
   */
  read(position: number, length: number, backward?: boolean): Promise<Buffer>;
  /** True when `position` is known to start a record without reading (a compressed frame's start). */
  startsRecord(position: number): boolean;
  close(): Promise<void>;
}

/**
 * Buffers a source reads into instead of allocating new ones for each window or frame: a reader
 * that copies what it needs out of each read reuses them from one read (and one segment) to the
 * next, so copying gigabytes leaves no garbage behind.
 */
export interface SegmentScratch {
  /** Holds a window of a plain segment, or a decompressed frame. */
  readonly window: Buffer;
  /** Holds a compressed frame as read from the file. */
  readonly frame: Buffer;
}

/**
 * Opens a segment file. Rejects with the file system's error (ENOENT when it vanished, e.g.
 * compressed or deleted meanwhile) or {@link SegmentDamage} when a compressed file has no valid
 * seek table.
 */
export async function openSegmentSource(path: string, compressed: boolean, scratch?: SegmentScratch): Promise<SegmentSource> {
  const file = await open(path, 'r');
  try {
    const size = (await file.stat()).size;
    return compressed ? await openCompressed(path, file, size, scratch) : openPlain(path, file, size, scratch);
  } catch (error) {
    await file.close();
    throw error;
  }
}

// A buffer of `length` bytes: the scratch one when it is large enough, else a new one.
function bufferFor(scratch: Buffer | undefined, length: number): Buffer {
  return scratch !== undefined && scratch.length >= length ? scratch.subarray(0, length) : Buffer.allocUnsafe(length);
}

function openPlain(path: string, file: FileHandle, size: number, scratch: SegmentScratch | undefined): SegmentSource {
  let windowStart = 0;
  let window: Buffer = Buffer.alloc(0);
  return {
    path,
    size,
    async read(position, length, backward = false) {
      const end = Math.min(size, position + length);
      if (end <= position) return Buffer.alloc(0);
      if (position < windowStart || end > windowStart + window.length) {
        const wanted = Math.max(backward ? BACKWARD_WINDOW_BYTES : FORWARD_WINDOW_BYTES, end - position);
        // A scratch window is as large as the scratch allows, but always covers the request.
        const span = scratch === undefined ? wanted : Math.max(end - position, Math.min(wanted, scratch.window.length));
        windowStart = backward ? Math.max(0, end - span) : position;
        const windowEnd = Math.min(size, Math.max(end, windowStart + span));
        const buffer = bufferFor(scratch?.window, windowEnd - windowStart);
        const { bytesRead } = await file.read(buffer, 0, buffer.length, windowStart);
        window = buffer.subarray(0, bytesRead);
      }
      return window.subarray(position - windowStart, Math.min(end, windowStart + window.length) - windowStart);
    },
    startsRecord: () => false,
    close: () => file.close(),
  };
}

async function openCompressed(
  path: string,
  file: FileHandle,
  fileSize: number,
  scratch: SegmentScratch | undefined,
): Promise<SegmentSource> {
  const table = await readSeekTable(path, file, fileSize);
  let cached: { frame: SeekFrame; data: Buffer } | undefined;

  async function frameData(frame: SeekFrame): Promise<Buffer> {
    if (cached?.frame === frame) return cached.data;
    // Forget the cached frame first: its bytes may be overwritten below.
    cached = undefined;
    const compressed = bufferFor(scratch?.frame, frame.compressedSize);
    const { bytesRead } = await file.read(compressed, 0, frame.compressedSize, frame.compressedOffset);
    let data: Buffer;
    try {
      if (bytesRead !== frame.compressedSize) throw new Error('the file is shorter than its seek table says');
      if (scratch !== undefined && scratch.window.length >= frame.decompressedSize) {
        const written = zstd().decompressInto(scratch.window, compressed);
        data = scratch.window.subarray(0, written);
      } else data = zstd().decompress(compressed);
      if (data.length !== frame.decompressedSize) throw new Error('a frame has another size than its seek table says');
    } catch (error) {
      throw new SegmentDamage(
        `${path} is damaged: ${(error as Error).message}`,
        frame.decompressedOffset,
        frame.decompressedOffset + frame.decompressedSize,
      );
    }
    cached = { frame, data };
    return data;
  }

  return {
    path,
    size: table.decompressedSize,
    async read(position, length) {
      const end = Math.min(table.decompressedSize, position + length);
      if (end <= position) return Buffer.alloc(0);
      const parts: Buffer[] = [];
      const first = frameIndex(table, position);
      // A read across frames copies each part: the scratch holds one frame at a time.
      const copy = scratch !== undefined && frameIndex(table, end - 1) > first;
      for (let index = first; index < table.frames.length; index += 1) {
        const frame = table.frames[index] as SeekFrame;
        if (frame.decompressedOffset >= end) break;
        const data = await frameData(frame);
        const from = Math.max(position, frame.decompressedOffset) - frame.decompressedOffset;
        const to = Math.min(end, frame.decompressedOffset + frame.decompressedSize) - frame.decompressedOffset;
        const part = data.subarray(from, to);
        parts.push(copy ? Buffer.from(part) : part);
      }
      return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
    },
    startsRecord(position) {
      // Frames hold whole records, so each starts one.
      const frame = table.frames[frameIndex(table, position)];
      return frame !== undefined && frame.decompressedOffset === position;
    },
    close: () => file.close(),
  };
}

async function readSeekTable(path: string, file: FileHandle, fileSize: number): Promise<SeekTable> {
  const damaged = (why: string) => new SegmentDamage(`${path} is damaged: ${why}; it cannot be decompressed.`, 0, Number.POSITIVE_INFINITY);
  if (fileSize < SEEK_FOOTER_BYTES) throw damaged('it is too short to be a compressed segment');
  const footer = Buffer.alloc(SEEK_FOOTER_BYTES);
  await file.read(footer, 0, SEEK_FOOTER_BYTES, fileSize - SEEK_FOOTER_BYTES);
  const length = seekTableLength(footer);
  if (length === undefined || length > fileSize) throw damaged('its seek table is missing');
  const bytes = Buffer.alloc(length);
  await file.read(bytes, 0, length, fileSize - length);
  const table = decodeSeekTable(bytes, fileSize);
  if (table === undefined) throw damaged('its seek table does not match the file');
  return table;
}

function frameIndex(table: SeekTable, position: number): number {
  let low = 0;
  let high = table.frames.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if ((table.frames[middle] as SeekFrame).decompressedOffset <= position) low = middle;
    else high = middle - 1;
  }
  return low;
}
