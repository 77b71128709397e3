import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One figure of a benchmark, optionally against a baseline measured in the same run. */
export interface Figure {
  readonly metric: string;
  readonly value: number;
  readonly unit: string;
  /** The same metric for the baseline (raw spawn, plain file write, ...). */
  readonly baseline?: number;
  /** What the baseline is, e.g. "child_process.spawn". */
  readonly baselineLabel?: string;
  /** The target, in words, e.g. ">= 50% of baseline". */
  readonly target?: string;
  /** Whether higher values are better (throughput) or lower (latency); sets the ratio's sense. */
  readonly better?: 'higher' | 'lower';
}

/** A benchmark: a name, and a function that measures and returns its figures. */
export interface Benchmark {
  readonly name: string;
  readonly description: string;
  run(context: BenchContext): Promise<readonly Figure[]>;
}

/** What a benchmark gets: a scratch directory, removed afterwards, and a logger. */
export interface BenchContext {
  readonly scratch: string;
  log(line: string): void;
}

/** The median of `samples` (which need not be sorted). */
export function median(samples: readonly number[]): number {
  return percentile(samples, 50);
}

/** The `p`th percentile (nearest rank) of `samples`. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((left, right) => left - right);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Runs `work` `repeats` times and returns the durations in milliseconds. */
export async function timeRepeated(repeats: number, work: (index: number) => Promise<void> | void): Promise<number[]> {
  const samples: number[] = [];
  for (let index = 0; index < repeats; index += 1) {
    const started = performance.now();
    await work(index);
    samples.push(performance.now() - started);
  }
  return samples;
}

/** Formats a number for the report: 3 significant digits, thousands grouped. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  return Number(value.toPrecision(3)).toString();
}

/** The ratio of a figure to its baseline, as a percentage in the sense that "more is better". */
export function ratioOf(figure: Figure): number | undefined {
  if (figure.baseline === undefined || figure.baseline === 0 || figure.value === 0) return undefined;
  return figure.better === 'lower' ? (figure.baseline / figure.value) * 100 : (figure.value / figure.baseline) * 100;
}

/** Prints a benchmark's figures as a Markdown table (pasted into BENCHMARKS.md). */
export function formatReport(benchmark: Benchmark, figures: readonly Figure[]): string {
  const lines = [
    `### ${benchmark.name}`,
    '',
    benchmark.description,
    '',
    '| metric | value | baseline | ratio | target |',
    '| --- | ---: | ---: | ---: | --- |',
  ];
  for (const figure of figures) {
    const ratio = ratioOf(figure);
    lines.push(
      `| ${figure.metric} | ${formatNumber(figure.value)} ${figure.unit} | ${
        figure.baseline === undefined ? '' : `${formatNumber(figure.baseline)} ${figure.unit} (${figure.baselineLabel ?? 'baseline'})`
      } | ${ratio === undefined ? '' : `${formatNumber(ratio)}%`} | ${figure.target ?? ''} |`,
    );
  }
  return lines.join('\n');
}

/** Runs a benchmark in a fresh scratch directory and returns its report. */
export async function runBenchmark(benchmark: Benchmark): Promise<string> {
  const scratch = mkdtempSync(join(tmpdir(), `claudine-bench-${benchmark.name.replaceAll(/\W+/g, '-')}-`));
  try {
    const figures = await benchmark.run({ scratch, log: (line) => process.stderr.write(`  ${line}\n`) });
    return formatReport(benchmark, figures);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
