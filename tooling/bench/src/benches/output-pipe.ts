import { spawn } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compressSegment, listSegments } from '@claudine/runner';
import { type Benchmark, type Figure, median } from '../harness.js';
import { benchWorkdir, startBenchHost } from '../support/bench-host.js';
import { buildLog } from '../support/generated-output.js';
import { processMemory } from '../support/process-memory.js';

const cliPath = fileURLToPath(new URL('../../../../apps/cli/bin/claudine.cjs', import.meta.url));
const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
const REPEATS = 3;

/** How a copy into `wc -c` went: wall time, bytes counted, the writer's peak RSS. */
interface PipeRun {
  readonly ms: number;
  readonly bytes: number;
  readonly peakRss: number;
}

/**
 * Runs `argv` with its stdout piped into `wc -c` (as `argv | wc -c` in a shell), timing from
 * the writer's start to wc's end and sampling the writer's peak resident memory (VmHWM).
 */
function pipeIntoWc(argv: readonly string[], environment: NodeJS.ProcessEnv): Promise<PipeRun> {
  return new Promise((resolve, reject) => {
    const wc = spawn('wc', ['-c'], { stdio: ['pipe', 'pipe', 'inherit'] });
    let counted = '';
    wc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      counted += chunk;
    });
    const started = performance.now();
    const writer = spawn(argv[0] as string, argv.slice(1), { stdio: ['ignore', wc.stdin, 'inherit'], env: environment });
    // The writer holds the pipe now: wc sees its end when the writer exits.
    wc.stdin.destroy();
    let peakRss = 0;
    const sample = (): void => {
      try {
        peakRss = Math.max(peakRss, processMemory(writer.pid as number).peak);
      } catch {
        // It has exited.
      }
    };
    const sampler = setInterval(sample, 20);
    let writerCode: number | null = null;
    writer.on('error', reject);
    writer.on('exit', (code) => {
      writerCode = code;
    });
    wc.on('error', reject);
    wc.on('close', () => {
      const ms = performance.now() - started;
      clearInterval(sampler);
      if (writerCode !== 0 && writerCode !== null) reject(new Error(`${argv.join(' ')} exited with ${writerCode}`));
      else resolve({ ms, bytes: Number(counted.trim()), peakRss });
    });
  });
}

/** Writes `bytes` of build output to `path`, ending in the middle of a line as a task may. */
function writeOutputFile(path: string, bytes: number): void {
  const chunk = buildLog(4 * MIB);
  const file = openSync(path, 'w');
  try {
    let written = 0;
    while (written < bytes) {
      const part = chunk.subarray(0, Math.min(chunk.length, bytes - written));
      writeSync(file, part);
      written += part.length;
    }
  } finally {
    closeSync(file);
  }
}

/**
 * `claudine logs --stdout ID | wc -c` on a 1 GiB log, plain and compressed, against `cat` of
 * the same bytes into `wc -c` in the same run; the CLI's peak memory against the CLI doing
 * nothing (`claudine --version`).
 */
export const outputPipe: Benchmark = {
  name: 'output-pipe',
  description:
    "A task prints 1 GiB of build output (`cat` of a generated file) through a real host into 100 MiB segments; then the built CLI copies its log to a pipe, `claudine logs --stdout ID | wc -c`, with the segments plain and then compressed (zstd, as the host compresses them), against `cat FILE | wc -c` of the same bytes, timed in the same run (median of 3). Memory is the CLI's peak RSS (VmHWM from /proc, sampled every 20 ms) against `claudine --version`.",
  async run({ scratch, log }) {
    const workdir = benchWorkdir(scratch);
    const home = join(scratch, 'home');
    const file = join(workdir, 'output.txt');
    writeOutputFile(file, GIB);
    const environment = { ...process.env, CLAUDINE_HOME: home, NO_COLOR: '1' };

    const host = await startBenchHost(home, {}, workdir);
    let id: string;
    try {
      const task = await host.run('cat output.txt');
      id = task.id;
    } finally {
      await host.stop();
    }
    const idle = await pipeIntoWc([process.execPath, cliPath, '--version'], environment);

    const measure = async (label: string): Promise<{ cli: PipeRun[]; cat: PipeRun[] }> => {
      const cli: PipeRun[] = [];
      const cat: PipeRun[] = [];
      for (let repeat = 0; repeat < REPEATS; repeat += 1) {
        cat.push(await pipeIntoWc(['cat', file], environment));
        const run = await pipeIntoWc([process.execPath, cliPath, 'logs', '--stdout', id], environment);
        if (run.bytes !== GIB) throw new Error(`claudine logs printed ${run.bytes} bytes, not ${GIB}`);
        cli.push(run);
        log(
          `${label}: cat ${Math.round(cat.at(-1)?.ms ?? 0)} ms, claudine logs ${Math.round(run.ms)} ms, peak RSS ${Math.round(run.peakRss / MIB)} MiB`,
        );
      }
      return { cli, cat };
    };
    const plain = await measure('plain');
    const directory = join(home, 'logs', id);
    const segments = await listSegments(directory);
    for (const [index, segment] of segments.entries()) {
      const next = segments[index + 1];
      await compressSegment(directory, segment, next === undefined ? undefined : next.start - segment.start);
    }
    const compressed = await measure('compressed');

    const mibPerSecond = (runs: readonly PipeRun[]) => GIB / MIB / (median(runs.map((run) => run.ms)) / 1000);
    const figures: Figure[] = [];
    for (const [label, runs] of [
      ['plain segments', plain],
      ['compressed segments', compressed],
    ] as const) {
      figures.push(
        {
          metric: `claudine logs --stdout into a pipe (wc -c), 1 GiB log, ${label}`,
          value: mibPerSecond(runs.cli),
          unit: 'MiB/s',
          baseline: mibPerSecond(runs.cat),
          baselineLabel: 'cat into the same pipe',
          target: '>= 100 MiB/s',
          better: 'higher',
        },
        {
          metric: `CLI peak RSS while copying, ${label}`,
          value: Math.max(...runs.cli.map((run) => run.peakRss)) / MIB,
          unit: 'MiB',
          baseline: idle.peakRss / MIB,
          baselineLabel: 'claudine --version',
          target: '< 200 MiB',
          better: 'lower',
        },
      );
    }
    return figures;
  },
};
