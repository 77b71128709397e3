import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ClaudineError, err, ok, type Result } from '@claudine/core';
import { type Checkout, openRepository, requireAbsolute } from './checkout.js';
import { type GitCommand, resolveCommit, runGit } from './git.js';
import { initialiseSubmodules } from './submodules.js';
import type { WorkspaceContext } from './workspace-context.js';
import { copyWorktreeIncludes, worktreeIncludeFiles } from './worktree-include.js';
import { comparablePath, findWorktree, listWorktreeEntries, type WorktreeEntry } from './worktree-list.js';

/** Where and from what a task's worktree is made. */
export interface CreateWorktreeRequest {
  /** The top level of the checkout the task was submitted from (the recorded repository). */
  readonly repository: string;
  /** Where the worktree goes: under Claudine's data directory, never inside the repository. */
  readonly path: string;
  /** The task's branch, created at `baseCommit` if it does not exist yet. */
  readonly branch: string;
  /** The commit recorded at submit. */
  readonly baseCommit: string;
  /** The task's working directory relative to the top level (created in the worktree if missing). */
  readonly relativeCwd?: string;
}

/** How the worktree came to be: made now, made on the branch a previous attempt left, or found in place. */
export type WorktreePlacement = 'new' | 'existing_branch' | 'reused';

/** A task's worktree, ready for its agent. */
export interface CreatedWorktree {
  /** The worktree's top level (real path). */
  readonly path: string;
  /** Where the task runs: `path` plus the relative cwd. */
  readonly cwd: string;
  readonly branch: string;
  readonly placement: WorktreePlacement;
  /** Files copied from the repository's checkout because `.worktreeinclude` names them. */
  readonly copied: readonly string[];
  /** Whether the worktree has submodules, now initialised. */
  readonly submodules: 'none' | 'initialised';
}

/** Why the worktree could not be made; `message` says what to do. */
export type CreateWorktreeRefusal =
  | { readonly kind: 'repository_missing'; readonly message: string }
  | { readonly kind: 'base_missing'; readonly message: string }
  | { readonly kind: 'path_occupied'; readonly message: string }
  | { readonly kind: 'branch_checked_out'; readonly path: string; readonly message: string }
  | { readonly kind: 'submodules_failed'; readonly message: string };

function isWithin(path: string, root: string): boolean {
  const from = relative(root, path);
  return from !== '..' && !from.startsWith(`..${sep}`) && !isAbsolute(from);
}

// The real location `path` will have: its nearest existing ancestor resolved, the rest appended.
function eventualPath(path: string): string {
  let existing = resolve(path);
  const rest: string[] = [];
  while (!existsSync(existing) && dirname(existing) !== existing) {
    rest.unshift(existing.slice(dirname(existing).length).replace(/^[\\/]/, ''));
    existing = dirname(existing);
  }
  return join(comparablePath(existing), ...rest);
}

function isOccupied(path: string): boolean {
  if (!existsSync(path)) return false;
  return !statSync(path).isDirectory() || readdirSync(path).length > 0;
}

async function addWorktree(git: GitCommand, repository: Checkout, args: readonly string[]): Promise<void> {
  await runGit(git, ['worktree', 'add', '--quiet', ...args], { cwd: repository.topLevel });
}

// Drops git's record of a worktree whose directory is gone, or that a killed `git worktree add`
// left half made (git locks a worktree with reason "initializing" until its checkout is done).
async function clearBrokenEntry(git: GitCommand, repository: Checkout, entry: WorktreeEntry): Promise<boolean> {
  if (entry.prunable !== null) {
    if (entry.locked !== null) await runGit(git, ['worktree', 'unlock', entry.path], { cwd: repository.topLevel });
    await runGit(git, ['worktree', 'prune'], { cwd: repository.topLevel });
    return true;
  }
  if (entry.locked === 'initializing') {
    await runGit(git, ['worktree', 'remove', '--force', '--force', entry.path], { cwd: repository.topLevel });
    return true;
  }
  return false;
}

/**
 * Puts a worktree of the task's branch at `path`. The common case is one `git worktree add -b`;
 * otherwise what is there decides, so a crashed host's half-done attempt and a resumed task's
 * worktree are both handled: a worktree already at `path` is reused as it is; a record whose
 * directory is gone or whose creation was cut short is cleared first; an existing branch (a
 * previous attempt's, with its commits) is checked out rather than made again.
 */
async function placeWorktree(
  git: GitCommand,
  repository: Checkout,
  request: CreateWorktreeRequest,
): Promise<Result<WorktreePlacement, CreateWorktreeRefusal>> {
  const { path, branch, baseCommit } = request;
  if (!existsSync(path)) {
    const first = await runGit(git, ['worktree', 'add', '--quiet', '--no-track', '-b', branch, path, baseCommit], {
      cwd: repository.topLevel,
      allowExitCodes: [1, 128, 255],
    });
    if (first.exitCode === 0) return ok('new');
  }
  let entries = await listWorktreeEntries(git, repository.topLevel);
  const atPath = findWorktree(entries, path);
  if (atPath !== undefined) {
    if (!(await clearBrokenEntry(git, repository, atPath))) return ok('reused');
    entries = await listWorktreeEntries(git, repository.topLevel);
  }
  if (isOccupied(path)) {
    return err({
      kind: 'path_occupied',
      message: `${path} exists and is not a worktree of ${repository.topLevel}: move it away or remove it, then start the task again`,
    });
  }
  const ref = `refs/heads/${branch}`;
  if ((await resolveCommit(git, repository.topLevel, ref)) === null) {
    if ((await resolveCommit(git, repository.topLevel, baseCommit)) === null) {
      return err({
        kind: 'base_missing',
        message: `the base commit ${baseCommit} is not in ${repository.topLevel} any more: submit the task again with a base that exists`,
      });
    }
    const valid = await runGit(git, ['check-ref-format', '--branch', branch], {
      cwd: repository.topLevel,
      allowExitCodes: [1, 128],
      readOnly: true,
    });
    if (valid.exitCode !== 0) throw new ClaudineError('invalid_input', `"${branch}" is not a valid branch name: change the branch prefix`);
    await addWorktree(git, repository, ['--no-track', '-b', branch, path, baseCommit]);
    return ok('new');
  }
  let holder = entries.find((entry) => entry.branch === ref);
  if (holder !== undefined && (await clearBrokenEntry(git, repository, holder))) {
    holder = (await listWorktreeEntries(git, repository.topLevel)).find((entry) => entry.branch === ref);
  }
  if (holder !== undefined) {
    return err({
      kind: 'branch_checked_out',
      path: holder.path,
      message: `the branch ${branch} is checked out at ${holder.path}: switch that checkout to another branch (or remove it), then start the task again`,
    });
  }
  await addWorktree(git, repository, [path, branch]);
  return ok('existing_branch');
}

/**
 * Creates (or, for a resumed or retried task, finds again) the worktree of a task: on its branch
 * from the recorded base, with the files `.worktreeinclude` names copied from the repository's
 * checkout and submodules initialised. Serialised with every other write to the repository.
 * Idempotent: calling it again after a crash in the middle finishes the job. Refusals (base gone,
 * path taken, branch checked out elsewhere, submodules failing) are outcomes; a `path` inside
 * the repository is refused with `invalid_input`, git failing otherwise with `git_failed`.
 */
export async function createWorktree(
  context: WorkspaceContext,
  request: CreateWorktreeRequest,
): Promise<Result<CreatedWorktree, CreateWorktreeRefusal>> {
  requireAbsolute(request.path, 'worktree path');
  const relativeCwd = request.relativeCwd ?? '';
  if (relativeCwd.startsWith('/') || relativeCwd.split('/').includes('..')) {
    throw new ClaudineError('invalid_input', `the relative working directory "${relativeCwd}" must stay inside the repository`);
  }
  const opened = await openRepository(context, request.repository);
  if (!opened.ok) return opened;
  const repository = opened.value;
  const target = eventualPath(request.path);
  if (isWithin(target, repository.topLevel) || isWithin(target, repository.commonDir)) {
    throw new ClaudineError(
      'invalid_input',
      `a worktree cannot live inside its repository (${request.path} is in ${repository.topLevel}): git would see it as part of the checkout`,
    );
  }
  return context.locks.withLock(repository.commonDir, async () => {
    // Listing what to copy only reads the source checkout: it runs while git makes the worktree.
    const includes = worktreeIncludeFiles(context.git, repository.topLevel);
    includes.catch(() => {});
    const placed = await placeWorktree(context.git, repository, request);
    if (!placed.ok) return placed;
    const path = realpathSync(request.path);
    const copied = await copyWorktreeIncludes(repository.topLevel, path, await includes);
    const submodules = await initialiseSubmodules(context.git, path);
    if (submodules.kind === 'failed') return err({ kind: 'submodules_failed', message: submodules.message });
    const cwd = relativeCwd === '' ? path : join(path, relativeCwd);
    await mkdir(cwd, { recursive: true });
    return ok({ path, cwd, branch: request.branch, placement: placed.value, copied, submodules: submodules.kind });
  });
}
