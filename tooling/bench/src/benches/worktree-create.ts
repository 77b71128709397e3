import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { createWorkspace, type Workspace } from '@claudine/workspace';
import { type Benchmark, median } from '../harness.js';
import { makeWorktreeRepository, plainWorktreeAdd, WORKTREE_REPOSITORY_FILES } from '../support/worktree-repository.js';

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
 * alternates. Worktrees are kept until the end: deleting 20,000 files between pairs made the next
 * run pay for it (this machine's ext4 discards freed blocks), whichever of the two came first.
 */
export const worktreeCreate: Benchmark = {
  name: 'worktree-create',
  description: `Creating a task's worktree in a repository of ${FILES.toLocaleString('en-US')} files with \`createWorktree\` (repository lock, \`git worktree add -b\` from the recorded base, the \`.worktreeinclude\` copy of 2 ignored files, submodule check, bookkeeping; no setup command), against plain \`git worktree add -b\` of the same commit in the same run: ${PAIRS} pairs after one warm-up pair, order alternating, \`sync\` before each run, medians.`,
  async run({ scratch, log }) {
    const { path: repository, base } = makeWorktreeRepository(scratch);
    const workspace = createWorkspace({ lockDirectory: join(scratch, 'locks') });
    const plain: number[] = [];
    const ours: number[] = [];
    const ratios: number[] = [];
    for (let pair = 0; pair <= PAIRS; pair += 1) {
      const plainPath = join(scratch, 'worktrees', `plain-${pair}`);
      const oursPath = join(scratch, 'worktrees', `task-${pair}`);
      const timed = async (work: () => Promise<void>) => {
        // Each run starts with the previous one's 10,000 files written out, not in the page cache's queue.
        execFileSync('sync');
        const started = performance.now();
        await work();
        return performance.now() - started;
      };
      const runPlain = () => timed(() => plainWorktreeAdd(repository, plainPath, `plain/${pair}`, base));
      const runOurs = () => timed(() => claudineCreate(workspace, repository, oursPath, `claudine/${pair}`, base));
      let plainMs: number;
      let oursMs: number;
      if (pair % 2 === 0) {
        plainMs = await runPlain();
        oursMs = await runOurs();
      } else {
        oursMs = await runOurs();
        plainMs = await runPlain();
      }
      if (pair === 0) continue;
      plain.push(plainMs);
      ours.push(oursMs);
      ratios.push(oursMs / plainMs);
      log(`pair ${pair}: git worktree add ${plainMs.toFixed(1)} ms, createWorktree ${oursMs.toFixed(1)} ms`);
    }
    return [
      {
        metric: `create a task worktree, ${FILES.toLocaleString('en-US')} files`,
        value: median(ours),
        unit: 'ms',
        baseline: median(plain),
        baselineLabel: 'git worktree add -b',
        target: '<= 1.3x (ratio >= 76.9%)',
        better: 'lower',
      },
      {
        metric: 'createWorktree / git worktree add, median of the pairs',
        value: median(ratios),
        unit: 'x',
        target: '<= 1.3x',
        better: 'lower',
      },
    ];
  },
};
