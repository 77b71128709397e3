import type { Migration } from './migration.js';

/**
 * Finds the earliest retry time among queued tasks without scanning the queue: the host asks for
 * it whenever it has nothing to claim.
 */
export const retryIndex: Migration = {
  version: 2,
  name: 'index of queued tasks waiting for a retry',
  sql: `CREATE INDEX tasks_waiting_retry ON tasks (not_before) WHERE status = 'queued' AND not_before IS NOT NULL;`,
};
