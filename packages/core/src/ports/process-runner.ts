import type { AgentReport, FailureReason, Task } from '../task.js';
import type { ProcessIdentity } from './task-store.js';

/** Why a run was asked to stop early. */
export type TerminationReason = 'cancelled' | 'shutdown';

/** Something that happened during a run, reported as it happens. */
export type RunEvent =
  | { readonly kind: 'started'; readonly process: ProcessIdentity; readonly at: number }
  | { readonly kind: 'timeout_warning'; readonly at: number; readonly deadline: number }
  | { readonly kind: 'terminating'; readonly reason: TerminationReason | 'timeout'; readonly at: number };

/** How a run ended. `failure` is null when the agent succeeded. */
export interface RunResult {
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly report: AgentReport | null;
  readonly failure: { readonly reason: FailureReason; readonly detail: string } | null;
  /** True when the agent said the failure is transient (rate limit, overload). */
  readonly transient: boolean;
  readonly outputTruncated: boolean;
}

/** A run in progress. */
export interface RunHandle {
  /** Settles when every process of the run is gone and its output is on disk. Never rejects. */
  readonly done: Promise<RunResult>;
  /** Stops the run: SIGTERM to its process tree, SIGKILL after the grace period. Idempotent. */
  terminate(reason: TerminationReason, detail?: string): void;
}

/** Options for one run. */
export interface RunOptions {
  readonly onEvent?: (event: RunEvent) => void;
}

/**
 * Runs tasks as processes: turns a task into a command line for its agent, spawns it in its own
 * process group, captures its output, enforces its timeout and reads the agent's report.
 */
export interface ProcessRunner {
  start(task: Task, options?: RunOptions): RunHandle;
}
