import { createDependencyGraph, createTaskQueue, PRIORITIES } from '@claudine/core';
import { type Benchmark, median, timeRepeated } from '../harness.js';
import { type DagWorkload, randomDag } from './dag-workload.js';

const SIZE = 100_000;
const EDGES = 500_000;

// Builds the graph (every edge through addTask, which refuses unknown ids) and orders it.
function buildAndOrder(names: readonly string[], dependencyNames: readonly (readonly string[])[]): number {
  const graph = createDependencyGraph();
  for (let index = 0; index < names.length; index += 1) {
    const added = graph.addTask(names[index] as string, dependencyNames[index] as string[]);
    if (!added.ok) throw new Error(added.error.message);
  }
  return graph.topologicalOrder().length;
}

// Runs the whole DAG through the dependency-aware priority queue: every task is added waiting
// for its dependencies, then popped and completed in turn, as a scheduler with free slots would.
function resolve(names: readonly string[], dependencyNames: readonly (readonly string[])[]): number {
  const queue = createTaskQueue();
  for (let index = 0; index < names.length; index += 1) {
    queue.add({ id: names[index] as string, priority: PRIORITIES[index % 3] ?? 'P1', seq: index + 1 }, dependencyNames[index] as string[]);
  }
  let resolved = 0;
  for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
    queue.complete(next.id);
    resolved += 1;
  }
  return resolved;
}

// The floor: the same edges in flat typed arrays (compressed sparse rows) and Kahn's algorithm,
// with no ids, no checks and no priorities. What touching 500,000 edges costs at the least.
function plainArrays(workload: DagWorkload): number {
  const offsets = new Int32Array(workload.size + 1);
  for (let index = 0; index < workload.size; index += 1) {
    for (const dependency of workload.dependsOn[index] as number[]) offsets[dependency + 1] = (offsets[dependency + 1] as number) + 1;
  }
  for (let index = 0; index < workload.size; index += 1) offsets[index + 1] = (offsets[index + 1] as number) + (offsets[index] as number);
  const cursor = offsets.slice(0, workload.size);
  const dependents = new Int32Array(workload.edgeCount);
  const waiting = new Int32Array(workload.size);
  for (let index = 0; index < workload.size; index += 1) {
    const dependencies = workload.dependsOn[index] as number[];
    waiting[index] = dependencies.length;
    for (const dependency of dependencies) {
      dependents[cursor[dependency] as number] = index;
      cursor[dependency] = (cursor[dependency] as number) + 1;
    }
  }
  const order = new Int32Array(workload.size);
  let tail = 0;
  for (let index = 0; index < workload.size; index += 1) if (waiting[index] === 0) order[tail++] = index;
  for (let head = 0; head < tail; head += 1) {
    const task = order[head] as number;
    for (let at = offsets[task] as number; at < (offsets[task + 1] as number); at += 1) {
      const dependent = dependents[at] as number;
      waiting[dependent] = (waiting[dependent] as number) - 1;
      if (waiting[dependent] === 0) order[tail++] = dependent;
    }
  }
  return tail;
}

export const dagMemoryBenchmark: Benchmark = {
  name: 'dag-memory',
  description: `A random DAG of ${SIZE.toLocaleString('en-US')} tasks and ${EDGES.toLocaleString('en-US')} edges in memory (median of 5): built through \`createDependencyGraph\` (every edge checked) and ordered topologically, then resolved through \`createTaskQueue\` (every task added waiting for its dependencies, then popped and completed in priority order). Baseline: the same edges in flat typed arrays with Kahn's algorithm, in the same run. Target: build and resolve under 1 s.`,
  async run({ log }) {
    const workload = randomDag(SIZE, EDGES);
    // The input as a client would hand it over: ids, and each task's dependency ids.
    const names = Array.from({ length: SIZE }, (_, index) => `t${index}`);
    const dependencyNames = workload.dependsOn.map((dependencies) => dependencies.map((at) => names[at] as string));
    log(`workload: ${workload.size} tasks, ${workload.edgeCount} edges`);
    for (const check of [buildAndOrder(names, dependencyNames), resolve(names, dependencyNames), plainArrays(workload)]) {
      if (check !== SIZE) throw new Error(`only ${check} of ${SIZE} tasks were ordered`);
    }
    const build = median(await timeRepeated(5, () => void buildAndOrder(names, dependencyNames)));
    const resolving = median(await timeRepeated(5, () => void resolve(names, dependencyNames)));
    const total = median(
      await timeRepeated(5, () => {
        buildAndOrder(names, dependencyNames);
        resolve(names, dependencyNames);
      }),
    );
    const baseline = median(await timeRepeated(5, () => void plainArrays(workload)));
    return [
      { metric: 'build graph + topological order', value: build, unit: 'ms', better: 'lower' },
      { metric: 'resolve through the queue', value: resolving, unit: 'ms', better: 'lower' },
      {
        metric: 'build + resolve',
        value: total,
        unit: 'ms',
        baseline,
        baselineLabel: 'typed arrays + Kahn',
        better: 'lower',
        target: '< 1,000 ms',
      },
    ];
  },
};
