import { join } from 'node:path';
import type { NewTask } from '@claudine/core';
import { SqliteTaskStore } from '@claudine/store-sqlite';
import { type Benchmark, type Figure, median } from '../harness.js';
import { benchTask, completed, randomDag, workloadIds } from './dag-workload.js';

const SIZES = [1_000, 10_000, 100_000] as const;
const HUBS = 300;
const FAN_OUT = 5;

// A graph of `size` waiting tasks (5 edges each), plus HUBS ready P0 tasks with FAN_OUT
// dependents each. Completing a hub is what is measured: it releases exactly FAN_OUT tasks
// whatever the size of the graph around it.
function layout(size: number, seed: number) {
  const workload = randomDag(size, size * 5, seed);
  const ids = workloadIds(size + HUBS * (1 + FAN_OUT), seed + 1);
  const background = ids.slice(0, size);
  const hubs = ids.slice(size, size + HUBS);
  const dependents = hubs.map((_, hub) => ids.slice(size + HUBS + hub * FAN_OUT, size + HUBS + (hub + 1) * FAN_OUT));
  return { workload, background, hubs, dependents };
}

async function storeCosts(path: string, size: number): Promise<number[]> {
  const { workload, background, hubs, dependents } = layout(size, size);
  const store = SqliteTaskStore.open({ path, synchronous: 'NORMAL' });
  try {
    const tasks: NewTask[] = background.map((id, index) =>
      benchTask(
        id,
        (workload.dependsOn[index] as number[]).map((at) => background[at] as string),
        'P2',
      ),
    );
    hubs.forEach((hub, index) => {
      tasks.push(benchTask(hub, [], 'P0'));
      for (const dependent of dependents[index] as string[]) tasks.push(benchTask(dependent, [hub], 'P2'));
    });
    for (let start = 0; start < tasks.length; start += 5000) {
      const created = await store.createMany(tasks.slice(start, start + 5000));
      if (!created.ok) throw new Error(created.error.message);
    }
    const samples: number[] = [];
    for (const hub of hubs) {
      const now = Date.now();
      const claimed = await store.claimNext({ owner: 'bench', maxRunning: 1_000_000, now, leaseExpiresAt: now + 60_000 });
      if (claimed?.id !== hub) throw new Error(`claimed ${claimed?.id} instead of hub ${hub}`);
      const started = performance.now();
      const finished = await store.finish(hub, 'bench', completed(now));
      samples.push(performance.now() - started);
      if (!finished.ok) throw new Error(finished.error.message);
    }
    // Every hub's dependents are ready now: the counts were really updated.
    const released = await store.get(dependents[0]?.[0] as string);
    if (released?.blockedBy.length !== 0) throw new Error('a hub completion did not release its dependents');
    return samples;
  } finally {
    store.close();
  }
}

export const dagReadinessBenchmark: Benchmark = {
  name: 'dag-readiness',
  description: `Cost of the readiness update when a task with ${FAN_OUT} dependents completes, as the graph around it grows from 1,000 to 100,000 waiting tasks (5 edges each): \`finish\` in the SQLite store (median of ${HUBS}). Baseline: the same at 1,000 tasks, in the same run. It must stay flat: a ratio near 100%.`,
  async run({ scratch, log }) {
    const store = new Map<number, number>();
    for (const size of SIZES) {
      log(`graph of ${size} tasks`);
      store.set(size, median(await storeCosts(join(scratch, `ready-${size}.db`), size)));
    }
    const figures: Figure[] = [];
    for (const size of SIZES) {
      figures.push({
        metric: `store: finish, ${FAN_OUT} dependents, ${size.toLocaleString('en-US')} tasks`,
        value: (store.get(size) as number) * 1000,
        unit: 'µs',
        baseline: (store.get(SIZES[0]) as number) * 1000,
        baselineLabel: '1,000 tasks',
        better: 'lower',
        target: 'flat (≥ 50%)',
      });
    }
    return figures;
  },
};
