import type { Benchmark } from '../harness.js';
import { batchHandover } from './batch-handover.js';
import { cliLatency } from './cli-latency.js';
import { dagReadinessBenchmark } from './dag-readiness.js';
import { dagStoreBenchmark } from './dag-store.js';
import { dashboard } from './dashboard.js';
import { deadlinePrecision } from './deadline-precision.js';
import { mcpNotify } from './mcp-notify.js';
import { metricsSampling } from './metrics-sampling.js';
import { outputCapture } from './output-capture.js';
import { outputCompression } from './output-compression.js';
import { outputFollow } from './output-follow.js';
import { outputPipe } from './output-pipe.js';
import { endToEndBenchmark, recoveryBenchmark, submitBenchmark } from './persistence.js';
import { worktreeCreate } from './worktree-create.js';
import { worktreeTask } from './worktree-task.js';

/**
 * Every benchmark, in the order `pnpm bench` runs them. Add a benchmark by adding its file in
 * this folder and one line here.
 */
export const BENCHMARKS: readonly Benchmark[] = [
  recoveryBenchmark,
  submitBenchmark,
  endToEndBenchmark,
  batchHandover,
  dagStoreBenchmark,
  dagReadinessBenchmark,
  deadlinePrecision,
  outputCapture,
  outputCompression,
  outputFollow,
  outputPipe,
  metricsSampling,
  mcpNotify,
  dashboard,
  worktreeCreate,
  worktreeTask,
  cliLatency,
];
