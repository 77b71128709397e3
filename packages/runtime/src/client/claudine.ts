// What apps use of the runtime: the client interface and its options and outcomes.
import type {
  CancelOutcome,
  DependencyChange,
  NewTaskInput,
  OutputChunk,
  OutputDamage,
  OutputRecord,
  OutputStore,
  OutputStream,
  RetryChange,
  Task,
  TaskAttempt,
  TaskGraph,
  TaskOutputEntry,
  TaskPage,
  TaskQuery,
} from '@claudine/core';
import type { HostRecord, IntegrityReport } from '@claudine/store-sqlite';
import type { Config, ConfigInput, ConfigSources } from '../config/config.js';
import type { DataLayout } from '../config/data-directory.js';
import type { MetricsReader } from '../metrics/client-metrics.js';
import type { BatchTaskInput } from './submit-batch.js';
import type { WorktreeCalls } from './worktrees.js';

/** Options for {@link openClaudine}. */
export interface ClaudineOptions {
  /** The data directory (default: `$CLAUDINE_HOME` or the platform data dir). */
  readonly home?: string;
  /**
   * The environment the client reads `CLAUDINE_*` settings from and submits tasks with: each
   * task it submits runs with these variables (default `process.env`), whatever the host's are.
   */
  readonly environment?: Readonly<Record<string, string | undefined>>;
  /** Settings that take precedence over the file and the environment (command-line flags). */
  readonly overrides?: ConfigInput;
  /**
   * Start a detached host when none runs and there is work for one (default true): when a task
   * is submitted, and when a read (`get`, `list`, ...) finds queued or running tasks with no live
   * host, so that recovery and timeouts resume without waiting for the next submission.
   */
  readonly autoStartHost?: boolean;
}

/** What {@link Claudine.submit} did. */
export interface SubmitOutcome {
  /** The stored task; its id is on disk. */
  readonly task: Task;
  /** True when this call started a host for it. */
  readonly hostStarted: boolean;
  /** Why no host could be started, if one could not (the task stays queued). */
  readonly hostError: string | null;
  /** What the user should know about the submission (a worktree task's checkout has uncommitted changes, ...). */
  readonly warnings: readonly string[];
}

/** What {@link Claudine.cancel} did, and whether a host will carry it out. */
export type CancelResult = CancelOutcome & {
  /**
   * For a running task: true when its host is gone, so no one was there to stop it. A host is
   * started then (its recovery records the task `cancelled`); a cancel is never undone.
   */
  readonly hostGone: boolean;
  /** True when this call started a host to carry the cancel out. */
  readonly hostStarted: boolean;
  /** Why no host could be started, if one was needed and could not be (the cancel stays requested). */
  readonly hostError: string | null;
};

/** Whether a host runs for the data directory. */
export interface HostStatus {
  readonly running: boolean;
  readonly host: HostRecord | null;
}

/** Options for {@link Claudine.waitForTask}. */
export interface WaitOptions {
  /** Called whenever the task is re-read (at least once a second). */
  readonly onUpdate?: (task: Task) => void;
  /** Return the task as it is once this much time has passed. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** Options for {@link Claudine.followOutput}. */
export interface FollowOptions {
  readonly streams?: readonly OutputStream[];
  /** Start here (default: the beginning). */
  readonly offset?: number;
  /** Stop following: the task is returned as it is (what was delivered stays delivered). */
  readonly signal?: AbortSignal;
  /** Told once about each missing or damaged part of the log that was skipped. */
  readonly onDamage?: (damage: OutputDamage) => void;
  /** Deliver what is stored now and stop, without waiting for the task to finish. */
  readonly stopAtEnd?: boolean;
}

/**
 * What the CLI and the MCP server use: submit tasks, read their state and output, cancel them,
 * wait for them. A client never runs tasks itself; it starts a host when needed.
 */
export interface Claudine extends WorktreeCalls {
  readonly layout: DataLayout;
  readonly config: Config;
  readonly configSources: ConfigSources;
  /** Reads task output (any task, running or finished). */
  readonly output: OutputStore;
  /** Reads metrics: what tasks consumed, the system now, and its history. */
  readonly metrics: MetricsReader;
  /** Validates and stores a task, wakes (or starts) the host. Throws `invalid_input` or `not_found`. */
  submit(input: NewTaskInput): Promise<SubmitOutcome>;
  /**
   * Validates and stores several tasks in one transaction (all or none), then wakes the host.
   * Much faster than one `submit` each: one fsync for the batch. A task's `dependsOn` may give
   * the `name` of another task of the batch besides real ids (see {@link BatchTaskInput}).
   * Returns the tasks in the order given. Throws `invalid_input` naming the task (its `label`)
   * and the field, `dependency_cycle` naming the cycle, `not_found` for an unknown id.
   */
  submitMany(inputs: readonly BatchTaskInput[]): Promise<readonly Task[]>;
  /** The task with this id; throws `not_found`. */
  get(id: string): Promise<Task>;
  list(query?: TaskQuery): Promise<TaskPage>;
  /** Every recorded run of the task (retries included), first first; throws `not_found`. */
  attempts(id: string): Promise<TaskAttempt[]>;
  /**
   * Cancels a queued task, or asks the host to stop a running one (durably: a host that dies
   * first leaves it to the next one's recovery, which records it cancelled). When the running
   * task's host is gone, starts one. Throws when the task is finished.
   */
  cancel(id: string, reason?: string): Promise<CancelResult>;
  /**
   * Runs a failed or cancelled task again, re-queuing with it the dependents that ended only
   * because of it. Throws `illegal_transition` for a task that did not fail, `conflict` while one
   * of its own dependencies still ends it. With `change.prompt`, it runs with those instructions
   * instead of its own (they replace its prompt); `invalid_input` for an empty or oversized one.
   */
  retry(id: string, change?: RetryChange): Promise<Task>;
  /**
   * The whole prompt the task's agent received at its last start: its own, with its
   * dependencies' results when `passDependencyResults` added them. Its own prompt before it
   * started. Throws `not_found`.
   */
  receivedPrompt(id: string): Promise<string>;
  /**
   * Continues a claude task's conversation: submits a new claude task that resumes the session
   * the earlier one reported (`--resume`), with `instructions` as its prompt, in the same working
   * directory and with the same agent options unless `overrides` says otherwise. Throws
   * `invalid_input` for a task that is not a claude task or has no session yet.
   */
  resume(id: string, instructions: string, overrides?: Partial<NewTaskInput>): Promise<SubmitOutcome>;
  /**
   * Adds and removes dependencies of a queued task, all or nothing. Throws `dependency_cycle`
   * (naming the cycle), `not_found` for unknown ids, `conflict` once the task has started.
   */
  updateDependencies(id: string, change: DependencyChange): Promise<Task>;
  /** The workflow of `id` (tasks linked to it by dependencies), or the active workflows. */
  graph(id?: string, options?: { readonly limit?: number }): Promise<TaskGraph>;
  /** Resolves when the task is finished (or the wait times out / is aborted: then as it is). */
  waitForTask(id: string, options?: WaitOptions): Promise<Task>;
  /**
   * Calls `onRecords` with output as it arrives (within a fraction of a second: the log directory
   * is watched, and polled as a fallback), until the task is finished and all its output read.
   * When `onRecords` returns a promise, nothing more is read until it settles (backpressure).
   */
  followOutput(id: string, onRecords: (records: readonly OutputRecord[]) => void | Promise<void>, options?: FollowOptions): Promise<Task>;
  /**
   * {@link Claudine.followOutput} with the bytes the task wrote instead of text, for copying
   * output elsewhere unaltered (`claudine logs`, `run --wait`). The chunks' bytes are valid only
   * until `onChunks` returns (or its promise settles): the next read reuses their memory, so
   * following gigabytes allocates nothing per read. Copy what you keep.
   */
  followOutputBytes(id: string, onChunks: (chunks: readonly OutputChunk[]) => void | Promise<void>, options?: FollowOptions): Promise<Task>;
  /** What is known about a task's stored output (sizes, segments, truncation, deletion). */
  outputInfo(id: string): Promise<TaskOutputEntry | undefined>;
  hostStatus(): Promise<HostStatus>;
  /**
   * The ids of the tasks among `tasks` that are `running` but whose host is gone (it crashed):
   * no one watches them until a host recovers them. Reads each owner once.
   */
  orphanedIds(tasks: readonly Task[]): Promise<ReadonlySet<string>>;
  /** Checks the database (`claudine db check`). */
  checkDatabase(): Promise<IntegrityReport>;
  /** Writes a consistent copy of the database to `destination` (`claudine db backup`). */
  backupDatabase(destination: string): Promise<{ path: string; bytes: number }>;
  /** Deletes tasks that finished before `finishedBefore`, with their output (`claudine db prune`). */
  pruneTasks(finishedBefore: number): Promise<number>;
  /** Starts a host if none runs. */
  ensureHost(): Promise<{ started: boolean; host: HostRecord }>;
  close(): void;
}
