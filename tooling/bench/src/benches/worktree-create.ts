import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createWorkspace, type Workspace } from '@claudine/workspace';
import { type Benchmark, median } from '../harness.js';

const FILES = 10_000;
const DIRECTORIES = 100;
const PAIRS = 15;

function git(cwd: string, args: readonly string[]): string {
  return execFileSync('git', [...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

// A repository of FILES tracked files in DIRECTORIES directories, plus the ignored local files a
// `.worktreeinclude` names (an `.env` and a local config), as a project would have them.
function makeRepository(root: string): { path: string; base: string } {
  const path = join(root, 'repo');
  mkdirSync(path, { recursive: true });
  git(path, ['init', '--quiet', '--initial-branch=main']);
  git(path, ['config', 'user.name', 'Bench']);
  git(path, ['config', 'user.email', 'bench@example.com']);
  for (let directory = 0; directory < DIRECTORIES; directory += 1) {
    const folder = join(path, 'src', `module-${directory}`);
    mkdirSync(folder, { recursive: true });
    for (let file = 0; file < FILES / DIRECTORIES; file += 1) {
      writeFileSync(join(folder, `file-${file}.ts`), `export const value${file} = ${directory * 1000 + file};\n// ${'x'.repeat(200)}\n`);
    }
  }
  writeFileSync(join(path, '.gitignore'), '.env\nconfig/local.json\nnode_modules/\n');
  writeFileSync(join(path, '.worktreeinclude'), '.env\nconfig/local.json\n');
  git(path, ['add', '--all']);
  git(path, ['commit', '--quiet', '-m', 'a project of 10,000 files']);
  writeFileSync(join(path, '.env'), 'API_KEY=secret\n');
  mkdirSync(join(path, 'config'));
  writeFileSync(join(path, 'config', 'local.json'), '{"port":3000}\n');
  return { path, base: git(path, ['rev-parse', 'HEAD']) };
}

function plainWorktreeAdd(repository: string, path: string, branch: string, base: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['worktree', 'add', '--quiet', '-b', branch, path, base], { cwd: repository, stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`git worktree add exited with ${code}`))));
  });
}

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
    const { path: repository, base } = makeRepository(scratch);
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
