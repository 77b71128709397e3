// A worktree task's run: its worktree made (or found again) and set up before the agent starts,
// the agent run in it, and what the agent left committed on its branch when the run ends.
import {
  notStartedResult,
  type OutputEvent,
  type ProcessRunner,
  type RunHandle,
  type RunResult,
  type Task,
  type TaskStore,
  type TerminationReason,
} from '@claudine/core';
import { createTaskLogWriter, taskLogDirectory } from '@claudine/runner';
import { runSetupCommand, type Workspace } from '@claudine/workspace';
import { deferredRunHandle, unstarted } from './deferred-run-handle.js';

/** What {@link withTaskWorktrees} needs. */
export interface TaskWorktreesOptions {
  readonly store: Pick<TaskStore, 'get' | 'recordWorktreeBase' | 'recordWorktreeResult' | 'recordWorktreeRemoved'>;
  readonly workspace: Workspace;
  /** The data directory's `logs/`: the setup command's output goes to the task's log. */
  readonly logsDirectory: string;
  /** Told about the segments of the task's log written here, as the runner's are. */
  readonly onOutputEvent: (event: OutputEvent) => void;
  readonly killGraceMs: number;
  readonly log: (line: string) => void;
}

type Stored = TaskWorktreesOptions['store'];

/**
 * Wraps a runner so that a task with a worktree runs in it: before the agent starts, the worktree
 * is made from the recorded base (a stacked task's base is the head of the task below, taken
 * now), its `.worktreeinclude` files copied and submodules initialised, and the setup command
 * run with its output in the task's log; the agent then runs in the same subdirectory of the
 * worktree as the task's cwd. If any of that fails the run fails with `setup_failed`, never in
 * the shared checkout. When the run ends, in any state, what the agent left is committed on the
 * task's branch and the result recorded. Tasks without a worktree pass through.
 */
export function withTaskWorktrees(runner: ProcessRunner, options: TaskWorktreesOptions): ProcessRunner {
  return {
    start(task, runOptions = {}): RunHandle {
      const worktree = task.worktree;
      if (worktree === null) return runner.start(task, runOptions);
      const abort = new AbortController();
      let stopped: TerminationReason | undefined;
      let baseCommit = worktree.request.baseCommit;
      let created = false;
      const prepare = (async (): Promise<{ readonly start: Task } | { readonly refuse: RunResult }> => {
        try {
          baseCommit = await stackedBase(task, options.store, options.log);
          const made = await options.workspace.createWorktree({
            repository: worktree.request.repository,
            path: worktree.path,
            branch: worktree.request.branch,
            baseCommit,
            relativeCwd: worktree.request.relativeCwd,
          });
          if (!made.ok) return { refuse: notStartedResult(`its worktree could not be made: ${made.error.message}`, 'setup_failed') };
          created = true;
          if (worktree.removedAt !== null) await options.store.recordWorktreeRemoved(task.id, null, Date.now());
          const setup = worktree.setup;
          // A worktree found as it was left (a resumed or recovered task) is already set up.
          if (setup !== null && made.value.placement !== 'reused') {
            const environment = { ...definedOnly(runOptions.environment ?? {}), ...(task.agentOptions.env ?? {}) };
            const failure = await runSetup(task, setup, made.value.path, environment, abort.signal, options);
            if (stopped !== undefined) return { refuse: unstarted(stopped) };
            if (failure !== null) return { refuse: notStartedResult(failure, 'setup_failed') };
          }
          if (stopped !== undefined) return { refuse: unstarted(stopped) };
          return { start: { ...task, cwd: made.value.cwd } };
        } catch (error) {
          // Never the fallback of a deferred run: that would run the agent in the shared checkout.
          return { refuse: notStartedResult(`its worktree could not be prepared: ${(error as Error).message}`, 'setup_failed') };
        }
      })();
      const inner = deferredRunHandle(prepare, (effective) => runner.start(effective, runOptions), task);
      const done = inner.done.then(async (result) => {
        if (created)
          await commitTaskWorktree({ ...task, worktree: { ...worktree, request: { ...worktree.request, baseCommit } } }, options);
        return result;
      });
      return {
        done,
        terminate(reason, detail) {
          stopped ??= reason;
          abort.abort();
          inner.terminate(reason, detail);
        },
        processes: () => inner.processes(),
      };
    },
  };
}

/** What {@link commitTaskWorktree} needs. */
export interface CommitWorktreeOptions {
  readonly store: Pick<TaskStore, 'recordWorktreeResult'>;
  readonly workspace: Pick<Workspace, 'commitLeftovers'>;
  readonly log: (line: string) => void;
}

/**
 * Commits what the agent of a worktree task left (tracked changes and untracked files that are
 * not ignored) on its branch, with a message naming the task, and records the branch's head and
 * its change against the base. Called at the end of every run and by recovery before a crashed
 * task is retried or failed; the task's processes must be gone. Never throws: a worktree deleted
 * by hand is logged (its branch holds what was committed before).
 */
export async function commitTaskWorktree(task: Task, options: CommitWorktreeOptions): Promise<void> {
  const worktree = task.worktree;
  if (worktree === null || worktree.removedAt !== null) return;
  try {
    const committed = await options.workspace.commitLeftovers({
      path: worktree.path,
      branch: worktree.request.branch,
      baseCommit: worktree.request.baseCommit,
      message: `Claudine task ${task.id}: what its agent left uncommitted\n\n${firstLine(task.prompt)}\n\nClaudine-Task: ${task.id}`,
    });
    if (!committed.ok) {
      options.log(`task ${task.id}: nothing committed from its worktree: ${committed.error.message}`);
      return;
    }
    const changes = committed.value;
    await options.store.recordWorktreeResult(
      task.id,
      { headCommit: changes.head, filesChanged: changes.files.length, insertions: changes.insertions, deletions: changes.deletions },
      Date.now(),
    );
    if (changes.committed) options.log(`task ${task.id}: what its agent left is committed on ${worktree.request.branch} (${changes.head})`);
  } catch (error) {
    options.log(`task ${task.id}: could not commit what its agent left in ${worktree.path}: ${(error as Error).message}`);
  }
}

// A stacked task starts from the head its task below ended with, once that one ended; the base
// recorded at submit was only the best known then.
async function stackedBase(task: Task, store: Stored, log: (line: string) => void): Promise<string> {
  const worktree = task.worktree;
  if (worktree === null) throw new Error('no worktree');
  if (worktree.stackedOn === null) return worktree.request.baseCommit;
  const below = await store.get(worktree.stackedOn);
  const head = below?.worktree?.result?.headCommit;
  if (head === undefined || head === worktree.request.baseCommit) return worktree.request.baseCommit;
  await store.recordWorktreeBase(task.id, head, Date.now());
  log(`task ${task.id} starts from ${head}, the head of task ${worktree.stackedOn} it is stacked on`);
  return head;
}

async function runSetup(
  task: Task,
  command: string,
  cwd: string,
  environment: Record<string, string>,
  signal: AbortSignal,
  options: TaskWorktreesOptions,
): Promise<string | null> {
  const log = createTaskLogWriter({
    directory: taskLogDirectory(options.logsDirectory, task.id),
    taskId: task.id,
    onEvent: options.onOutputEvent,
  });
  log.note(`worktree setup: ${command}`);
  // The setup counts against the task's time: a hung install must not hold its slot for ever.
  const timeout = AbortSignal.timeout(task.timeoutMs);
  try {
    const outcome = await runSetupCommand({
      command,
      cwd,
      env: environment,
      signal: AbortSignal.any([signal, timeout]),
      killGraceMs: options.killGraceMs,
      onOutput: (stream, chunk) => void log.write(stream, chunk),
    });
    if (outcome.aborted) {
      log.note('worktree setup stopped');
      return timeout.aborted ? `the setup command \`${command}\` did not finish within the task's timeout` : 'the setup was stopped';
    }
    if (outcome.exitCode === 0) {
      log.note('worktree setup done');
      return null;
    }
    const how = outcome.exitCode === null ? `was killed by ${outcome.signal}` : `exited with code ${outcome.exitCode}`;
    log.note(`worktree setup failed: it ${how}`);
    return `the setup command \`${command}\` ${how}; its output is in the task's log`;
  } catch (error) {
    return `the setup command \`${command}\` could not start: ${(error as Error).message}`;
  } finally {
    await log.close();
  }
}

function definedOnly(environment: Readonly<Record<string, string | undefined>>): Record<string, string> {
  return Object.fromEntries(Object.entries(environment).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

function firstLine(prompt: string): string {
  const line = prompt.trim().split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}
