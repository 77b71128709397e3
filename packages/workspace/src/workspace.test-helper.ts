import { join } from 'node:path';
import type { Result } from '@claudine/core';
import { createGitRepository, type GitRepository } from '@claudine/test-utils';
import { afterEach } from 'vitest';
import type { TaskChanges } from './commit-leftovers.js';
import type { CreatedWorktree, CreateWorktreeRefusal } from './create-worktree.js';
import { createWorkspace, type Workspace, type WorkspaceOptions } from './workspace.js';

/** A fresh repository and a workspace whose locks and worktrees live in its scratch directory. */
export interface WorkspaceFixture {
  readonly repository: GitRepository;
  readonly workspace: Workspace;
  /** Where a task's worktree goes (outside the repository). */
  worktreePath(name: string): string;
  /** Asks for task `id`'s worktree at {@link worktreePath} on branch `claudine/<id>` from `baseCommit` (default HEAD). */
  createTaskWorktree(id: string, baseCommit?: string): Promise<Result<CreatedWorktree, CreateWorktreeRefusal>>;
  /** {@link createTaskWorktree}, throwing on a refusal. */
  taskWorktree(id: string, baseCommit?: string): Promise<CreatedWorktree>;
  /**
   * A task that ended: its worktree from `baseCommit` (default HEAD), `files` written there
   * and committed with the message `task <id>`.
   */
  endedTask(id: string, files: Readonly<Record<string, string | null>>, baseCommit?: string): Promise<EndedTask>;
}

/** What {@link WorkspaceFixture.endedTask} made. */
export interface EndedTask {
  readonly base: string;
  readonly worktree: CreatedWorktree;
  readonly changes: TaskChanges;
}

const made: GitRepository[] = [];
afterEach(() => {
  for (const repository of made.splice(0)) repository.remove();
});

/** Makes a {@link WorkspaceFixture}, removed after the test. */
export function workspaceFixture(options: Partial<WorkspaceOptions> = {}): WorkspaceFixture {
  const repository = createGitRepository('claudine-workspace-');
  made.push(repository);
  const workspace = createWorkspace({ lockDirectory: join(repository.scratch, 'locks'), ...options });
  const worktreePath = (name: string) => join(repository.scratch, 'worktrees', name);
  const createTaskWorktree = (id: string, baseCommit = repository.revParse()) =>
    workspace.createWorktree({ repository: repository.path, path: worktreePath(id), branch: `claudine/${id}`, baseCommit });
  const taskWorktree = async (id: string, baseCommit?: string) => expectOk(await createTaskWorktree(id, baseCommit));
  return {
    repository,
    workspace,
    worktreePath,
    createTaskWorktree,
    taskWorktree,
    async endedTask(id, files, base = repository.revParse()) {
      const worktree = await taskWorktree(id, base);
      repository.write(files, worktree.path);
      const changes = expectOk(
        await workspace.commitLeftovers({ path: worktree.path, branch: worktree.branch, baseCommit: base, message: `task ${id}\n` }),
      );
      return { base, worktree, changes };
    },
  };
}

/** The value of a Result, or a thrown error naming what it was instead. */
export function expectOk<T, E>(result: { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E }): T {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result.error)}`);
  return result.value;
}

/** The error of a Result, or a thrown error when it succeeded. */
export function expectErr<T, E>(result: { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E }): E {
  if (result.ok) throw new Error(`expected an error, got ${JSON.stringify(result.value)}`);
  return result.error;
}
