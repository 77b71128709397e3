import { type DependencyCycle, dependencyCycle } from './dependency-cycle.js';
import { err, ok, type Result } from './result.js';

/** Why a change to a {@link DependencyGraph} was refused. */
export type DependencyGraphError =
  | DependencyCycle
  | { readonly kind: 'unknown_task'; readonly ids: readonly string[]; readonly message: string }
  | { readonly kind: 'duplicate_task'; readonly id: string; readonly message: string };

/**
 * Tasks and the dependencies between them, in memory: a directed acyclic graph whose edges point
 * from a task to the tasks it waits for. Every change keeps it acyclic (an edge that would close
 * a cycle is refused, naming the cycle), so {@link DependencyGraph.topologicalOrder} always
 * exists. Stores keep their own copy of the edges; this one serves the in-memory scheduler,
 * property tests and benchmarks, and documents the rules every store follows.
 */
export interface DependencyGraph {
  /** Number of tasks. */
  readonly size: number;
  /** Number of dependencies (edges). */
  readonly edgeCount: number;
  /** True when `id` is in the graph. */
  has(id: string): boolean;
  /**
   * Adds a task waiting for `dependsOn` (duplicates ignored). A new task has no dependents, so it
   * cannot close a cycle; unknown dependencies and an id already present are refused.
   */
  addTask(id: string, dependsOn?: Iterable<string>): Result<void, DependencyGraphError>;
  /**
   * Makes `taskId` wait for `dependsOn`. Returns false when it already did. Refuses unknown ids and
   * an edge that would close a cycle (a self-dependency included), naming the cycle.
   */
  addDependency(taskId: string, dependsOn: string): Result<boolean, DependencyGraphError>;
  /** Removes the edge; false when there was none. */
  removeDependency(taskId: string, dependsOn: string): boolean;
  /** The tasks `id` waits for directly, in the order they were added. */
  dependenciesOf(id: string): string[];
  /** The tasks that wait for `id` directly, in the order they were added. */
  dependentsOf(id: string): string[];
  /**
   * A chain `[from, ..., to]` in which each task waits for the next, or undefined when `from` does
   * not wait for `to`, even indirectly. Breadth-first, so the chain is a shortest one.
   */
  findPath(from: string, to: string): string[] | undefined;
  /** Every task that waits for `id`, directly or not, nearest first. */
  transitiveDependents(id: string): string[];
  /** Every task `id` waits for, directly or not, nearest first. */
  transitiveDependencies(id: string): string[];
  /**
   * Every task, each after all the tasks it waits for (Kahn's algorithm, first in first out, so
   * the order is deterministic).
   */
  topologicalOrder(): string[];
}

/** Creates an empty {@link DependencyGraph}. */
export function createDependencyGraph(): DependencyGraph {
  // Integer indices and arrays rather than maps of sets: a graph of 100,000 tasks and 500,000
  // edges is built and ordered in well under a second this way.
  const ids: string[] = [];
  const indexOf = new Map<string, number>();
  const dependencies: number[][] = [];
  const dependents: number[][] = [];
  let edges = 0;
  const seenBy: number[] = [];
  let addCount = 0;

  function unknown(missing: readonly string[]): DependencyGraphError {
    return {
      kind: 'unknown_task',
      ids: missing,
      message: `unknown task id${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`,
    };
  }

  function walk(start: number, next: readonly number[][], stopAt?: number): { order: number[]; parent: Map<number, number> } {
    const parent = new Map<number, number>([[start, -1]]);
    const order: number[] = [];
    for (let head = 0, frontier = [start]; head < frontier.length; head += 1) {
      const current = frontier[head] as number;
      for (const neighbour of next[current] as number[]) {
        if (parent.has(neighbour)) continue;
        parent.set(neighbour, current);
        order.push(neighbour);
        if (neighbour === stopAt) return { order, parent };
        frontier.push(neighbour);
      }
    }
    return { order, parent };
  }

  function chainTo(parent: ReadonlyMap<number, number>, end: number): string[] {
    const chain: string[] = [];
    for (let at = end; at !== -1; at = parent.get(at) ?? -1) chain.push(ids[at] as string);
    return chain;
  }

  return {
    get size() {
      return ids.length;
    },
    get edgeCount() {
      return edges;
    },
    has(id) {
      return indexOf.has(id);
    },
    addTask(id, dependsOn = []) {
      if (indexOf.has(id)) return err({ kind: 'duplicate_task', id, message: `task ${id} is already in the graph` });
      const targets: number[] = [];
      let missing: string[] | undefined;
      addCount += 1;
      for (const dependency of dependsOn) {
        const index = indexOf.get(dependency);
        if (index === undefined) {
          missing ??= [];
          if (!missing.includes(dependency)) missing.push(dependency);
          continue;
        }
        // A stamp per node drops duplicates without a set per call.
        if (seenBy[index] === addCount) continue;
        seenBy[index] = addCount;
        targets.push(index);
      }
      if (missing !== undefined) return err(unknown(missing));
      const index = ids.length;
      ids.push(id);
      indexOf.set(id, index);
      dependencies.push(targets);
      dependents.push([]);
      seenBy.push(0);
      for (const target of targets) (dependents[target] as number[]).push(index);
      edges += targets.length;
      return ok(undefined);
    },
    addDependency(taskId, dependsOn) {
      const task = indexOf.get(taskId);
      const target = indexOf.get(dependsOn);
      if (task === undefined || target === undefined) {
        return err(unknown([taskId, dependsOn].filter((id) => !indexOf.has(id))));
      }
      if (task === target) return err(dependencyCycle(taskId, dependsOn, [taskId]));
      if ((dependencies[task] as number[]).includes(target)) return ok(false);
      // The new edge closes a cycle exactly when `dependsOn` already waits for `taskId`. Searching
      // from `taskId` through its dependents stays small for a task that has not started: only
      // tasks that wait for it are visited.
      const { parent } = walk(task, dependents, target);
      if (parent.has(target)) return err(dependencyCycle(taskId, dependsOn, chainTo(parent, target)));
      (dependencies[task] as number[]).push(target);
      (dependents[target] as number[]).push(task);
      edges += 1;
      return ok(true);
    },
    removeDependency(taskId, dependsOn) {
      const task = indexOf.get(taskId);
      const target = indexOf.get(dependsOn);
      if (task === undefined || target === undefined) return false;
      const forward = dependencies[task] as number[];
      const at = forward.indexOf(target);
      if (at === -1) return false;
      forward.splice(at, 1);
      const backward = dependents[target] as number[];
      backward.splice(backward.indexOf(task), 1);
      edges -= 1;
      return true;
    },
    dependenciesOf(id) {
      const index = indexOf.get(id);
      return index === undefined ? [] : (dependencies[index] as number[]).map((at) => ids[at] as string);
    },
    dependentsOf(id) {
      const index = indexOf.get(id);
      return index === undefined ? [] : (dependents[index] as number[]).map((at) => ids[at] as string);
    },
    findPath(from, to) {
      const start = indexOf.get(from);
      const end = indexOf.get(to);
      if (start === undefined || end === undefined) return undefined;
      if (start === end) return [from];
      // Walking backwards from `to` through dependents yields the chain in waiting order.
      const { parent } = walk(end, dependents, start);
      return parent.has(start) ? chainTo(parent, start) : undefined;
    },
    transitiveDependents(id) {
      const index = indexOf.get(id);
      return index === undefined ? [] : walk(index, dependents).order.map((at) => ids[at] as string);
    },
    transitiveDependencies(id) {
      const index = indexOf.get(id);
      return index === undefined ? [] : walk(index, dependencies).order.map((at) => ids[at] as string);
    },
    topologicalOrder() {
      const waiting = new Int32Array(ids.length);
      const order: number[] = [];
      for (let index = 0; index < ids.length; index += 1) {
        waiting[index] = (dependencies[index] as number[]).length;
        if (waiting[index] === 0) order.push(index);
      }
      for (let head = 0; head < order.length; head += 1) {
        for (const dependent of dependents[order[head] as number] as number[]) {
          waiting[dependent] = (waiting[dependent] as number) - 1;
          if (waiting[dependent] === 0) order.push(dependent);
        }
      }
      return order.map((at) => ids[at] as string);
    },
  };
}
