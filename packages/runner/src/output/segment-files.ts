import { readdir } from 'node:fs/promises';

// A task's log is a sequence of segment files in its directory, each named by the log position
// of its first byte (20 digits, so names sort in log order):
//
//   00000000000000000000.log          being written, or closed and not compressed yet
//   00000000000104857600.log.zst      closed and compressed (seekable zstd, see seekable-zstd.ts)
//
// The directory describes itself: a reader needs nothing else. Before segments existed a log was
// one `output.log`; it reads as the segment starting at 0.

const DIGITS = 20;
const PLAIN = /^(\d{20})\.log$/;
const COMPRESSED = /^(\d{20})\.log\.zst$/;
const LEGACY = 'output.log';

/** Suffix of a compressed segment being written; renamed into place when complete. */
export const TEMPORARY_SUFFIX = '.tmp';

/** One segment file of a task's log. */
export interface SegmentFile {
  /** Log position of the segment's first byte. */
  readonly start: number;
  /** File name inside the task's directory. */
  readonly name: string;
  readonly compressed: boolean;
}

/** The file name of the segment starting at `start`. */
export function segmentFileName(start: number, compressed: boolean): string {
  return `${String(start).padStart(DIGITS, '0')}.log${compressed ? '.zst' : ''}`;
}

/** The segment a file name denotes, or undefined when it is not a segment. */
export function parseSegmentFileName(name: string): SegmentFile | undefined {
  if (name === LEGACY) return { start: 0, name, compressed: false };
  const plain = PLAIN.exec(name);
  if (plain !== null) return { start: Number(plain[1]), name, compressed: false };
  const compressed = COMPRESSED.exec(name);
  if (compressed !== null) return { start: Number(compressed[1]), name, compressed: true };
  return undefined;
}

/** Picks the segments out of a directory listing, in log order. */
export function segmentsOf(names: readonly string[]): SegmentFile[] {
  const byStart = new Map<number, SegmentFile>();
  for (const name of names) {
    const segment = parseSegmentFileName(name);
    if (segment === undefined) continue;
    const existing = byStart.get(segment.start);
    // While a segment is being compressed both files exist for a moment; the compressed one is
    // renamed into place only once complete, so it wins.
    if (existing === undefined || (segment.compressed && !existing.compressed) || existing.name === LEGACY) {
      byStart.set(segment.start, segment);
    }
  }
  return [...byStart.values()].sort((left, right) => left.start - right.start);
}

/** The segments in `directory`, in log order; empty when the directory does not exist. */
export async function listSegments(directory: string): Promise<SegmentFile[]> {
  try {
    return segmentsOf(await readdir(directory));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
