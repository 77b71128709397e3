import type { Benchmark } from '../harness.js';
import { outputCapture } from './output-capture.js';
import { outputCompression } from './output-compression.js';
import { outputFollow } from './output-follow.js';

/**
 * Every benchmark, in the order `pnpm bench` runs them. Add a benchmark by adding its file in
 * this folder and one line here.
 */
export const BENCHMARKS: readonly Benchmark[] = [outputCapture, outputCompression, outputFollow];
