import type { AgentKind, OutputEvent, ProcessRunner, RunHandle, RunOptions, RunResult, Task } from '@claudine/core';
import type { Agent } from './agents/agent.js';
import { createClaudeAgent } from './agents/claude-agent.js';
import { createCodexAgent } from './agents/codex-agent.js';
import { createCommandAgent } from './agents/command-agent.js';
import type { LogFileSystem } from './output/log-file-system.js';
import { createProcessTreeWatcher, type ProcessTreeWatcher } from './process/process-tree-watcher.js';
import type { RunCgroups } from './process/run-cgroups.js';
import { TaskRun } from './run/task-run.js';

/** Settings of {@link createProcessRunner}. */
export interface ProcessRunnerOptions {
  /** Where task logs go (one directory per task). */
  readonly logsDirectory: string;
  /** Agent adapters by kind; defaults run `claude`, `codex` and `/bin/sh` from PATH. */
  readonly agents?: Partial<Record<AgentKind, Agent>>;
  /**
   * Environment the agents start from (default `process.env`), as it is when the runner is
   * created; a run given its own (`RunOptions.environment`) uses that instead.
   */
  readonly environment?: Readonly<Record<string, string | undefined>>;
  /** Time between SIGTERM and SIGKILL (default 5000 ms). */
  readonly killGraceMs?: number;
  /** Fraction of the timeout at which a warning is given (default 0.9). */
  readonly warnAtFraction?: number;
  /** Output held in memory per task before the pipe is paused (default 1 MiB). */
  readonly maxBufferedOutputBytes?: number;
  /**
   * Tracks every task's process tree (default: a watcher sampling every 500 ms). Share one to
   * sample trees for other purposes without a second scan.
   */
  readonly treeWatcher?: ProcessTreeWatcher;
  /** Size at which a task's log rolls into a new segment (default 100 MiB). */
  readonly segmentBytes?: number;
  /** Cap on a task's whole log; output beyond it is dropped and counted (default 10 GiB). */
  readonly maxOutputBytesPerTask?: number;
  /** Told when a log segment is opened or closed and when a run's capture ends. Must not throw. */
  readonly onOutputEvent?: (event: OutputEvent) => void;
  /** File operations of the log writer (tests inject failures). */
  readonly logFileSystem?: LogFileSystem;
  /**
   * A cgroup of its own for each run, where the caller may create them (a host wires its
   * metrics' task cgroups): the agent enters it before it runs, its members are the task's
   * processes, and the end of a grace period kills it whole. Without it, runs are tracked
   * through /proc alone.
   */
  readonly cgroups?: RunCgroups;
  readonly now?: () => number;
}

/** The {@link ProcessRunner} of this package, with what a host needs on its way out. */
export interface NodeProcessRunner extends ProcessRunner {
  /**
   * Freezes and SIGKILLs every process of every run at once, synchronously: for a host that
   * must exit now (a second Ctrl-C, a crash). The runs then settle as their processes go.
   */
  killAll(): void;
}

/**
 * The {@link ProcessRunner} on Node child processes. Each task runs in its own process group
 * (its own session), and in its own cgroup when given {@link ProcessRunnerOptions.cgroups}; its
 * whole process tree is tracked, including processes that leave the group; its stdout and
 * stderr go to its log with backpressure; its timeout, a cancel or a shutdown sends SIGTERM to
 * the tree and SIGKILL after the grace period; when the agent exits, whatever it left running
 * is stopped the same way, so no orphan outlives its task.
 */
export function createProcessRunner(options: ProcessRunnerOptions): NodeProcessRunner {
  const agents: Record<AgentKind, Agent> = {
    claude: options.agents?.claude ?? createClaudeAgent(),
    codex: options.agents?.codex ?? createCodexAgent(),
    command: options.agents?.command ?? createCommandAgent(),
  };
  const context = {
    // A plain copy, taken once: every task's environment starts from it, and copying
    // `process.env` (each variable a call into the runtime) per task would cost more.
    environment: { ...(options.environment ?? process.env) },
    graceMs: options.killGraceMs ?? 5000,
    warnAt: options.warnAtFraction ?? 0.9,
    now: options.now ?? Date.now,
    watcher: options.treeWatcher ?? createProcessTreeWatcher(),
    logsDirectory: options.logsDirectory,
    output: {
      ...(options.maxBufferedOutputBytes === undefined ? {} : { maxBufferedBytes: options.maxBufferedOutputBytes }),
      ...(options.segmentBytes === undefined ? {} : { segmentBytes: options.segmentBytes }),
      ...(options.maxOutputBytesPerTask === undefined ? {} : { maxLogBytes: options.maxOutputBytesPerTask }),
      ...(options.logFileSystem === undefined ? {} : { fileSystem: options.logFileSystem }),
      ...(options.onOutputEvent === undefined ? {} : { onEvent: options.onOutputEvent }),
    },
    cgroups: options.cgroups,
  };
  const runs = new Set<TaskRun>();

  return {
    killAll() {
      for (const run of runs) run.killNow();
    },
    start(task: Task, runOptions: RunOptions = {}): RunHandle {
      let settle: (result: RunResult) => void = () => {};
      const done = new Promise<RunResult>((resolve) => {
        settle = resolve;
      });
      // A run given its submitter's environment starts from that instead of the runner's own.
      const runContext = runOptions.environment === undefined ? context : { ...context, environment: runOptions.environment };
      const run = new TaskRun(task, agents[task.agent], runContext, runOptions.onEvent ?? (() => {}), (result) => {
        runs.delete(run);
        settle(result);
      });
      runs.add(run);
      run.begin();
      return {
        done,
        terminate(reason, detail) {
          run.terminate(reason, detail);
        },
        processes() {
          return run.processes();
        },
      };
    },
  };
}
