import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { compressSegment, createFileOutputStore, createTaskLogWriter, listSegments } from '@claudine/runner';
import { type Benchmark, type Figure, median, percentile, timeRepeated } from '../harness.js';
import { benchWorkdir, startBenchHost } from '../support/bench-host.js';
import { buildLog } from '../support/generated-output.js';
import { seededRandom } from '../support/seeded-random.js';

const MIB = 1024 ** 2;
const LINES = 150;
// Prints the time, LINES times, 20 ms apart: each line says when it was printed.
const TICKER = `node -e "let n = 0; const timer = setInterval(() => { console.log(Date.now()); if (++n >= ${LINES}) clearInterval(timer); }, 20)"`;

function latencies(texts: readonly string[], receivedAt: number, into: number[]): void {
  for (const line of texts.join('').split('\n')) if (/^\d{13}$/.test(line)) into.push(receivedAt - Number(line));
}

/** Latency of reading a task's stdout straight from its pipe: the floor for any follower. */
function pipeLatencies(): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const samples: number[] = [];
    const child = spawn('/bin/sh', ['-c', TICKER], { stdio: ['ignore', 'pipe', 'inherit'] });
    let partial = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      latencies([lines.join('\n')], Date.now(), samples);
    });
    child.on('error', reject);
    child.on('close', () => resolve(samples));
  });
}

/**
 * How soon a follower in another process sees output (`claudine logs -f` does this), idle and
 * while another task floods the host; and how long reads of a large log take, plain and
 * compressed.
 */
export const outputFollow: Benchmark = {
  name: 'output-follow',
  description:
    'Follow latency: a task prints the time every 20 ms (150 lines); a client in the benchmark process follows it through a real host (followOutput: file events, 250 ms poll as fallback) and measures print-to-receipt, against reading the same program straight from its pipe. Read latency: tail and reads at random positions of a 512 MiB log of build output, compressed against plain.',
  async run({ scratch, log }) {
    const workdir = benchWorkdir(scratch);
    const figures: Figure[] = [];
    const direct = await pipeLatencies();

    const host = await startBenchHost(join(scratch, 'home'), { CLAUDINE_CONCURRENCY: '4' }, workdir);
    try {
      const follow = async (): Promise<number[]> => {
        const samples: number[] = [];
        const { task } = await host.claudine.submit({ prompt: TICKER, agent: 'command', cwd: workdir });
        await host.claudine.followOutput(
          task.id,
          (records) =>
            latencies(
              records.map((record) => record.text),
              Date.now(),
              samples,
            ),
          {
            streams: ['stdout'],
          },
        );
        return samples;
      };
      const idle = await follow();
      // The same while another task prints 1 GiB as fast as it can.
      const flood = host.run("yes '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.' | head -c 1073741824");
      const loaded = await follow();
      host.removeLog(await flood);
      log(`follow: ${idle.length} lines idle, ${loaded.length} under load; pipe ${direct.length}`);
      for (const [label, samples] of [
        ['idle host', idle],
        ['while another task prints 1 GiB', loaded],
      ] as const) {
        figures.push(
          {
            metric: `follow latency, median (${label})`,
            value: median(samples),
            unit: 'ms',
            baseline: median(direct),
            baselineLabel: 'straight from the pipe',
            better: 'lower',
          },
          {
            metric: `follow latency, 95th percentile (${label})`,
            value: percentile(samples, 95),
            unit: 'ms',
            baseline: percentile(direct, 95),
            baselineLabel: 'straight from the pipe',
            target: '< 1000 ms',
            better: 'lower',
          },
        );
      }
    } finally {
      await host.stop();
    }

    // Read latency on a large log, before and after compression.
    const logs = join(scratch, 'logs');
    const writer = createTaskLogWriter({ directory: join(logs, 'big'), taskId: 'big' });
    const chunk = buildLog(4 * MIB);
    for (let written = 0; written < 512 * MIB; written += chunk.length) {
      for (let start = 0; start < chunk.length; start += 64 * 1024) {
        if (!writer.write('stdout', chunk.subarray(start, start + 64 * 1024)))
          await new Promise<void>((resolve) => writer.onDrain(resolve));
      }
    }
    const { endOffset } = await writer.close();
    const store = createFileOutputStore(logs);
    const measureReads = async () => {
      const random = seededRandom(7);
      const tail = await timeRepeated(20, async () => void (await store.tail('big', 50)));
      const reads = await timeRepeated(
        50,
        async () => void (await store.read('big', { offset: Math.floor(random() * endOffset), maxBytes: 64 * 1024 })),
      );
      return { tail, reads };
    };
    const plain = await measureReads();
    const directory = join(logs, 'big');
    const segments = await listSegments(directory);
    for (const [index, segment] of segments.entries()) {
      const next = segments[index + 1];
      await compressSegment(directory, segment, next === undefined ? undefined : next.start - segment.start);
    }
    const compressed = await measureReads();
    figures.push(
      {
        metric: 'tail 50 lines of a 512 MiB log, compressed',
        value: median(compressed.tail),
        unit: 'ms',
        baseline: median(plain.tail),
        baselineLabel: 'the same log uncompressed',
        better: 'lower',
      },
      {
        metric: 'read 64 KiB at a random position of a 512 MiB log, compressed',
        value: median(compressed.reads),
        unit: 'ms',
        baseline: median(plain.reads),
        baselineLabel: 'the same log uncompressed',
        better: 'lower',
      },
    );
    return figures;
  },
};
