import { open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeHeader, MAX_RECORD_PAYLOAD_BYTES, RECORD_OVERHEAD_BYTES, RECORD_TRAILER_BYTES } from './log-format.js';
import { lastCompleteRecordEnd } from './record-scan.js';
import { encodeSeekTable } from './seekable-zstd.js';
import { type SegmentFile, segmentFileName, TEMPORARY_SUFFIX } from './segment-files.js';
import { openSegmentSource } from './segment-source.js';
import { type FrameCompressor, zstd } from './zstd.js';

// Frames of about 1 MiB: a reader decompresses at most this much to reach any record, and the
// ratio stays close to compressing the segment whole (BENCHMARKS.md, output-compression).
const FRAME_BYTES = 1024 * 1024;
/** Most log bytes one compressed frame holds: whole records, at most 1 MiB or one larger record. */
export const MAX_FRAME_BYTES = FRAME_BYTES + MAX_RECORD_PAYLOAD_BYTES + RECORD_OVERHEAD_BYTES;

// One compressor and one buffer serve every compression in a process (a host compresses one
// segment at a time); a second compression running meanwhile gets its own.
let shared: { compressor: FrameCompressor; buffer: Buffer } | undefined;
let sharedInUse = false;

function takeWorkspace(): { compressor: FrameCompressor; buffer: Buffer; release(): void } {
  if (!sharedInUse) {
    shared ??= { compressor: zstd().createFrameCompressor(MAX_FRAME_BYTES), buffer: Buffer.allocUnsafe(MAX_FRAME_BYTES) };
    sharedInUse = true;
    return { ...shared, release: () => (sharedInUse = false) };
  }
  return { compressor: zstd().createFrameCompressor(MAX_FRAME_BYTES), buffer: Buffer.allocUnsafe(MAX_FRAME_BYTES), release: () => {} };
}

/** A segment after compression. */
export interface CompressedSegment {
  /** The compressed file's name. */
  readonly name: string;
  /** Log bytes it holds. */
  readonly logBytes: number;
  /** Its size on disk. */
  readonly storedBytes: number;
}

/**
 * Compresses a closed segment into a seekable zstd file next to it, then removes the original.
 * Frames are cut at record boundaries, each is checked by decompressing it before it is kept,
 * and the file only takes its final name once complete, so a reader sees either the plain
 * segment or the whole compressed one. `limit` (the next segment's start, relative) bounds what
 * is taken from a segment that was cut off in a crash. A segment without a whole record is
 * simply removed (undefined is returned). Throws on I/O errors and when the segment is damaged
 * (the original is left as it is). Its buffers (about 6 MiB) and zstd contexts are reused from
 * one segment to the next, so compressing gigabytes leaves no garbage in a busy host.
 */
export async function compressSegment(
  directory: string,
  segment: SegmentFile,
  limit = Number.POSITIVE_INFINITY,
): Promise<CompressedSegment | undefined> {
  const path = join(directory, segment.name);
  const name = segmentFileName(segment.start, true);
  const temporary = join(directory, `${name}${TEMPORARY_SUFFIX}`);
  const source = await openSegmentSource(path, false);
  let end: number;
  try {
    end = await lastCompleteRecordEnd(source, Math.min(limit, source.size));
  } finally {
    await source.close();
  }
  if (end === 0) {
    await unlink(path);
    return undefined;
  }
  const input = await open(path, 'r');
  const output = await open(temporary, 'w', 0o600);
  const { compressor, buffer, release } = takeWorkspace();
  let written = 0;
  try {
    const frames: Array<{ compressedSize: number; decompressedSize: number }> = [];
    let position = 0;
    while (position < end) {
      const { bytesRead } = await input.read(buffer, 0, Math.min(MAX_FRAME_BYTES, end - position), position);
      const cut = frameEnd(buffer.subarray(0, bytesRead));
      if (cut === 0) throw new Error(`${path} is damaged at byte ${position}; it was left uncompressed`);
      const frame = compressor.compressChecked(buffer.subarray(0, cut));
      await output.write(frame, 0, frame.length, written);
      written += frame.length;
      frames.push({ compressedSize: frame.length, decompressedSize: cut });
      position += cut;
    }
    const table = encodeSeekTable(frames);
    await output.write(table, 0, table.length, written);
    written += table.length;
    await output.sync();
  } catch (error) {
    await output.close();
    await unlink(temporary).catch(() => {});
    throw error;
  } finally {
    release();
    await input.close();
  }
  await output.close();
  await rename(temporary, join(directory, name));
  await unlink(path).catch(() => {});
  return { name, logBytes: end, storedBytes: written };
}

// Where the whole records at the start of `bytes` end, taking records up to FRAME_BYTES (at
// least one); 0 when the bytes do not start with a whole, valid record.
function frameEnd(bytes: Buffer): number {
  let cut = 0;
  while (cut === 0 || cut < FRAME_BYTES) {
    const header = decodeHeader(bytes, cut);
    if (header === undefined) break;
    const next = cut + RECORD_OVERHEAD_BYTES + header.length;
    if (next > bytes.length || bytes.readUInt32LE(next - RECORD_TRAILER_BYTES) !== header.length) break;
    if (cut > 0 && next > FRAME_BYTES) break;
    cut = next;
    if (cut === bytes.length) break;
  }
  return cut;
}
