import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessRunner, RunResult, Task } from '@claudine/core';
import { type Claudine, openClaudine, withTaskWorktrees } from '@claudine/runtime';
import { SqliteTaskStore } from '@claudine/store-sqlite';
import { createWorkspace } from '@claudine/workspace';
import type { Benchmark } from '../harness.js';
import { timeWorktreePairs, worktreePairFigures } from '../support/worktree-pairs.js';
import { makeWorktreeRepository, WORKTREE_REPOSITORY_FILES } from '../support/worktree-repository.js';

const PAIRS = 15;

const SUCCESS: RunResult = {
  exitCode: 0,
  signal: null,
  report: null,
  failure: null,
  transient: false,
  outputTruncated: false,
  termination: null,
};

// Stands in for the process runner below the worktree wrapper: it notes when the agent would
// start, and where, and ends the run at once.
function agentStandIn(onStart: (task: Task) => void): ProcessRunner {
  return {
    start(task) {
      onStart(task);
      return { done: Promise.resolve(SUCCESS), terminate() {}, processes: () => [] };
    },
  };
}

async function submitWorktreeTask(claudine: Claudine, repository: string): Promise<Task> {
  const { task } = await claudine.submit({ prompt: 'true', agent: 'command', cwd: repository, worktree: true, maxRetries: 0 });
  return task;
}

/**
 * A worktree task's preparation as the host runs it before the agent starts (`withTaskWorktrees`:
 * the stacking check, the repository lock, `git worktree add -b claudine/<id>` from the recorded
 * base, the `.worktreeinclude` copy, the submodule check, the cwd, the store reads and writes;
 * no setup command), in a repository of 10,000 files, against plain `git worktree add -b` in the
 * same run, in pairs whose order alternates. The task is submitted (untimed) before each pair;
 * the commit of what the agent left at the end of its run is not timed either.
 */
export const worktreeTask: Benchmark = {
  name: 'worktree-task',
  description: `A worktree task's preparation before its agent starts, as the host runs it (\`withTaskWorktrees\` over a real SQLite store and the data directory's git locks: \`git worktree add -b claudine/<id>\` from the recorded base, the \`.worktreeinclude\` copy of 2 ignored files, submodule check, bookkeeping; no setup command), in a repository of ${WORKTREE_REPOSITORY_FILES.toLocaleString('en-US')} files, against plain \`git worktree add -b\` of the same commit in the same run: ${PAIRS} pairs after one warm-up pair, order alternating, \`sync\` before each run, medians.`,
  async run({ scratch, log }) {
    const { path: repository, base } = makeWorktreeRepository(scratch);
    const home = join(scratch, 'home');
    const claudine = openClaudine({ home, environment: { CLAUDINE_HOME: home, PATH: process.env.PATH }, autoStartHost: false });
    const store = SqliteTaskStore.open({ path: claudine.layout.database, busyTimeoutMs: 5_000 });
    const workspace = createWorkspace({ lockDirectory: claudine.layout.gitLocks, branchPrefix: claudine.config.worktree.branchPrefix });
    let onAgentStart: (task: Task) => void = () => {};
    let pending: Promise<unknown> = Promise.resolve();
    const runner = withTaskWorktrees(
      agentStandIn((task) => onAgentStart(task)),
      { store, workspace, logsDirectory: claudine.layout.logs, onOutputEvent: () => {}, killGraceMs: 1_000, log },
    );
    const prepareTask = async (task: Task): Promise<void> => {
      const agentStarted = new Promise<Task>((resolve) => {
        onAgentStart = resolve;
      });
      const handle = runner.start(task);
      const started = await Promise.race([agentStarted, handle.done.then((result) => result)]);
      if (!('id' in started)) throw new Error(`task ${task.id} did not start: ${started.failure?.detail}`);
      if (!existsSync(join(started.cwd, '.env'))) throw new Error(`task ${task.id} runs in ${started.cwd} without its .env`);
      // The end of the run (the commit of what the agent left) is outside the timed part.
      onAgentStart = () => {};
      pending = handle.done;
    };
    try {
      const pairs = await timeWorktreePairs({
        repository,
        base,
        scratch,
        pairs: PAIRS,
        label: 'task worktree',
        ours: async () => {
          const task = await submitWorktreeTask(claudine, repository);
          return () => prepareTask(task);
        },
        settle: () => pending,
        log,
      });
      return worktreePairFigures(
        pairs,
        `prepare a worktree task, ${WORKTREE_REPOSITORY_FILES.toLocaleString('en-US')} files`,
        'task worktree / git worktree add, median of the pairs',
      );
    } finally {
      store.close();
      claudine.close();
    }
  },
};
