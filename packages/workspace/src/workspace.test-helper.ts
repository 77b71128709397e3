import { join } from 'node:path';
import { createGitRepository, type GitRepository } from '@claudine/test-utils';
import { afterEach } from 'vitest';
import { createWorkspace, type Workspace, type WorkspaceOptions } from './workspace.js';

/** A fresh repository and a workspace whose locks and worktrees live in its scratch directory. */
export interface WorkspaceFixture {
  readonly repository: GitRepository;
  readonly workspace: Workspace;
  /** Where a task's worktree goes (outside the repository). */
  worktreePath(name: string): string;
}

const made: GitRepository[] = [];
afterEach(() => {
  for (const repository of made.splice(0)) repository.remove();
});

/** Makes a {@link WorkspaceFixture}, removed after the test. */
export function workspaceFixture(options: Partial<WorkspaceOptions> = {}): WorkspaceFixture {
  const repository = createGitRepository('claudine-workspace-');
  made.push(repository);
  return {
    repository,
    workspace: createWorkspace({ lockDirectory: join(repository.scratch, 'locks'), ...options }),
    worktreePath: (name) => join(repository.scratch, 'worktrees', name),
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
