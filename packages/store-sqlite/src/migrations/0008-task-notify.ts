import type { Migration } from './migration.js';

/**
 * A task's own say on notifications (`claudine run --notify` / `--no-notify`): 1 forces them,
 * 0 suppresses them, NULL leaves the decision to the configuration. Existing tasks get NULL.
 */
export const taskNotify: Migration = {
  version: 8,
  name: 'per-task notification flag',
  sql: `
    ALTER TABLE tasks ADD COLUMN notify INTEGER CHECK (notify IN (0, 1));
  `,
};
