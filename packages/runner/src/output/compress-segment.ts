import { open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { lastCompleteRecordEnd, recordAt } from './record-scan.js';
import { encodeSeekTable } from './seekable-zstd.js';
import { type SegmentFile, segmentFileName, TEMPORARY_SUFFIX } from './segment-files.js';
import { openSegmentSource } from './segment-source.js';
import { zstd } from './zstd.js';

// Frames of about 1 MiB: a reader decompresses at most this much to reach any record, and the
// ratio is within 2% of compressing the segment whole (see BENCHMARKS.md).
const FRAME_BYTES = 1024 * 1024;

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
 * (the original is left as it is).
 */
export async function compressSegment(
  directory: string,
  segment: SegmentFile,
  limit = Number.POSITIVE_INFINITY,
): Promise<CompressedSegment | undefined> {
  const path = join(directory, segment.name);
  const source = await openSegmentSource(path, false);
  const name = segmentFileName(segment.start, true);
  const temporary = join(directory, `${name}${TEMPORARY_SUFFIX}`);
  let end: number;
  let written = 0;
  try {
    end = await lastCompleteRecordEnd(source, Math.min(limit, source.size));
    if (end === 0) {
      await unlink(path);
      return undefined;
    }
    const output = await open(temporary, 'w', 0o600);
    const frames: Array<{ compressedSize: number; decompressedSize: number }> = [];
    try {
      let position = 0;
      while (position < end) {
        let cut = position;
        while (cut < end && cut - position < FRAME_BYTES) {
          const step = await recordAt(source, cut, end);
          if (step.kind !== 'record') throw new Error(`${path} is damaged at byte ${cut}; it was left uncompressed`);
          cut = step.record.end;
        }
        const data = await source.read(position, cut - position);
        const compressed = zstd().compress(data);
        if (!zstd().decompress(compressed).equals(data))
          throw new Error(`compressing ${path} did not round-trip; it was left uncompressed`);
        await output.write(compressed, 0, compressed.length, written);
        written += compressed.length;
        frames.push({ compressedSize: compressed.length, decompressedSize: data.length });
        position = cut;
      }
      const table = encodeSeekTable(frames);
      await output.write(table, 0, table.length, written);
      written += table.length;
      await output.sync();
    } finally {
      await output.close();
    }
  } catch (error) {
    await unlink(temporary).catch(() => {});
    throw error;
  } finally {
    await source.close();
  }
  await rename(temporary, join(directory, name));
  await unlink(path).catch(() => {});
  return { name, logBytes: end, storedBytes: written };
}
