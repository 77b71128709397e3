import type { Benchmark } from '../harness.js';
import { metricsSampling } from './metrics-sampling.js';

/**
 * Every benchmark, in the order `pnpm bench` runs them. Add a benchmark by adding its file in
 * this folder and one line here.
 */
export const BENCHMARKS: readonly Benchmark[] = [metricsSampling];
