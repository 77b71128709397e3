import type { Readable } from 'node:stream';
import type { Result } from '@claudine/core';
import type { RepositoryMissing } from './checkout.js';
import { type CommitLeftoversRefusal, type CommitLeftoversRequest, commitLeftovers, type TaskChanges } from './commit-leftovers.js';
import { type CreatedWorktree, type CreateWorktreeRefusal, type CreateWorktreeRequest, createWorktree } from './create-worktree.js';
import {
  type BranchLanding,
  type BranchRequest,
  type DeleteBranchRefusal,
  type DeleteBranchRequest,
  type DeletedBranch,
  deleteBranch,
  taskBranchLanding,
} from './delete-branch.js';
import { type MergeOutcome, type MergeRefusal, type MergeTaskRequest, mergeTask } from './merge-task.js';
import { listWorktrees, type PrunedRecords, pruneWorktreeRecords } from './prune-worktrees.js';
import { type RemovedWorktree, type RemoveWorktreeRefusal, type RemoveWorktreeRequest, removeWorktree } from './remove-worktree.js';
import { createRepositoryLocks } from './repository-lock.js';
import { resolveSource, type SourceRefusal, type SourceRequest, type WorktreeSource } from './resolve-source.js';
import {
  type DiffRange,
  type PatchPage,
  type PatchPageRequest,
  type TaskDiffRefusal,
  type TaskDiffRequest,
  type TaskDiffStat,
  taskDiffStat,
  taskPatchPage,
  taskPatchStream,
} from './task-diff.js';
import type { WorkspaceContext } from './workspace-context.js';
import type { WorktreeEntry } from './worktree-list.js';

/** Options for {@link createWorkspace}. */
export interface WorkspaceOptions {
  /**
   * Where the per-repository lock files live (under Claudine's data directory). Every process
   * given the same directory is serialised with this one on each repository.
   */
  readonly lockDirectory: string;
  /** The start of every task branch's name (default `claudine/`). */
  readonly branchPrefix?: string;
  /** How long to wait for another process's lock on a repository (ms, default 10 minutes). */
  readonly lockTimeoutMs?: number;
  /** The git executable (default `git` on PATH). */
  readonly git?: string;
}

/**
 * Git worktrees for tasks, over the real `git`. Every operation that writes to a repository is
 * serialised per repository, in this process and across processes sharing the lock directory.
 * Expected outcomes (a conflict, a dirty target, a branch deleted by hand) are `Result`s with a
 * `kind` to branch on and a `message` that says what to do; infrastructure failures throw a
 * `ClaudineError` (`git_failed`, `workspace_locked`, `invalid_input`).
 */
export interface Workspace {
  readonly branchPrefix: string;
  /** The branch of a task: the prefix and its id. */
  branchName(taskId: string): string;
  /** Submit: the repository, top level, relative cwd, base commit, checked-out branch and uncommitted changes of a cwd. */
  resolveSource(request: SourceRequest): Promise<Result<WorktreeSource, SourceRefusal>>;
  /** Host, before the agent: the task's worktree, made or found again, with `.worktreeinclude` files and submodules. */
  createWorktree(request: CreateWorktreeRequest): Promise<Result<CreatedWorktree, CreateWorktreeRefusal>>;
  /** Host, at the end of the task in any state: what the agent left, committed on its branch. */
  commitLeftovers(request: CommitLeftoversRequest): Promise<Result<TaskChanges, CommitLeftoversRefusal>>;
  /** The task's files changed against the point where its branch left the target. */
  diffStat(request: TaskDiffRequest): Promise<Result<TaskDiffStat, TaskDiffRefusal>>;
  /** A page of the task's patch against that point, with where the next page starts. */
  patchPage(request: PatchPageRequest): Promise<Result<PatchPage, TaskDiffRefusal>>;
  /** The task's whole patch as a stream. */
  patchStream(request: TaskDiffRequest): Promise<Result<DiffRange & { readonly stream: Readable }, TaskDiffRefusal>>;
  /** Merges the task's branch into a target; a conflict or a dirty target changes nothing. */
  merge(request: MergeTaskRequest): Promise<Result<MergeOutcome, MergeRefusal>>;
  /** Removes the task's worktree once nothing in it is uncommitted; keeps the branch. */
  removeWorktree(request: RemoveWorktreeRequest): Promise<Result<RemovedWorktree, RemoveWorktreeRefusal>>;
  /** Deletes the task's branch once its work landed (a recorded merge, or contained in the target), or with `force`. */
  deleteBranch(request: DeleteBranchRequest): Promise<Result<DeletedBranch, DeleteBranchRefusal>>;
  /** Whether the target contains the branch's commits. */
  branchLanding(request: BranchRequest): Promise<Result<BranchLanding, DeleteBranchRefusal>>;
  /** Every working tree git knows for the repository. */
  listWorktrees(repository: string): Promise<Result<WorktreeEntry[], RepositoryMissing>>;
  /** `git worktree prune`: drops the records of worktrees deleted by hand. */
  pruneRecords(repository: string): Promise<Result<PrunedRecords, RepositoryMissing>>;
}

/** Git worktrees for tasks; see {@link Workspace}. */
export function createWorkspace(options: WorkspaceOptions): Workspace {
  const branchPrefix = options.branchPrefix ?? 'claudine/';
  const context: WorkspaceContext = {
    git: { executable: options.git ?? 'git' },
    locks: createRepositoryLocks({ directory: options.lockDirectory, timeoutMs: options.lockTimeoutMs ?? 10 * 60_000 }),
    identities: new Map(),
    checkouts: new Map(),
  };
  return {
    branchPrefix,
    branchName: (taskId) => `${branchPrefix}${taskId}`,
    resolveSource: (request) => resolveSource(context.git, request),
    createWorktree: (request) => createWorktree(context, request),
    commitLeftovers: (request) => commitLeftovers(context, request),
    diffStat: (request) => taskDiffStat(context, request),
    patchPage: (request) => taskPatchPage(context, request),
    patchStream: (request) => taskPatchStream(context, request),
    merge: (request) => mergeTask(context, request),
    removeWorktree: (request) => removeWorktree(context, request),
    deleteBranch: (request) => deleteBranch(context, request),
    branchLanding: (request) => taskBranchLanding(context, request),
    listWorktrees: (repository) => listWorktrees(context, repository),
    pruneRecords: (repository) => pruneWorktreeRecords(context, repository),
  };
}
