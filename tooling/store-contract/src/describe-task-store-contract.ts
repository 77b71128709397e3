import type { TaskStore } from '@claudine/core';
import { describe } from 'vitest';
import type { TaskStoreContractSubject } from './contract-subject.js';
import { describeDependencies } from './dependency-contract.js';
import { describeTaskLifecycle } from './task-lifecycle-contract.js';
import { describeWorktrees } from './worktree-contract.js';

/**
 * Registers the contract every {@link TaskStore} keeps, as vitest tests, against `subject`: a
 * store's test file calls it once with a factory of that store, so a second store (PostgreSQL)
 * is checked by the same tests, unchanged. What only one store has (SQLite's host lock, its
 * backups, several processes on one file) is tested beside that store.
 */
export function describeTaskStoreContract<S extends TaskStore>(name: string, subject: TaskStoreContractSubject<S>): void {
  describe(`${name} keeps the TaskStore contract`, () => {
    describeTaskLifecycle(subject);
    describeDependencies(subject);
    describeWorktrees(subject);
  });
}
