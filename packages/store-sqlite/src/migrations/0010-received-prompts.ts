import type { Migration } from './migration.js';

/**
 * The prompt a task's agent received at its last start, where it differs from the task's own
 * (the host appended its dependencies' results): `claudine status --prompt` shows it. Deleting
 * the task deletes it.
 */
export const receivedPrompts: Migration = {
  version: 10,
  name: 'received prompts',
  sql: `
    CREATE TABLE received_prompts (
      task_id TEXT PRIMARY KEY REFERENCES tasks (id) ON DELETE CASCADE,
      prompt TEXT NOT NULL
    ) WITHOUT ROWID;
  `,
};
