import {
  decodeHeader,
  MAX_RECORD_PAYLOAD_BYTES,
  RECORD_HEADER_BYTES,
  RECORD_OVERHEAD_BYTES,
  RECORD_TRAILER_BYTES,
  type RecordHeader,
} from './log-format.js';
import type { SegmentSource } from './segment-source.js';

/** A record located in a segment: header fields and where it lies (positions in the segment). */
export interface LocatedRecord extends RecordHeader {
  readonly start: number;
  readonly end: number;
}

/** What lies at a position of a segment. */
export type RecordStep =
  | { readonly kind: 'record'; readonly record: LocatedRecord }
  /** The position is the bound: nothing more. */
  | { readonly kind: 'end' }
  /** The bytes stop inside a record (one being written, or cut off). */
  | { readonly kind: 'incomplete' }
  /** No record starts here: the segment is damaged. */
  | { readonly kind: 'invalid' };

/** The record starting at `position`, reading no further than `bound`. */
export async function recordAt(source: SegmentSource, position: number, bound: number): Promise<RecordStep> {
  if (position >= bound) return { kind: 'end' };
  const header = await source.read(position, RECORD_HEADER_BYTES);
  if (header.length < RECORD_HEADER_BYTES) return position + header.length >= bound ? { kind: 'incomplete' } : { kind: 'invalid' };
  const decoded = decodeHeader(header);
  if (decoded === undefined) return { kind: 'invalid' };
  const end = position + RECORD_OVERHEAD_BYTES + decoded.length;
  if (end > bound) return { kind: 'incomplete' };
  const trailer = await source.read(end - RECORD_TRAILER_BYTES, RECORD_TRAILER_BYTES);
  if (trailer.length < RECORD_TRAILER_BYTES) return { kind: 'incomplete' };
  if (trailer.readUInt32LE(0) !== decoded.length) return { kind: 'invalid' };
  return { kind: 'record', record: { ...decoded, start: position, end } };
}

/** The record ending at `end`, or undefined when the bytes there are not a record's end. */
export async function recordBefore(source: SegmentSource, end: number): Promise<LocatedRecord | undefined> {
  if (end < RECORD_OVERHEAD_BYTES) return undefined;
  const trailer = await source.read(end - RECORD_TRAILER_BYTES, RECORD_TRAILER_BYTES, true);
  if (trailer.length < RECORD_TRAILER_BYTES) return undefined;
  const length = trailer.readUInt32LE(0);
  const start = end - RECORD_OVERHEAD_BYTES - length;
  if (length > MAX_RECORD_PAYLOAD_BYTES || start < 0) return undefined;
  const header = decodeHeader(await source.read(start, RECORD_HEADER_BYTES, true));
  if (header === undefined || header.length !== length) return undefined;
  return { ...header, start, end };
}

/**
 * Where the last complete record at or before `bound` ends: `bound` itself unless the segment is
 * being written (or was cut off) in the middle of a record. Looks back at most one record's
 * length, so it stays cheap on large segments; a damaged segment falls back to a forward scan.
 */
export async function lastCompleteRecordEnd(source: SegmentSource, bound: number): Promise<number> {
  const limit = Math.min(bound, source.size);
  if (limit === 0) return 0;
  if ((await recordBefore(source, limit)) !== undefined) return limit;
  // Search the last record's worth of bytes in memory for the end of a complete record. A
  // candidate must be confirmed by the record before it too, so that payload bytes that happen
  // to look like framing are not taken for a record boundary.
  const earliest = Math.max(0, limit - RECORD_OVERHEAD_BYTES - MAX_RECORD_PAYLOAD_BYTES);
  // A copy: the source may reuse its buffer for the reads made while these bytes are searched.
  const bytes = Buffer.from(await source.read(earliest, limit - earliest, true));
  const recordEndingAt = (end: number): number | undefined => {
    const relative = end - earliest;
    if (relative < RECORD_OVERHEAD_BYTES || relative > bytes.length) return undefined;
    const length = bytes.readUInt32LE(relative - RECORD_TRAILER_BYTES);
    const start = relative - RECORD_OVERHEAD_BYTES - length;
    if (length > MAX_RECORD_PAYLOAD_BYTES || start < 0) return undefined;
    const header = decodeHeader(bytes, start);
    return header !== undefined && header.length === length ? start + earliest : undefined;
  };
  for (let end = limit - 1; end >= earliest + RECORD_OVERHEAD_BYTES; end -= 1) {
    const start = recordEndingAt(end);
    if (start === undefined) continue;
    if (start === 0 || recordEndingAt(start) !== undefined || (await recordBefore(source, start)) !== undefined) return end;
  }
  let position = 0;
  for (;;) {
    const step = await recordAt(source, position, limit);
    if (step.kind !== 'record') return position;
    position = step.record.end;
  }
}
