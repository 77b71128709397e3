// The worktree side of the client: what submit needs to resolve a task's worktree.
import type { Task, TaskStore } from '@claudine/core';
import type { Config } from '../config/config.js';
import type { DataLayout } from '../config/data-directory.js';
import { openWorkspace } from '../worktrees/open-workspace.js';
import type { WorktreeRequestContext } from './worktree-request.js';

/** What {@link openClientWorktrees} needs. */
export interface ClientWorktreesOptions {
  readonly layout: DataLayout;
  readonly config: Config;
  readonly store: Pick<TaskStore, 'get'>;
  readonly getTask: (id: string) => Promise<Task>;
}

/** The client's worktree parts: the context submit resolves worktrees in, and the calls it offers. */
export function openClientWorktrees(options: ClientWorktreesOptions): {
  readonly requestContext: WorktreeRequestContext;
  readonly api: Record<never, never>;
} {
  const workspace = openWorkspace(options.layout, options.config);
  return {
    requestContext: { config: options.config, layout: options.layout, store: options.store, workspace },
    api: {},
  };
}
