import { initial } from './0001-initial.js';
import { retryIndex } from './0002-retry-index.js';
import { taskOutput } from './0003-task-output.js';
import { metrics } from './0005-metrics.js';
import { identityAndDependencyKeys } from './0006-identity-and-dependency-keys.js';
import { taskEnvironments } from './0007-task-environments.js';
import { taskNotify } from './0008-task-notify.js';
import { taskWorktrees } from './0009-task-worktrees.js';
import { receivedPrompts } from './0010-received-prompts.js';
import { dependenciesInTaskRows } from './0011-dependencies-in-task-rows.js';
import { taskStatusById } from './0012-task-status-by-id.js';
import { recentDependents } from './0013-recent-dependents.js';
import type { Migration } from './migration.js';

/**
 * Every schema version, oldest first, one file each. Never edit a released migration: add a new
 * one. A database whose newest applied version is above the last one here was written by a newer
 * Claudine and is refused rather than misread.
 */
export const MIGRATIONS: readonly Migration[] = [
  initial,
  retryIndex,
  taskOutput,
  metrics,
  identityAndDependencyKeys,
  taskEnvironments,
  taskNotify,
  taskWorktrees,
  receivedPrompts,
  dependenciesInTaskRows,
  taskStatusById,
  recentDependents,
];

/** The newest schema version this code knows. */
export const LATEST_SCHEMA_VERSION: number = Math.max(0, ...MIGRATIONS.map((migration) => migration.version));

export type { Migration };
