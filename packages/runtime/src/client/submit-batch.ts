// A batch of tasks stored at once: local names resolved to the ids drawn for them, and the
// tasks put in an order where each comes after those it waits for, before the one transaction.
import { ClaudineError, isClaudineError, isTaskId, type NewTask, type NewTaskInput } from '@claudine/core';

/**
 * One task of a batch: a submission whose `dependsOn` may name other tasks of the same batch
 * by their `name` besides real ids.
 */
export type BatchTaskInput = NewTaskInput & {
  /** A name other tasks of the batch can give in `dependsOn`; unique in the batch, not a task id. */
  readonly name?: string;
  /** How errors name this task (`line 7`); default `task <n>`, counting from 1. */
  readonly label?: string;
};

/** A prepared batch: the tasks in an order the store can insert, and each entry's id. */
export interface PreparedBatch {
  /** Each task after the tasks of the batch it waits for. */
  readonly tasks: readonly NewTask[];
  /** The id of each entry, in the entries' order. */
  readonly ids: readonly string[];
}

/**
 * Prepares a batch with `prepare` (validation, defaults, a fresh id), then resolves names in
 * `dependsOn` to the ids drawn. Throws `invalid_input` naming the entry and the field for an
 * invalid entry, a duplicate name or one that is neither a name of the batch nor a task id;
 * `dependency_cycle`, naming the cycle, when names wait for each other in a ring.
 */
export function prepareBatch(entries: readonly BatchTaskInput[], prepare: (input: NewTaskInput) => NewTask): PreparedBatch {
  const labelOf = (index: number): string => entries[index]?.label ?? `task ${index + 1}`;
  const byName = new Map<string, number>();
  entries.forEach((entry, index) => {
    if (entry.name === undefined) return;
    const problem =
      entry.name.trim() === ''
        ? 'is empty'
        : isTaskId(entry.name)
          ? 'looks like a task id: pick a name that does not, so dependsOn is never ambiguous'
          : byName.has(entry.name)
            ? `is already the name of ${labelOf(byName.get(entry.name) as number)}`
            : undefined;
    if (problem !== undefined) throw entryError(labelOf(index), 'name', `the name "${entry.name}" ${problem}`);
    byName.set(entry.name, index);
  });

  // In-batch dependencies of each entry, by index; the rest are real ids the store checks.
  const local: number[][] = [];
  const prepared = entries.map((entry, index) => {
    const { name: _name, label: _label, dependsOn = [], ...input } = entry;
    const within: number[] = [];
    const ids: string[] = [];
    for (const reference of dependsOn) {
      const target = byName.get(reference);
      if (target !== undefined) within.push(target);
      else if (isTaskId(reference)) ids.push(reference);
      else {
        throw entryError(labelOf(index), 'dependsOn', `"${reference}" is neither a task id nor the name of a task in this batch`);
      }
    }
    local.push(within);
    try {
      return prepare({ ...input, dependsOn: ids });
    } catch (error) {
      if (isClaudineError(error) && error.code === 'invalid_input') {
        throw new ClaudineError('invalid_input', `${labelOf(index)}: ${error.message}`, {
          cause: error,
          details: { ...error.details, entry: index },
        });
      }
      throw error;
    }
  });

  const ids = prepared.map((task) => task.id);
  const tasks = prepared.map((task, index) => {
    const within = local[index] ?? [];
    if (within.length === 0) return task;
    // The batch's own ids go after the real ones, in the order given.
    return { ...task, dependsOn: [...task.dependsOn, ...within.map((target) => ids[target] as string)] };
  });
  return { tasks: insertionOrder(tasks, local, entries), ids };
}

// Kahn's algorithm, taking the earliest entry first so a batch already in order stays in it.
function insertionOrder(tasks: readonly NewTask[], local: readonly number[][], entries: readonly BatchTaskInput[]): NewTask[] {
  const waiting = local.map((within) => new Set(within).size);
  const dependents: number[][] = tasks.map(() => []);
  local.forEach((within, index) => {
    for (const target of new Set(within)) dependents[target]?.push(index);
  });
  const order: NewTask[] = [];
  const ready: number[] = [];
  waiting.forEach((count, index) => {
    if (count === 0) ready.push(index);
  });
  for (let head = 0; head < ready.length; head += 1) {
    const index = ready[head] as number;
    order.push(tasks[index] as NewTask);
    for (const dependent of dependents[index] ?? []) {
      waiting[dependent] = (waiting[dependent] ?? 0) - 1;
      if (waiting[dependent] === 0) ready.push(dependent);
    }
  }
  if (order.length === tasks.length) return order;
  const cycle = findCycle(local, waiting).map((index) => entries[index]?.name ?? `task ${index + 1}`);
  throw new ClaudineError(
    'dependency_cycle',
    `The batch's dependencies form a cycle: ${cycle.join(' → ')} (each waits for the next). Remove one of these dependencies.`,
    { details: { cycle } },
  );
}

// A cycle among the entries Kahn's algorithm left (each still waits for one of them): walk from
// one along dependencies still waited for until an entry repeats.
function findCycle(local: readonly number[][], waiting: readonly number[]): number[] {
  const start = waiting.findIndex((count) => count > 0);
  const path: number[] = [];
  const seen = new Map<number, number>();
  for (let at = start; ; ) {
    const position = seen.get(at);
    if (position !== undefined) return [...path.slice(position), at];
    seen.set(at, path.length);
    path.push(at);
    at = (local[at] ?? []).find((target) => (waiting[target] ?? 0) > 0) as number;
  }
}

function entryError(label: string, field: string, message: string): ClaudineError {
  return new ClaudineError('invalid_input', `${label}: ${field}: ${message}`, { details: { field } });
}
