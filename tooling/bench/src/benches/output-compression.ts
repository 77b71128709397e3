import { statSync } from 'node:fs';
import { join } from 'node:path';
import { compressSegment, createFileOutputStore, createTaskLogWriter, listSegments } from '@claudine/runner';
import { Compressor } from 'zstd-napi';
import { type Benchmark, type Figure, median, timeRepeated } from '../harness.js';
import { buildLog, streamJsonTranscript } from '../support/generated-output.js';

const MIB = 1024 ** 2;
const CORPUS_BYTES = 64 * MIB;
const REPEATS = 3;

async function writeLog(logs: string, taskId: string, data: Buffer): Promise<void> {
  const writer = createTaskLogWriter({ directory: join(logs, taskId), taskId, segmentBytes: 16 * MIB });
  // 64 KiB at a time, as a pipe delivers it; wait when the writer asks to.
  for (let start = 0; start < data.length; start += 64 * 1024) {
    if (!writer.write('stdout', data.subarray(start, start + 64 * 1024))) await new Promise<void>((resolve) => writer.onDrain(resolve));
  }
  await writer.close();
}

async function readWhole(logs: string, taskId: string): Promise<number> {
  const store = createFileOutputStore(logs);
  let offset = 0;
  let bytes = 0;
  for (;;) {
    const slice = await store.read(taskId, { offset, maxBytes: 4 * MIB });
    for (const record of slice.records) bytes += record.text.length;
    offset = slice.nextOffset;
    if (slice.atEnd) return bytes;
  }
}

/**
 * Compression of closed segments on output like real tasks print: a Claude stream-json
 * transcript and build/test logs, 64 MiB each, as 16 MiB segments compressed into seekable
 * zstd (1 MiB frames, each checked by decompressing it), against zstd compressing the same bytes
 * in one frame; and reading the whole log back, compressed against plain.
 */
export const outputCompression: Benchmark = {
  name: 'output-compression',
  description:
    'Compressing closed log segments (seekable zstd, level 3, 1 MiB frames, each frame verified by decompressing it) on 64 MiB of generated Claude stream-json and of build/test logs, against zstd-napi compressing the same raw bytes in one frame; then reading the whole log back through the output store, compressed against plain.',
  async run({ scratch, log }) {
    const figures: Figure[] = [];
    const oneShot = new Compressor();
    oneShot.setParameters({ compressionLevel: 3 });
    for (const [label, data] of [
      ['agent transcript (stream-json)', streamJsonTranscript(CORPUS_BYTES)],
      ['build logs', buildLog(CORPUS_BYTES)],
    ] as const) {
      let stored = 0;
      let logBytes = 0;
      let readPlain: number[] = [];
      const readCompressed: number[] = [];
      const compressTimes: number[] = [];
      for (let repeat = 0; repeat < REPEATS; repeat += 1) {
        const logs = join(scratch, `${label.split(' ')[0]}-${repeat}`);
        await writeLog(logs, 'task', data);
        const directory = join(logs, 'task');
        const segments = await listSegments(directory);
        logBytes = segments.reduce((sum, segment) => sum + statSync(join(directory, segment.name)).size, 0);
        readPlain = [...readPlain, ...(await timeRepeated(1, async () => void (await readWhole(logs, 'task'))))];
        const started = performance.now();
        stored = 0;
        for (const [index, segment] of segments.entries()) {
          const next = segments[index + 1];
          const done = await compressSegment(directory, segment, next === undefined ? undefined : next.start - segment.start);
          stored += done?.storedBytes ?? 0;
        }
        compressTimes.push(performance.now() - started);
        readCompressed.push(...(await timeRepeated(1, async () => void (await readWhole(logs, 'task')))));
      }
      const oneShotTimes: number[] = [];
      let oneShotSize = 0;
      for (let repeat = 0; repeat < REPEATS; repeat += 1) {
        const started = performance.now();
        oneShotSize = oneShot.compress(data).length;
        oneShotTimes.push(performance.now() - started);
      }
      log(`${label}: ${logBytes} log bytes -> ${stored} stored; one frame: ${data.length} -> ${oneShotSize}`);
      const rate = (bytes: number, ms: number) => bytes / MIB / (ms / 1000);
      figures.push(
        {
          metric: `${label}: compression ratio`,
          value: logBytes / stored,
          unit: 'x',
          baseline: data.length / oneShotSize,
          baselineLabel: 'zstd, one frame',
          better: 'higher',
        },
        {
          metric: `${label}: compression speed`,
          value: rate(logBytes, median(compressTimes)),
          unit: 'MiB/s',
          baseline: rate(data.length, median(oneShotTimes)),
          baselineLabel: 'zstd, one frame, in memory',
          better: 'higher',
        },
        {
          metric: `${label}: reading the whole log back`,
          value: rate(logBytes, median(readCompressed)),
          unit: 'MiB/s',
          baseline: rate(logBytes, median(readPlain)),
          baselineLabel: 'the same log uncompressed',
          better: 'higher',
        },
      );
    }
    return figures;
  },
};
