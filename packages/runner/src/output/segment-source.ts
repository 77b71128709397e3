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
   * {@link SegmentDamage} when the bytes cannot be read.
   */
  read(position: number, length: number, backward?: boolean): Promise<Buffer>;
  close(): Promise<void>;
}

/**
 * Opens a segment file. Rejects with the file system's error (ENOENT when it vanished, e.g.
 * compressed or deleted meanwhile) or {@link SegmentDamage} when a compressed file has no valid
 * seek table.
 */
export async function openSegmentSource(path: string, compressed: boolean): Promise<SegmentSource> {
  const file = await open(path, 'r');
  try {
    const size = (await file.stat()).size;
    return compressed ? await openCompressed(path, file, size) : openPlain(path, file, size);
  } catch (error) {
    await file.close();
    throw error;
  }
}

function openPlain(path: string, file: FileHandle, size: number): SegmentSource {
  let windowStart = 0;
  let window = Buffer.alloc(0);
  return {
    path,
    size,
    async read(position, length, backward = false) {
      const end = Math.min(size, position + length);
      if (end <= position) return Buffer.alloc(0);
      if (position < windowStart || end > windowStart + window.length) {
        const span = Math.max(backward ? BACKWARD_WINDOW_BYTES : FORWARD_WINDOW_BYTES, end - position);
        windowStart = backward ? Math.max(0, end - span) : position;
        const windowEnd = Math.min(size, Math.max(end, windowStart + span));
        const buffer = Buffer.allocUnsafe(windowEnd - windowStart);
        const { bytesRead } = await file.read(buffer, 0, buffer.length, windowStart);
        window = buffer.subarray(0, bytesRead);
      }
      return window.subarray(position - windowStart, Math.min(end, windowStart + window.length) - windowStart);
    },
    close: () => file.close(),
  };
}

async function openCompressed(path: string, file: FileHandle, fileSize: number): Promise<SegmentSource> {
  const table = await readSeekTable(path, file, fileSize);
  let cached: { frame: SeekFrame; data: Buffer } | undefined;

  async function frameData(frame: SeekFrame): Promise<Buffer> {
    if (cached?.frame === frame) return cached.data;
    const compressed = Buffer.allocUnsafe(frame.compressedSize);
    const { bytesRead } = await file.read(compressed, 0, frame.compressedSize, frame.compressedOffset);
    let data: Buffer;
    try {
      if (bytesRead !== frame.compressedSize) throw new Error('the file is shorter than its seek table says');
      data = zstd().decompress(compressed);
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
      for (let index = frameIndex(table, position); index < table.frames.length; index += 1) {
        const frame = table.frames[index] as SeekFrame;
        if (frame.decompressedOffset >= end) break;
        const data = await frameData(frame);
        const from = Math.max(position, frame.decompressedOffset) - frame.decompressedOffset;
        const to = Math.min(end, frame.decompressedOffset + frame.decompressedSize) - frame.decompressedOffset;
        parts.push(data.subarray(from, to));
      }
      return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
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
