// Compressed segments use zstd's seekable format (zstd/contrib/seekable_format): the data is
// cut into independent frames of about 1 MiB, followed by a skippable frame holding a seek table,
// so a reader decompresses only the frame it needs. Any zstd tool still decompresses the file
// whole (`zstd -dc`), skipping the table.
//
//   frames...   | 0x184D2A5E | table size | per frame: compressed u32, decompressed u32 |
//               | frame count u32 | descriptor u8 (0: no checksums) | 0x8F92EAB1 |

const SKIPPABLE_MAGIC = 0x184d2a5e;
const SEEKABLE_MAGIC = 0x8f92eab1;
const FOOTER_BYTES = 9;
const SKIPPABLE_HEADER_BYTES = 8;
const CHECKSUM_FLAG = 0x80;

/** Where one frame of a seekable file lies, compressed and decompressed. */
export interface SeekFrame {
  readonly compressedOffset: number;
  readonly compressedSize: number;
  readonly decompressedOffset: number;
  readonly decompressedSize: number;
}

/** The frames of a seekable file and its decompressed size. */
export interface SeekTable {
  readonly frames: readonly SeekFrame[];
  readonly decompressedSize: number;
  /** Bytes the seek table takes at the end of the file. */
  readonly tableBytes: number;
}

/** Encodes the seek table frame for frames of the given sizes. */
export function encodeSeekTable(frames: ReadonlyArray<{ compressedSize: number; decompressedSize: number }>): Buffer {
  const tableSize = frames.length * 8 + FOOTER_BYTES;
  const buffer = Buffer.alloc(SKIPPABLE_HEADER_BYTES + tableSize);
  buffer.writeUInt32LE(SKIPPABLE_MAGIC, 0);
  buffer.writeUInt32LE(tableSize, 4);
  let position = SKIPPABLE_HEADER_BYTES;
  for (const frame of frames) {
    buffer.writeUInt32LE(frame.compressedSize, position);
    buffer.writeUInt32LE(frame.decompressedSize, position + 4);
    position += 8;
  }
  buffer.writeUInt32LE(frames.length, position);
  buffer.writeUInt8(0, position + 4);
  buffer.writeUInt32LE(SEEKABLE_MAGIC, position + 5);
  return buffer;
}

/** Bytes to read from the end of a file to get its footer. */
export const SEEK_FOOTER_BYTES = FOOTER_BYTES;

/**
 * From the last {@link SEEK_FOOTER_BYTES} of a file, how many bytes the whole table takes (its
 * frame included); undefined when the file does not end with a seek table.
 */
export function seekTableLength(footer: Buffer): number | undefined {
  if (footer.length !== FOOTER_BYTES || footer.readUInt32LE(5) !== SEEKABLE_MAGIC) return undefined;
  const descriptor = footer.readUInt8(4);
  if ((descriptor & 0x7f) !== 0) return undefined;
  const entryBytes = (descriptor & CHECKSUM_FLAG) === 0 ? 8 : 12;
  return SKIPPABLE_HEADER_BYTES + footer.readUInt32LE(0) * entryBytes + FOOTER_BYTES;
}

/**
 * Decodes the table at the end of a file of `fileSize` bytes (`table` is its last
 * {@link seekTableLength} bytes). Undefined when it is inconsistent with the file.
 */
export function decodeSeekTable(table: Buffer, fileSize: number): SeekTable | undefined {
  if (table.length < SKIPPABLE_HEADER_BYTES + FOOTER_BYTES) return undefined;
  if (table.readUInt32LE(0) !== SKIPPABLE_MAGIC || table.readUInt32LE(4) !== table.length - SKIPPABLE_HEADER_BYTES) return undefined;
  const footer = table.subarray(table.length - FOOTER_BYTES);
  const count = footer.readUInt32LE(0);
  const entryBytes = (footer.readUInt8(4) & CHECKSUM_FLAG) === 0 ? 8 : 12;
  const frames: SeekFrame[] = [];
  let compressedOffset = 0;
  let decompressedOffset = 0;
  for (let index = 0; index < count; index += 1) {
    const position = SKIPPABLE_HEADER_BYTES + index * entryBytes;
    const compressedSize = table.readUInt32LE(position);
    const decompressedSize = table.readUInt32LE(position + 4);
    frames.push({ compressedOffset, compressedSize, decompressedOffset, decompressedSize });
    compressedOffset += compressedSize;
    decompressedOffset += decompressedSize;
  }
  if (compressedOffset + table.length !== fileSize) return undefined;
  return { frames, decompressedSize: decompressedOffset, tableBytes: table.length };
}
