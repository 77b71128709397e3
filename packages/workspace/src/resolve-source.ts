import { statSync } from 'node:fs';
import { err, ok, type Result } from '@claudine/core';
import { type GitCommand, nulFields, resolveCommit, runGit } from './git.js';

/** What a submit asks for: the task's working directory and, optionally, the base to start from. */
export interface SourceRequest {
  /** The task's working directory (absolute). */
  readonly cwd: string;
  /** Any revision git understands (branch, tag, commit, `HEAD~2`); default `HEAD`. */
  readonly base?: string;
}

/** The repository a worktree task comes from, resolved at submit. */
export interface WorktreeSource {
  /** The top level of the checkout that contains `cwd` (real path): record it as the task's repository. */
  readonly repository: string;
  /** The repository's common git directory. */
  readonly commonDir: string;
  /** `cwd` relative to the top level, `/`-separated, `''` at the top level. */
  readonly relativeCwd: string;
  /** The base as a full commit id. */
  readonly baseCommit: string;
  /** The branch checked out in that checkout (short name), or null when its HEAD is detached. */
  readonly checkedOutBranch: string | null;
  /**
   * Files changed in the checkout but not committed (tracked changes and untracked files that
   * are not ignored). When not 0, the task starts from the last commit without them.
   */
  readonly uncommittedChanges: number;
}

/** Why a worktree cannot be made for a submit; `message` says what to do. Never a fallback. */
export interface SourceRefusal {
  readonly kind: 'cwd_missing' | 'not_a_repository' | 'bare_repository' | 'inside_git_directory' | 'no_commits' | 'unknown_base';
  readonly message: string;
}

/** Counts the entries of `git status --porcelain -z` (a rename has its source as one more field). */
export function countStatusEntries(output: Buffer): number {
  const fields = nulFields(output);
  let entries = 0;
  for (let index = 0; index < fields.length; index += 1) {
    entries += 1;
    const code = fields[index]?.[0];
    if (code === 'R' || code === 'C') index += 1;
  }
  return entries;
}

/**
 * Resolves the repository, top level, relative cwd, base commit, checked-out branch and
 * uncommitted changes for a task submitted with a worktree. Refused (never a fallback to the
 * shared checkout) when `cwd` is not in a git working tree, is in a bare repository or its git
 * directory, the repository has no commit yet, or `base` names no commit.
 */
export async function resolveSource(git: GitCommand, request: SourceRequest): Promise<Result<WorktreeSource, SourceRefusal>> {
  const { cwd } = request;
  let isDirectory = false;
  try {
    isDirectory = statSync(cwd).isDirectory();
  } catch {}
  if (!isDirectory) return err({ kind: 'cwd_missing', message: `the working directory ${cwd} does not exist or is not a directory` });
  const where = await runGit(git, ['rev-parse', '--is-bare-repository', '--is-inside-work-tree'], {
    cwd,
    allowExitCodes: [128],
    readOnly: true,
  });
  if (where.exitCode !== 0) {
    return err({
      kind: 'not_a_repository',
      message: `${cwd} is not in a git repository: a worktree task needs one (run it without --worktree, or from inside a repository)`,
    });
  }
  const [bare, inWorkTree] = where.stdout.toString('utf8').split('\n');
  if (bare === 'true') {
    return err({
      kind: 'bare_repository',
      message: `${cwd} is a bare repository, which has no working tree to branch from: run the task from a checkout of it`,
    });
  }
  if (inWorkTree !== 'true') {
    return err({
      kind: 'inside_git_directory',
      message: `${cwd} is inside a git directory, not a working tree: run the task from the checkout`,
    });
  }
  const paths = await runGit(git, ['rev-parse', '--path-format=absolute', '--show-toplevel', '--git-common-dir', '--show-prefix'], {
    cwd,
    readOnly: true,
  });
  const [repository = '', commonDir = '', prefix = ''] = paths.stdout.toString('utf8').split('\n');
  const base = request.base ?? 'HEAD';
  const baseCommit = await resolveCommit(git, cwd, base);
  if (baseCommit === null) {
    if (request.base === undefined) {
      return err({
        kind: 'no_commits',
        message: `the repository at ${repository} has no commit yet: commit something first, a worktree starts from a commit`,
      });
    }
    return err({
      kind: 'unknown_base',
      message: `the base "${base}" names no commit in ${repository}: give a branch, tag or commit id that exists there (git rev-parse "${base}")`,
    });
  }
  const [branch, status] = await Promise.all([
    runGit(git, ['symbolic-ref', '--quiet', '--short', 'HEAD'], { cwd, allowExitCodes: [1], readOnly: true }),
    runGit(git, ['status', '--porcelain', '-z', '--untracked-files=normal'], { cwd: repository, readOnly: true }),
  ]);
  return ok({
    repository,
    commonDir,
    relativeCwd: prefix.replace(/\/$/, ''),
    baseCommit,
    checkedOutBranch: branch.exitCode === 0 ? branch.stdout.toString('utf8').trim() : null,
    uncommittedChanges: countStatusEntries(status.stdout),
  });
}
