import { join } from 'node:path';
import { SqliteTaskStore } from '@claudine/store-sqlite';
import type { Benchmark, Figure } from '../harness.js';
import { benchTask, completed, type DagWorkload, randomDag, workloadIds } from './dag-workload.js';

const SIZE = 100_000;
const EDGES = 500_000;
const BATCH = 1000;

interface Timings {
  readonly buildMs: number;
  readonly resolveMs: number;
}

// Stores the workload through the store (createMany, 1,000 tasks per transaction, as a client
// submitting a workflow would), then resolves it as a host does: claim the next ready task,
// record it completed, until nothing is left. Checks every claim against the edges.
async function buildAndResolve(path: string, workload: DagWorkload): Promise<Timings> {
  const store = SqliteTaskStore.open({ path, synchronous: 'NORMAL' });
  try {
    const ids = workloadIds(workload.size);
    const indexOf = new Map(ids.map((id, index) => [id, index]));
    const buildStarted = performance.now();
    for (let start = 0; start < workload.size; start += BATCH) {
      const batch = [];
      for (let index = start; index < Math.min(workload.size, start + BATCH); index += 1) {
        batch.push(
          benchTask(
            ids[index] as string,
            (workload.dependsOn[index] as number[]).map((at) => ids[at] as string),
          ),
        );
      }
      const created = await store.createMany(batch);
      if (!created.ok) throw new Error(created.error.message);
    }
    const buildMs = performance.now() - buildStarted;
    const done = new Uint8Array(workload.size);
    let resolved = 0;
    const resolveStarted = performance.now();
    for (;;) {
      const now = Date.now();
      const task = await store.claimNext({ owner: 'bench', maxRunning: 1_000_000, now, leaseExpiresAt: now + 60_000 });
      if (task === undefined) break;
      const index = indexOf.get(task.id) as number;
      for (const dependency of workload.dependsOn[index] as number[]) {
        if (done[dependency] !== 1) throw new Error(`task ${task.id} was claimed before its dependency ${ids[dependency]} completed`);
      }
      const finished = await store.finish(task.id, 'bench', completed(now));
      if (!finished.ok) throw new Error(finished.error.message);
      done[index] = 1;
      resolved += 1;
    }
    const resolveMs = performance.now() - resolveStarted;
    if (resolved !== workload.size) throw new Error(`only ${resolved} of ${workload.size} tasks were resolved`);
    return { buildMs, resolveMs };
  } finally {
    store.close();
  }
}

export const dagStoreBenchmark: Benchmark = {
  name: 'dag-store',
  description: `The same random DAG of ${SIZE.toLocaleString('en-US')} tasks and ${EDGES.toLocaleString('en-US')} edges through the SQLite store (synchronous=NORMAL, as the host writes): stored with \`createMany\` in transactions of ${BATCH.toLocaleString('en-US')} tasks, then resolved one task at a time with \`claimNext\` + \`finish\`, every claim checked against the edges. Baseline: ${SIZE.toLocaleString('en-US')} tasks with no edges through the same calls, in the same run. One run each (the figures are large).`,
  async run({ scratch, log }) {
    const workload = randomDag(SIZE, EDGES);
    log(`workload: ${workload.size} tasks, ${workload.edgeCount} edges; baseline first`);
    const baseline = await buildAndResolve(join(scratch, 'flat.db'), {
      size: SIZE,
      edgeCount: 0,
      dependsOn: workload.dependsOn.map(() => []),
    });
    log(`baseline: build ${baseline.buildMs.toFixed(0)} ms, resolve ${baseline.resolveMs.toFixed(0)} ms`);
    const dag = await buildAndResolve(join(scratch, 'dag.db'), workload);
    log(`dag: build ${dag.buildMs.toFixed(0)} ms, resolve ${dag.resolveMs.toFixed(0)} ms`);
    const perTask = (ms: number) => (ms * 1000) / SIZE;
    const figures: Figure[] = [
      {
        metric: 'store the DAG (createMany)',
        value: dag.buildMs / 1000,
        unit: 's',
        baseline: baseline.buildMs / 1000,
        baselineLabel: 'no edges',
        better: 'lower',
      },
      {
        metric: 'resolve the DAG (claimNext + finish per task)',
        value: dag.resolveMs / 1000,
        unit: 's',
        baseline: baseline.resolveMs / 1000,
        baselineLabel: 'no edges',
        better: 'lower',
      },
      {
        metric: 'resolve cost per task',
        value: perTask(dag.resolveMs),
        unit: 'µs',
        baseline: perTask(baseline.resolveMs),
        baselineLabel: 'no edges',
        better: 'lower',
      },
    ];
    return figures;
  },
};
