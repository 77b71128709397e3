import { createRequire } from 'node:module';
import { ClaudineError } from '@claudine/core';

/** The parts of zstd-napi Claudine uses. */
export interface Zstd {
  /** Compresses `data` into one zstd frame (with content size and checksum). */
  compress(data: Uint8Array): Buffer;
  /** Decompresses one or more whole frames. Throws on damaged input. */
  decompress(data: Uint8Array): Buffer;
}

const LEVEL = 3;
let loaded: Zstd | undefined;

/**
 * zstd-napi, loaded on first use: a process that never touches a compressed log never loads the
 * native addon. Throws `output_failed` saying how to fix a missing or unbuilt addon.
 */
export function zstd(): Zstd {
  if (loaded !== undefined) return loaded;
  let module: typeof import('zstd-napi');
  try {
    module = createRequire(import.meta.url)('zstd-napi') as typeof import('zstd-napi');
  } catch (error) {
    throw new ClaudineError(
      'output_failed',
      `The zstd library (zstd-napi) could not be loaded: ${(error as Error).message}. Reinstall Claudine so its native addon is built (it needs a C++ compiler where no prebuilt binary fits).`,
      { cause: error },
    );
  }
  const compressor = new module.Compressor();
  compressor.setParameters({ compressionLevel: LEVEL, checksumFlag: true, contentSizeFlag: true });
  const decompressor = new module.Decompressor();
  loaded = {
    compress: (data) => compressor.compress(data),
    decompress: (data) => decompressor.decompress(data),
  };
  return loaded;
}
