import { createRequire } from 'node:module';
import { ClaudineError } from '@claudine/core';

/** The parts of zstd-napi Claudine uses. */
export interface Zstd {
  /** Decompresses whole frames into a new buffer. Throws on damaged input. */
  decompress(data: Uint8Array): Buffer;
  /**
   * Decompresses whole frames into `target` (which must hold them) and returns the bytes
   * written: for readers that reuse one buffer instead of allocating one per frame. Throws on
   * damaged input or when `target` is too small.
   */
  decompressInto(target: Uint8Array, data: Uint8Array): number;
  /** A compressor that reuses its buffers: for compressing many frames without garbage. */
  createFrameCompressor(maxFrameBytes: number): FrameCompressor;
}

/** Compresses one frame at a time into buffers it reuses. */
export interface FrameCompressor {
  /**
   * Compresses `data` (at most the size given at creation) into one zstd frame with its content
   * size and a checksum, decompresses it again and checks it matches. The result is valid until
   * the next call. Throws when the round trip fails.
   */
  compressChecked(data: Uint8Array): Buffer;
}

const LEVEL = 3;
let loaded: Zstd | undefined;

type Binding = typeof import('zstd-napi/binding.js');

/**
 * zstd-napi, loaded on first use: a process that never touches a compressed log never loads the
 * native addon. Throws `output_failed` saying how to fix a missing or unbuilt addon.
 */
export function zstd(): Zstd {
  if (loaded !== undefined) return loaded;
  let binding: Binding;
  let module: typeof import('zstd-napi');
  try {
    const require = createRequire(import.meta.url);
    module = require('zstd-napi') as typeof import('zstd-napi');
    binding = require('zstd-napi/binding.js') as Binding;
  } catch (error) {
    throw new ClaudineError(
      'output_failed',
      `The zstd library (zstd-napi) could not be loaded: ${(error as Error).message}. Reinstall Claudine so its native addon is built (it needs a C++ compiler where no prebuilt binary fits).`,
      { cause: error },
    );
  }
  const decompressor = new module.Decompressor();
  const context = new binding.DCtx();
  loaded = {
    decompress: (data) => decompressor.decompress(data),
    decompressInto: (target, data) => context.decompress(target, data),
    createFrameCompressor(maxFrameBytes) {
      const compressor = new binding.CCtx();
      compressor.setParameter(binding.CParameter.compressionLevel, LEVEL);
      compressor.setParameter(binding.CParameter.checksumFlag, 1);
      compressor.setParameter(binding.CParameter.contentSizeFlag, 1);
      const checker = new binding.DCtx();
      const output = Buffer.allocUnsafe(binding.compressBound(maxFrameBytes));
      const check = Buffer.allocUnsafe(maxFrameBytes);
      return {
        compressChecked(data) {
          const size = compressor.compress2(output, data);
          const frame = output.subarray(0, size);
          const restored = checker.decompress(check, frame);
          if (restored !== data.length || !check.subarray(0, restored).equals(data)) {
            throw new Error('a compressed frame did not decompress to its input');
          }
          return frame;
        },
      };
    },
  };
  return loaded;
}
