import {
  ClaudineError,
  OUTPUT_STREAMS,
  type OutputByteReadOptions,
  type OutputChunk,
  type OutputSlice,
  type OutputStore,
  type OutputTailOptions,
} from '@claudine/core';
import { MAX_FRAME_BYTES } from './compress-segment.js';
import { MAX_RECORD_PAYLOAD_BYTES } from './log-format.js';
import { taskLogDirectory } from './log-paths.js';
import { decodeText, retryWhenMoved } from './log-reading.js';
import { readBackward } from './read-backward.js';
import { readForward } from './read-forward.js';
import type { SegmentScratch } from './segment-source.js';

const DEFAULT_MAX_BYTES = 1024 * 1024;

// Concurrent reads into callers' buffers beyond this many allocate scratch that is not kept.
const MAX_POOLED_SCRATCH = 2;

/**
 * The {@link OutputStore} over the segmented logs written by the task log writer. Works from any
 * process while the task runs or after; compressed segments are read transparently; a record
 * still being written at the end is left for the next read. A missing or damaged segment is
 * skipped and reported in the slice's `damage`, so the rest of the log stays readable.
 */
export function createFileOutputStore(logsDirectory: string): OutputStore {
  // Scratch buffers of reads into a caller's buffer, kept for the next such read.
  const scratchPool: SegmentScratch[] = [];
  const readBytes = async (taskId: string, options: OutputByteReadOptions = {}): Promise<OutputSlice<OutputChunk>> => {
    const directory = taskLogDirectory(logsDirectory, taskId);
    const offset = options.offset ?? 0;
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw new ClaudineError('invalid_input', `The offset ${offset} is not a log position: pass 0 or a nextOffset from an earlier read.`);
    }
    const streams = new Set(options.streams ?? OUTPUT_STREAMS);
    const maxBytes = Math.max(1, options.maxBytes ?? DEFAULT_MAX_BYTES);
    const buffer = options.buffer;
    if (buffer === undefined) return retryWhenMoved(() => readForward(taskId, directory, offset, streams, maxBytes));
    if (buffer.length < MAX_RECORD_PAYLOAD_BYTES) {
      throw new ClaudineError(
        'invalid_input',
        `A buffer to read output into must hold at least ${MAX_RECORD_PAYLOAD_BYTES} bytes (the largest record); this one holds ${buffer.length}.`,
      );
    }
    const scratch = scratchPool.pop() ?? { window: Buffer.allocUnsafe(MAX_FRAME_BYTES), frame: Buffer.allocUnsafe(MAX_FRAME_BYTES) };
    try {
      return await retryWhenMoved(() => readForward(taskId, directory, offset, streams, maxBytes, { buffer, used: 0 }, scratch));
    } finally {
      if (scratchPool.length < MAX_POOLED_SCRATCH) scratchPool.push(scratch);
    }
  };
  return {
    readBytes,

    async read(taskId, options) {
      const slice = await readBytes(taskId, options);
      return { ...slice, records: decodeText(slice.records) };
    },

    async tail(taskId, lines, options: OutputTailOptions = {}) {
      const directory = taskLogDirectory(logsDirectory, taskId);
      const streams = new Set(options.streams ?? OUTPUT_STREAMS);
      return retryWhenMoved(() => readBackward(taskId, directory, lines, streams, options.before));
    },
  };
}
