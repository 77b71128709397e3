import type { OutputStream } from '@claudine/core';

// A task log is a sequence of records, each framed so that it can be read forwards and
// backwards and so that a torn write at the end is recognised rather than misread:
//
//   offset 0  u8   magic 0xC1
//          1  u8   stream: 0 stdout, 1 stderr, 2 system
//          2  u16  reserved, 0
//          4  u32  payload length (little endian)
//          8  f64  capture time, ms since the epoch (little endian)
//         16  ...  payload bytes
//   16 + n    u32  payload length again (lets tail() walk backwards)

/** Bytes of framing before the payload. */
export const RECORD_HEADER_BYTES = 16;
/** Bytes of framing after the payload. */
export const RECORD_TRAILER_BYTES = 4;
/** Framing bytes per record. */
export const RECORD_OVERHEAD_BYTES = RECORD_HEADER_BYTES + RECORD_TRAILER_BYTES;
/**
 * Largest payload of one record. Writers split bigger chunks, so a reader looking for the last
 * complete record never searches further back than this, and a header claiming more is damage.
 */
export const MAX_RECORD_PAYLOAD_BYTES = 1024 * 1024;

const MAGIC = 0xc1;
const STREAM_CODES: Readonly<Record<OutputStream, number>> = { stdout: 0, stderr: 1, system: 2 };
const STREAMS: readonly OutputStream[] = ['stdout', 'stderr', 'system'];

/** A decoded record header. */
export interface RecordHeader {
  readonly stream: OutputStream;
  readonly length: number;
  readonly time: number;
}

/** Frames one record. */
export function encodeRecord(stream: OutputStream, time: number, payload: Uint8Array): Buffer {
  const record = Buffer.allocUnsafe(RECORD_OVERHEAD_BYTES + payload.length);
  record.writeUInt8(MAGIC, 0);
  record.writeUInt8(STREAM_CODES[stream], 1);
  record.writeUInt16LE(0, 2);
  record.writeUInt32LE(payload.length, 4);
  record.writeDoubleLE(time, 8);
  record.set(payload, RECORD_HEADER_BYTES);
  record.writeUInt32LE(payload.length, RECORD_HEADER_BYTES + payload.length);
  return record;
}

/** Frames a header for a payload written separately (avoids copying large chunks). */
export function encodeHeader(stream: OutputStream, time: number, length: number): Buffer {
  const header = Buffer.allocUnsafe(RECORD_HEADER_BYTES);
  header.writeUInt8(MAGIC, 0);
  header.writeUInt8(STREAM_CODES[stream], 1);
  header.writeUInt16LE(0, 2);
  header.writeUInt32LE(length, 4);
  header.writeDoubleLE(time, 8);
  return header;
}

/** Frames the trailer that follows a payload of `length` bytes. */
export function encodeTrailer(length: number): Buffer {
  const trailer = Buffer.allocUnsafe(RECORD_TRAILER_BYTES);
  trailer.writeUInt32LE(length, 0);
  return trailer;
}

/** Decodes a header; undefined when the bytes are not a record header (corruption). */
export function decodeHeader(buffer: Buffer, offset = 0): RecordHeader | undefined {
  if (buffer.length - offset < RECORD_HEADER_BYTES) return undefined;
  if (buffer.readUInt8(offset) !== MAGIC || buffer.readUInt16LE(offset + 2) !== 0) return undefined;
  const stream = STREAMS[buffer.readUInt8(offset + 1)];
  if (stream === undefined) return undefined;
  const length = buffer.readUInt32LE(offset + 4);
  if (length > MAX_RECORD_PAYLOAD_BYTES) return undefined;
  return { stream, length, time: buffer.readDoubleLE(offset + 8) };
}
