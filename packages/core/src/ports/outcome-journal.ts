import type { RequeueRequest, TaskOutcome } from './task-store.js';

/** What a host still has to record about a run that has ended: its end, or its requeue. */
export type PendingRecord =
  | { readonly kind: 'finish'; readonly outcome: TaskOutcome }
  | { readonly kind: 'requeue'; readonly request: RequeueRequest };

/**
 * Keeps the end of each run from the moment it is known until the store has it, somewhere a
 * full disk cannot refuse it (room reserved in advance). A host that dies before the store
 * took an end leaves it here, and the next host's recovery records it: a run that ended is
 * never mistaken for one its host's death cut short, so it never runs again for that reason.
 * Neither method throws.
 */
export interface OutcomeJournal {
  /** Keeps `record` for this attempt of the task until {@link OutcomeJournal.forget}. */
  keep(taskId: string, attempt: number, record: PendingRecord): void;
  /** The store has the record (or someone else recorded the task): it need not be kept. */
  forget(taskId: string, attempt: number): void;
}
