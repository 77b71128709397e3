export type { ChangeSummary, FileChange, FileChangeStatus } from './change-summary.js';
export type { RepositoryMissing } from './checkout.js';
export { FALLBACK_IDENTITY } from './commit-identity.js';
export type { CommitLeftoversRefusal, CommitLeftoversRequest, TaskChanges, WorktreeIrregularity } from './commit-leftovers.js';
export type { CreatedWorktree, CreateWorktreeRefusal, CreateWorktreeRequest, WorktreePlacement } from './create-worktree.js';
export type { BranchLanding, BranchRequest, DeleteBranchRefusal, DeleteBranchRequest, DeletedBranch } from './delete-branch.js';
export { diskUsage } from './disk-usage.js';
export { checkGit, type GitUnusable, type GitVersion, MINIMUM_GIT_VERSION, parseGitVersion } from './git-version.js';
export type { InterruptedOperation } from './interrupted-operation.js';
export type { MergeOutcome, MergeRefusal, MergeTaskRequest } from './merge-task.js';
export type { PrunedRecords } from './prune-worktrees.js';
export type { RemovedWorktree, RemoveWorktreeRefusal, RemoveWorktreeRequest } from './remove-worktree.js';
export type { SourceRefusal, SourceRequest, WorktreeSource } from './resolve-source.js';
export { runSetupCommand, type SetupCommandRequest, type SetupOutcome, type SetupStream } from './setup-command.js';
export {
  DEFAULT_PATCH_PAGE_BYTES,
  type DiffRange,
  type PatchPage,
  type PatchPageRequest,
  type TaskDiffRefusal,
  type TaskDiffRequest,
  type TaskDiffStat,
} from './task-diff.js';
export { createWorkspace, type Workspace, type WorkspaceOptions } from './workspace.js';
export { WORKTREE_INCLUDE_FILE } from './worktree-include.js';
export type { WorktreeEntry } from './worktree-list.js';
