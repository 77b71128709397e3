import type { AgentReport, FailureReason, Task } from '../task.js';
import type { ProcessIdentity } from './task-store.js';

/** Why a run was asked to stop early. */
export type TerminationReason = 'cancelled' | 'shutdown';

/** Something that happened during a run, reported as it happens. */
export type RunEvent =
  | { readonly kind: 'started'; readonly process: ProcessIdentity; readonly at: number }
  | { readonly kind: 'timeout_warning'; readonly at: number; readonly deadline: number }
  /**
   * The agent announced its session (Claude's stream-json init event, Codex's thread id): raised
   * as soon as it is known, so that a run cut short by a crash can still be continued.
   */
  | { readonly kind: 'session'; readonly sessionId: string; readonly at: number }
  | { readonly kind: 'terminating'; readonly reason: TerminationReason | 'timeout'; readonly at: number };

/**
 * How Claudine stopped a run's processes, when it did: on timeout, cancel or shutdown, or to
 * clean up what the agent left running when it exited (`leftovers`). Times are ms since the
 * epoch.
 */
export interface RunTermination {
  readonly reason: TerminationReason | 'timeout' | 'leftovers';
  /** The deadline that passed, for a timeout; null otherwise. */
  readonly deadline: number | null;
  /** When SIGTERM was sent. */
  readonly termAt: number;
  /** When SIGKILL was sent; null when every process left within the grace period. */
  readonly killAt: number | null;
  /** When no process of the run was left. */
  readonly goneAt: number;
  /** Processes that got SIGTERM, and how many of them had left the run's process group. */
  readonly terminated: number;
  readonly outsideGroup: number;
  /** Processes that got SIGKILL. */
  readonly killed: number;
  /** Processes that outlived SIGKILL (not ours to kill, or stuck): normally empty. */
  readonly survivors: readonly ProcessIdentity[];
}

/** How a run ended. `failure` is null when the agent succeeded. */
export interface RunResult {
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly report: AgentReport | null;
  readonly failure: { readonly reason: FailureReason; readonly detail: string } | null;
  /** True when the agent said the failure is transient (rate limit, overload). */
  readonly transient: boolean;
  readonly outputTruncated: boolean;
  /** How its processes were stopped, if Claudine stopped any. */
  readonly termination: RunTermination | null;
}

/**
 * The result of a run whose agent never started: a failure for `reason` (by default a
 * `spawn_error`) with `detail`, no exit and nothing to retry.
 */
export function notStartedResult(detail: string, reason: FailureReason = 'spawn_error'): RunResult {
  return {
    exitCode: null,
    signal: null,
    report: null,
    failure: { reason, detail },
    transient: false,
    outputTruncated: false,
    termination: null,
  };
}

/** A run in progress. */
export interface RunHandle {
  /** Settles when every process of the run is gone and its output is on disk. Never rejects. */
  readonly done: Promise<RunResult>;
  /** Stops the run: SIGTERM to its process tree, SIGKILL after the grace period. Idempotent. */
  terminate(reason: TerminationReason, detail?: string): void;
  /**
   * The run's processes as last sampled: its process group and every descendant, including
   * ones that left the group. For resource sampling; empty once the run is over.
   */
  processes(): readonly ProcessIdentity[];
}

/** Options for one run. */
export interface RunOptions {
  readonly onEvent?: (event: RunEvent) => void;
  /**
   * The environment the run's processes start from (its submitter's), instead of the runner's
   * own; the agent adds the task's `env` and Claudine's variables on top.
   */
  readonly environment?: Readonly<Record<string, string | undefined>>;
}

/**
 * Runs tasks as processes: turns a task into a command line for its agent, spawns it in its own
 * process group, captures its output, enforces its timeout and reads the agent's report.
 */
export interface ProcessRunner {
  start(task: Task, options?: RunOptions): RunHandle;
}
