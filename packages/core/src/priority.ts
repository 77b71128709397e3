/** Task priorities, most urgent first. Within one priority tasks run first in, first out. */
export const PRIORITIES = ['P0', 'P1', 'P2'] as const;

/** `P0` runs before `P1`, which runs before `P2`. */
export type Priority = (typeof PRIORITIES)[number];

/** The priority a task gets when the submitter names none. */
export const DEFAULT_PRIORITY: Priority = 'P1';

/** The rank of a priority: 0 for `P0` (most urgent) to 2 for `P2`. Stores sort on it. */
export function priorityRank(priority: Priority): number {
  // A lookup rather than indexOf: the queue compares priorities millions of times on large graphs.
  return RANKS[priority];
}

const RANKS: Readonly<Record<Priority, number>> = { P0: 0, P1: 1, P2: 2 };

/** The priority of a rank produced by {@link priorityRank}; throws on a rank out of range. */
export function priorityFromRank(rank: number): Priority {
  const priority = PRIORITIES[rank];
  if (priority === undefined) throw new RangeError(`No priority has rank ${rank}`);
  return priority;
}
