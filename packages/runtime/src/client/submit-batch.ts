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
export function prepareBatch(entries: readonly BatchTaskInput[], prepare: (input: NewTaskInput, index: number) => NewTask): PreparedBatch {
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
      return prepare({ ...input, dependsOn: ids }, index);
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

// Depth first, in input order: each task goes right after the last of the batch's tasks it waits
// for, so a batch already in order keeps its order (it is also the tasks' FIFO order), and a
// task met again while its own dependencies are being placed closes a cycle.
function insertionOrder(tasks: readonly NewTask[], local: readonly number[][], entries: readonly BatchTaskInput[]): NewTask[] {
  const state = new Uint8Array(tasks.length); // 0: not placed, 1: being placed, 2: placed
  const order: NewTask[] = [];
  for (let root = 0; root < tasks.length; root += 1) {
    if (state[root] === 2) continue;
    // The path being placed, each with the next of its dependencies to look at.
    const path: Array<{ index: number; next: number }> = [{ index: root, next: 0 }];
    state[root] = 1;
    while (path.length > 0) {
      const top = path[path.length - 1] as { index: number; next: number };
      const within = local[top.index] ?? [];
      if (top.next < within.length) {
        const target = within[top.next] as number;
        top.next += 1;
        if (state[target] === 2) continue;
        if (state[target] === 1) {
          const start = path.findIndex((step) => step.index === target);
          const cycle = [...path.slice(start).map((step) => step.index), target].map(
            (index) => entries[index]?.name ?? `task ${index + 1}`,
          );
          throw new ClaudineError(
            'dependency_cycle',
            `The batch's dependencies form a cycle: ${cycle.join(' → ')} (each waits for the next). Remove one of these dependencies.`,
            { details: { cycle } },
          );
        }
        state[target] = 1;
        path.push({ index: target, next: 0 });
        continue;
      }
      state[top.index] = 2;
      order.push(tasks[top.index] as NewTask);
      path.pop();
    }
  }
  return order;
}

function entryError(label: string, field: string, message: string): ClaudineError {
  return new ClaudineError('invalid_input', `${label}: ${field}: ${message}`, { details: { field } });
}
