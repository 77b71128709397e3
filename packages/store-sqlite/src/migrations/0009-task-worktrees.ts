import type { Migration } from './migration.js';

/**
 * A task's own git worktree: what was asked at submit with where it lives and its setup command
 * (`worktree`, JSON), what its branch held when a run ended (`worktree_result`, JSON), the merge
 * Claudine made of it (`worktree_merge`, JSON: after a squash git calls the branch unmerged, so
 * this record is what says the work landed), and when Claudine removed the worktree. Existing
 * tasks have none. The partial index keeps `worktree ls` and pruning to the tasks that have one.
 */
export const taskWorktrees: Migration = {
  version: 9,
  name: 'task worktrees',
  sql: `
    ALTER TABLE tasks ADD COLUMN worktree TEXT CHECK (worktree IS NULL OR json_valid(worktree));
    ALTER TABLE tasks ADD COLUMN worktree_result TEXT CHECK (worktree_result IS NULL OR json_valid(worktree_result));
    ALTER TABLE tasks ADD COLUMN worktree_merge TEXT CHECK (worktree_merge IS NULL OR json_valid(worktree_merge));
    ALTER TABLE tasks ADD COLUMN worktree_removed_at INTEGER;
    CREATE INDEX tasks_worktree ON tasks (seq) WHERE worktree IS NOT NULL;
  `,
};
