import { createWorkspace, type Workspace } from '@claudine/workspace';
import type { Config } from '../config/config.js';
import type { DataLayout } from '../config/data-directory.js';

/**
 * The workspace of a data directory: its git lock files under the data directory, so the host
 * and every client (a CLI `merge`, the dashboard) are serialised on each repository.
 */
export function openWorkspace(layout: DataLayout, config: Config): Workspace {
  return createWorkspace({ lockDirectory: layout.gitLocks, branchPrefix: config.worktree.branchPrefix });
}
