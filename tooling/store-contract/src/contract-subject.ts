import type { NewTask, Task, TaskStore } from '@claudine/core';
import { newTaskFixture } from '@claudine/task-fixtures';

/** The store under test, as the contract suite gets it. */
export interface TaskStoreContractSubject<S extends TaskStore = TaskStore> {
  /** A new, empty store. Called once per test, and once per run of a property test. */
  open(): S | Promise<S>;
  /** Releases a store made by `open` (closes it, removes what it created). */
  close(store: S): void | Promise<void>;
  /**
   * What is wrong with the store's own bookkeeping (for SQLite: its integrity check, which
   * compares the dependency counters with the edges); empty when sound. Checked after the
   * dependency scenarios.
   */
  invariantProblems?(store: S): Promise<readonly string[]>;
}

/** The helpers every contract test uses, over one subject. */
export interface ContractHelpers<S extends TaskStore> {
  /** Runs `test` against a new store, released afterwards whatever happens. */
  withStore<T>(test: (store: S) => Promise<T>): Promise<T>;
  /** Creates a task (defaults from the task fixtures); throws on a refusal. */
  create(store: S, overrides?: Partial<NewTask>): Promise<Task>;
  /** Claims the next task for `owner` with room for many running tasks. */
  claim(store: S, owner?: string, maxRunning?: number): Promise<Task | undefined>;
  /** The subject's invariant problems, or none when it has no such check. */
  problems(store: S): Promise<readonly string[]>;
}

/** Builds the {@link ContractHelpers} of a subject. */
export function contractHelpers<S extends TaskStore>(subject: TaskStoreContractSubject<S>): ContractHelpers<S> {
  return {
    async withStore(test) {
      const store = await subject.open();
      try {
        return await test(store);
      } finally {
        await subject.close(store);
      }
    },
    async create(store, overrides = {}) {
      const created = await store.create(newTaskFixture(overrides));
      if (!created.ok) throw new Error(created.error.message);
      return created.value;
    },
    claim(store, owner = 'host-a', maxRunning = 10_000) {
      const now = Date.now();
      return store.claimNext({ owner, maxRunning, now, leaseExpiresAt: now + 30_000 });
    },
    async problems(store) {
      return subject.invariantProblems === undefined ? [] : subject.invariantProblems(store);
    },
  };
}
