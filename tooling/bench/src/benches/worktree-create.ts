import { join } from 'node:path';
import { createWorkspace, type Workspace } from '@claudine/workspace';
import type { Benchmark } from '../harness.js';
import { timeWorktreePairs, worktreePairFigures } from '../support/worktree-pairs.js';
import { makeWorktreeRepository, WORKTREE_REPOSITORY_FILES } from '../support/worktree-repository.js';

const FILES = WORKTREE_REPOSITORY_FILES;
const PAIRS = 15;

async function claudineCreate(workspace: Workspace, repository: string, path: string, branch: string, base: string): Promise<void> {
  const created = await workspace.createWorktree({ repository, path, branch, baseCommit: base });
  if (!created.ok) throw new Error(created.error.message);
  if (created.value.copied.length !== 2) throw new Error(`expected 2 files copied, got ${created.value.copied.join(', ')}`);
}

/**
 * Creating a task's worktree with `@claudine/workspace` (lock, `git worktree add -b` from the
 * base commit, the `.worktreeinclude` copy, the submodule check, the cwd) in a repository of
 * 10,000 files, against plain `git worktree add -b` of the same commit, in pairs whose order
 * alternates (see {@link timeWorktreePairs}).
 */
export const worktreeCreate: Benchmark = {
  name: 'worktree-create',
  description: `Creating a task's worktree in a repository of ${FILES.toLocaleString('en-US')} files with \`createWorktree\` (repository lock, \`git worktree add -b\` from the recorded base, the \`.worktreeinclude\` copy of 2 ignored files, submodule check, bookkeeping; no setup command), against plain \`git worktree add -b\` of the same commit in the same run: ${PAIRS} pairs after one warm-up pair, order alternating, \`sync\` before each run, medians.`,
  async run({ scratch, log }) {
    const { path: repository, base } = makeWorktreeRepository(scratch);
    const workspace = createWorkspace({ lockDirectory: join(scratch, 'locks') });
    const pairs = await timeWorktreePairs({
      repository,
      base,
      scratch,
      pairs: PAIRS,
      label: 'createWorktree',
      ours: async (pair) => () =>
        claudineCreate(workspace, repository, join(scratch, 'worktrees', `task-${pair}`), `claudine/${pair}`, base),
      log,
    });
    return worktreePairFigures(
      pairs,
      `create a task worktree, ${FILES.toLocaleString('en-US')} files`,
      'createWorktree / git worktree add, median of the pairs',
    );
  },
};
