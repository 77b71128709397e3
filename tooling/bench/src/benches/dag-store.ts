import { join } from 'node:path';
import { SqliteTaskStore } from '@claudine/store-sqlite';
import type { Benchmark, Figure } from '../harness.js';
import { benchTask, completed, type DagWorkload, randomDag, workloadIds } from './dag-workload.js';

const SIZE = 100_000;
const EDGES = 500_000;
const BATCH = 1000;

/** One store under test: its workload, and the time spent on it so far. */
interface Lane {
  readonly store: SqliteTaskStore;
  readonly workload: DagWorkload;
  readonly ids: readonly string[];
  readonly indexOf: ReadonlyMap<string, number>;
  readonly done: Uint8Array;
  buildMs: number;
  resolveMs: number;
  resolved: number;
  finished: boolean;
}

function lane(path: string, workload: DagWorkload): Lane {
  const ids = workloadIds(workload.size);
  return {
    store: SqliteTaskStore.open({ path, synchronous: 'NORMAL' }),
    workload,
    ids,
    indexOf: new Map(ids.map((id, index) => [id, index])),
    done: new Uint8Array(workload.size),
    buildMs: 0,
    resolveMs: 0,
    resolved: 0,
    finished: false,
  };
}

// Stores one batch of the lane's workload through the store (createMany, as a client submitting
// a workflow would).
async function storeBatch(target: Lane, start: number): Promise<void> {
  const batch = [];
  for (let index = start; index < Math.min(target.workload.size, start + BATCH); index += 1) {
    batch.push(
      benchTask(
        target.ids[index] as string,
        (target.workload.dependsOn[index] as number[]).map((at) => target.ids[at] as string),
      ),
    );
  }
  const started = performance.now();
  const created = await target.store.createMany(batch);
  target.buildMs += performance.now() - started;
  if (!created.ok) throw new Error(created.error.message);
}

// Resolves up to BATCH tasks as a host does (claim the next ready task, record it completed),
// checking every claim against the edges.
async function resolveBatch(target: Lane): Promise<void> {
  const started = performance.now();
  for (let count = 0; count < BATCH; count += 1) {
    const now = Date.now();
    const task = await target.store.claimNext({ owner: 'bench', maxRunning: 1_000_000, now, leaseExpiresAt: now + 60_000 });
    if (task === undefined) {
      target.finished = true;
      break;
    }
    const index = target.indexOf.get(task.id) as number;
    for (const dependency of target.workload.dependsOn[index] as number[]) {
      if (target.done[dependency] !== 1)
        throw new Error(`task ${task.id} was claimed before its dependency ${target.ids[dependency]} completed`);
    }
    const finished = await target.store.finish(task.id, 'bench', completed(now));
    if (!finished.ok) throw new Error(finished.error.message);
    target.done[index] = 1;
    target.resolved += 1;
  }
  target.resolveMs += performance.now() - started;
}

export const dagStoreBenchmark: Benchmark = {
  name: 'dag-store',
  description: `The same random DAG of ${SIZE.toLocaleString('en-US')} tasks and ${EDGES.toLocaleString('en-US')} edges through the SQLite store (synchronous=NORMAL, as the host writes): stored with \`createMany\` in transactions of ${BATCH.toLocaleString('en-US')} tasks, then resolved one task at a time with \`claimNext\` + \`finish\`, every claim checked against the edges. Baseline: ${SIZE.toLocaleString('en-US')} tasks with no edges through the same calls, in the same run, interleaved with the DAG batch by batch. One run (the figures are large).`,
  async run({ scratch, log }) {
    const workload = randomDag(SIZE, EDGES);
    log(`workload: ${workload.size} tasks, ${workload.edgeCount} edges`);
    // The DAG and its baseline advance in alternate batches of 1,000, so a burst of load from
    // other processes on the machine falls on both alike and the ratio stays meaningful.
    const baseline = lane(join(scratch, 'flat.db'), { size: SIZE, edgeCount: 0, dependsOn: workload.dependsOn.map(() => []) });
    const dag = lane(join(scratch, 'dag.db'), workload);
    try {
      for (let start = 0; start < SIZE; start += BATCH) {
        await storeBatch(baseline, start);
        await storeBatch(dag, start);
      }
      while (!baseline.finished || !dag.finished) {
        if (!baseline.finished) await resolveBatch(baseline);
        if (!dag.finished) await resolveBatch(dag);
      }
    } finally {
      baseline.store.close();
      dag.store.close();
    }
    for (const target of [baseline, dag]) {
      if (target.resolved !== SIZE) throw new Error(`only ${target.resolved} of ${SIZE} tasks were resolved`);
    }
    log(`baseline: build ${baseline.buildMs.toFixed(0)} ms, resolve ${baseline.resolveMs.toFixed(0)} ms`);
    log(`dag: build ${dag.buildMs.toFixed(0)} ms, resolve ${dag.resolveMs.toFixed(0)} ms`);
    const perTask = (ms: number) => (ms * 1000) / SIZE;
    const againstNoEdges = (metric: string, unit: string, value: number, baselineValue: number): Figure => ({
      metric,
      value,
      unit,
      baseline: baselineValue,
      baselineLabel: 'no edges',
      better: 'lower',
    });
    return [
      againstNoEdges('store the DAG (createMany)', 's', dag.buildMs / 1000, baseline.buildMs / 1000),
      againstNoEdges('resolve the DAG (claimNext + finish per task)', 's', dag.resolveMs / 1000, baseline.resolveMs / 1000),
      againstNoEdges('resolve cost per task', 'µs', perTask(dag.resolveMs), perTask(baseline.resolveMs)),
    ];
  },
};
