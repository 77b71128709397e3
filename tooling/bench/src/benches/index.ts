import type { Benchmark } from '../harness.js';
import { dagMemoryBenchmark } from './dag-memory.js';
import { dagReadinessBenchmark } from './dag-readiness.js';
import { dagStoreBenchmark } from './dag-store.js';
import { endToEndBenchmark, recoveryBenchmark, submitBenchmark } from './persistence.js';

/**
 * Every benchmark, in the order `pnpm bench` runs them. Add a benchmark by adding its file in
 * this folder and one line here.
 */
export const BENCHMARKS: readonly Benchmark[] = [
  recoveryBenchmark,
  submitBenchmark,
  endToEndBenchmark,
  dagMemoryBenchmark,
  dagStoreBenchmark,
  dagReadinessBenchmark,
];
