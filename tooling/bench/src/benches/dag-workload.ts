import { formatTaskId, type NewTask, type Priority } from '@claudine/core';
import { completedOutcomeFixture, newTaskFixture } from '@claudine/task-fixtures';
import { seededRandom } from '../support/seeded-random.js';

/**
 * A random DAG for the dependency benchmarks: `dependsOn[i]` lists distinct tasks before i, so
 * it is acyclic by construction, and dependencies are spread over the whole graph (a wide DAG
 * with long and short edges). Seeded, so every run builds the same graph.
 */
export interface DagWorkload {
  readonly size: number;
  readonly edgeCount: number;
  readonly dependsOn: readonly (readonly number[])[];
}

/** `size` tasks and exactly `edges` dependencies (as evenly spread as the DAG allows). */
export function randomDag(size: number, edges: number, seed = 42): DagWorkload {
  const random = seededRandom(seed);
  const dependsOn: number[][] = [];
  let remaining = edges;
  for (let index = 0; index < size; index += 1) {
    const left = size - index;
    const wanted = Math.min(index, Math.ceil(remaining / left));
    const picked = new Set<number>();
    while (picked.size < wanted) picked.add(Math.floor(random() * index));
    dependsOn.push([...picked]);
    remaining -= picked.size;
  }
  return { size, edgeCount: edges - remaining, dependsOn };
}

/** Ids for a workload: task ids as the store uses them, from a seeded source. */
export function workloadIds(size: number, seed = 7): string[] {
  const random = seededRandom(seed);
  const seen = new Set<string>();
  const ids: string[] = [];
  const bytes = new Uint8Array(8);
  while (ids.length < size) {
    for (let index = 0; index < 8; index += 1) bytes[index] = Math.floor(random() * 256);
    const id = formatTaskId(bytes);
    if (seen.has(id)) continue;
    seen.add(id);
    ids.push(id);
  }
  return ids;
}

/** A trivial command task for the store benchmarks. */
export function benchTask(id: string, dependsOn: readonly string[], priority: Priority = 'P1'): NewTask {
  return newTaskFixture({ id, dependsOn, priority });
}

/** The outcome of a successful run, as a host records it. */
export const completed = completedOutcomeFixture;
