import type { ProcessRunner } from '@claudine/core';
import {
  createClaudeAgent,
  createCodexAgent,
  createCommandAgent,
  createFileOutputStore,
  createProcessRunner,
  type NodeProcessRunner,
  type OutputMaintenance,
} from '@claudine/runner';
import type { SqliteTaskStore } from '@claudine/store-sqlite';
import type { Workspace } from '@claudine/workspace';
import { withSubmitterEnvironment } from '../client/submitter-environment.js';
import type { Config } from '../config/config.js';
import type { DataLayout } from '../config/data-directory.js';
import type { HostMetrics } from '../metrics/host-metrics.js';
import { withDependencyResults } from './dependency-results.js';
import { withSessionContinuation } from './session-continuation.js';
import { withTaskWorktrees } from './task-worktrees.js';

/** Options for {@link createHostRunner}. */
export interface HostRunnerOptions {
  readonly config: Config;
  readonly layout: DataLayout;
  readonly store: SqliteTaskStore;
  readonly metrics: HostMetrics;
  readonly maintenance: OutputMaintenance;
  /** The host's environment, where a submitter's stored one leaves gaps. */
  readonly environment: Readonly<Record<string, string | undefined>>;
  /** Where worktree tasks' worktrees are made and committed. */
  readonly workspace: Workspace;
  readonly log: (line: string) => void;
}

/** How the host runs a task: the process runner, and what the scheduler calls. */
export interface HostRunner {
  /** The process runner itself (to kill every task's processes at once). */
  readonly processes: NodeProcessRunner;
  /** The runner the claim loop calls: measured, with dependency results, session continuation and the submitter's environment. */
  readonly run: ProcessRunner;
}

/** Builds the host's runner from the settings, each run's output recorded in the store's catalog. */
export function createHostRunner(options: HostRunnerOptions): HostRunner {
  const { config, layout, store, metrics, maintenance, log } = options;
  const outputCatalog = store.outputCatalog();
  const processes = createProcessRunner({
    logsDirectory: layout.logs,
    // Each run gets its submitter's environment (withSubmitterEnvironment); the host's own
    // is never a task's.
    environment: {},
    killGraceMs: config.timeout.killGrace,
    warnAtFraction: config.timeout.warnAt,
    maxBufferedOutputBytes: config.output.bufferBytes,
    segmentBytes: config.output.segmentBytes,
    maxOutputBytesPerTask: config.output.maxBytesPerTask,
    // Each task's own cgroup, where the host may create one: metrics read it, the runner kills it.
    cgroups: { reserve: (taskId) => metrics.sampler.reserveCgroup(taskId) },
    onOutputEvent(event) {
      outputCatalog
        .record(event)
        .catch((error: unknown) => log(`could not record the output of task ${event.taskId}: ${(error as Error).message}`));
      if (event.kind === 'segment_closed') maintenance.segmentClosed(event.taskId, event.segment);
    },
    agents: {
      claude: createClaudeAgent({ command: config.agents.claude.command }),
      codex: createCodexAgent({ command: config.agents.codex.command }),
      command: createCommandAgent({ shell: config.agents.command.shell }),
    },
  });
  const run = metrics.measure(
    withDependencyResults(
      withSessionContinuation(
        withSubmitterEnvironment(
          withTaskWorktrees(processes, {
            store,
            workspace: options.workspace,
            logsDirectory: layout.logs,
            onOutputEvent: (event) =>
              void outputCatalog
                .record(event)
                .catch((error: unknown) => log(`could not record the output of task ${event.taskId}: ${(error as Error).message}`)),
            killGraceMs: config.timeout.killGrace,
            log,
          }),
          {
            read: (taskId) => store.taskEnvironment(taskId),
            hostEnvironment: options.environment,
            claudineVariables: { CLAUDINE_HOME: layout.root },
            log,
          },
        ),
      ),
      { store, output: createFileOutputStore(layout.logs), recordPrompt: (taskId, prompt) => store.recordReceivedPrompt(taskId, prompt) },
    ),
  );
  return { processes, run };
}
