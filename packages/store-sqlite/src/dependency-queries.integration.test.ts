import { join } from 'node:path';
import type { DependencyPolicy, Task } from '@claudine/core';
import { createTempDir, dagArbitrary, dagEdges, policiesArbitrary, type RandomDag, reachability, type TempDir } from '@claudine/test-utils';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteTaskStore } from './sqlite-task-store.js';
import { completedOutcome, failedOutcome, newTask } from './tasks.test-helper.js';

let temp: TempDir;
let run = 0;
const open: SqliteTaskStore[] = [];

function openStore(file?: string): SqliteTaskStore {
  run += 1;
  const name = file ?? `store-${run}.db`;
  const store = SqliteTaskStore.open({ path: join(temp.path, name), busyTimeoutMs: 10_000 });
  open.push(store);
  return store;
}

function claim(store: SqliteTaskStore, owner = 'host-a'): Promise<Task | undefined> {
  const now = Date.now();
  return store.claimNext({ owner, maxRunning: 10_000, now, leaseExpiresAt: now + 30_000 });
}

async function create(store: SqliteTaskStore, overrides: Parameters<typeof newTask>[0] = {}): Promise<Task> {
  const created = await store.create(newTask(overrides));
  if (!created.ok) throw new Error(created.error.message);
  return created.value;
}

/** Stores a random DAG; task i gets id `ids[i]`. */
async function storeDag(store: SqliteTaskStore, dag: RandomDag, policies?: readonly DependencyPolicy[]): Promise<string[]> {
  const ids: string[] = [];
  for (let index = 0; index < dag.size; index += 1) {
    const task = await create(store, {
      dependsOn: (dag.dependsOn[index] ?? []).map((dependency) => ids[dependency] as string),
      dependencyPolicy: policies?.[index] ?? 'fail',
    });
    ids.push(task.id);
  }
  return ids;
}

async function statuses(store: SqliteTaskStore, ids: readonly string[]): Promise<Task[]> {
  return Promise.all(ids.map(async (id) => (await store.get(id)) as Task));
}

beforeEach(() => {
  temp = createTempDir();
});

afterEach(() => {
  for (const store of open.splice(0)) store.close();
  temp.remove();
});

describe('dependencies in the SQLite store', () => {
  it('fails exactly the transitive dependents of a cancelled task under the fail policy, naming it', async () => {
    await fc.assert(
      fc.asyncProperty(dagArbitrary(20), fc.nat(), async (dag, rawRoot) => {
        const store = openStore();
        const ids = await storeDag(store, dag);
        const root = rawRoot % dag.size;
        const cancelled = await store.requestCancel(ids[root] as string, 'not needed', Date.now());
        expect(cancelled.ok && cancelled.value.kind).toBe('cancelled');
        const reach = reachability(dag.size, dagEdges(dag));
        for (const [index, task] of (await statuses(store, ids)).entries()) {
          if (index === root) expect(task).toMatchObject({ status: 'cancelled', failureReason: 'cancelled' });
          else if (reach[index]?.[root]) {
            expect(task).toMatchObject({ status: 'failed', failureReason: 'dependency_failed' });
            expect(task.statusDetail).toContain(ids[root]);
          } else expect(task.status).toBe('queued');
        }
        store.close();
      }),
      { numRuns: 30 },
    );
  });

  it('applies each dependent’s policy when a running task fails, and a retry restores the workflow exactly', async () => {
    await fc.assert(
      fc.asyncProperty(
        dagArbitrary(16).chain((dag) => fc.tuple(fc.constant(dag), policiesArbitrary(dag.size))),
        async ([dag, policies]) => {
          const store = openStore();
          const ids = await storeDag(store, dag, policies);
          const shape = (tasks: Task[]) => tasks.map((task) => [task.status, task.failureReason, task.blockedBy]);
          const before = shape(await statuses(store, ids));
          // t0 has no dependencies and was submitted first, so it is claimed first.
          const root = await claim(store);
          expect(root?.id).toBe(ids[0]);
          const failed = await store.finish(ids[0] as string, 'host-a', failedOutcome());
          expect(failed.ok).toBe(true);
          const ended = new Array<boolean>(dag.size).fill(false);
          ended[0] = true;
          for (let index = 1; index < dag.size; index += 1) {
            if (policies[index] !== 'run' && (dag.dependsOn[index] ?? []).some((dependency) => ended[dependency])) ended[index] = true;
          }
          for (const [index, task] of (await statuses(store, ids)).entries()) {
            if (index === 0) continue;
            if (!ended[index]) expect(task.status).toBe('queued');
            else {
              expect(task).toMatchObject({
                status: policies[index] === 'fail' ? 'failed' : 'cancelled',
                failureReason: 'dependency_failed',
              });
            }
            // A run-policy task counts an ended dependency as settled.
            if (task.status === 'queued') {
              const waiting = (dag.dependsOn[index] ?? []).filter((dependency) => !ended[dependency]).map((dependency) => ids[dependency]);
              expect(task.blockedBy).toEqual([...waiting].sort());
            }
          }
          // The counters the claim query reads match the edges (what `claudine db check` verifies).
          expect((await store.checkIntegrity()).problems).toEqual([]);
          const retried = await store.retry(ids[0] as string, Date.now());
          expect(retried.ok && retried.value.status).toBe('queued');
          expect(shape(await statuses(store, ids))).toEqual(before);
          expect((await store.checkIntegrity()).problems).toEqual([]);
          store.close();
        },
      ),
      { numRuns: 30 },
    );
  });

  it('refuses a random new edge exactly when it would close a cycle, writing nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.tuple(fc.nat({ max: 7 }), fc.nat({ max: 7 })), { maxLength: 25 }),
        async (size, insertions) => {
          const store = openStore();
          const ids: string[] = [];
          for (let index = 0; index < size; index += 1) ids.push((await create(store)).id);
          const accepted: Array<[number, number]> = [];
          for (const [rawTask, rawDependency] of insertions) {
            const task = rawTask % size;
            const dependency = rawDependency % size;
            const reach = reachability(size, accepted);
            const wouldCycle = task === dependency || reach[dependency]?.[task] === true;
            const result = await store.updateDependencies(ids[task] as string, { add: [ids[dependency] as string] }, Date.now());
            if (wouldCycle) {
              if (result.ok || result.error.kind !== 'dependency_cycle') throw new Error('expected a cycle to be refused');
              const cycle = result.error.cycle;
              expect([cycle[0], cycle[1], cycle[cycle.length - 1]]).toEqual([ids[task], ids[dependency], ids[task]]);
              for (let index = 1; index < cycle.length - 1; index += 1) {
                expect((await store.get(cycle[index] as string))?.dependsOn).toContain(cycle[index + 1]);
              }
              expect(result.error.message).toContain(task === dependency ? 'cannot depend on itself' : cycle.join(' → '));
            } else {
              expect(result.ok).toBe(true);
              if (!accepted.some(([from, to]) => from === task && to === dependency)) accepted.push([task, dependency]);
            }
          }
          for (const [index, id] of ids.entries()) {
            const expected = accepted.filter(([from]) => from === index).map(([, to]) => ids[to]);
            expect((await store.get(id))?.dependsOn).toEqual([...expected].sort());
          }
          expect((await store.checkIntegrity()).problems).toEqual([]);
          store.close();
        },
      ),
      { numRuns: 30 },
    );
  });

  it('hands out a random DAG in an order that respects every edge, however completions interleave', async () => {
    await fc.assert(
      fc.asyncProperty(dagArbitrary(20), fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }), async (dag, choices) => {
        const store = openStore();
        const ids = await storeDag(store, dag);
        const completed = new Set<string>();
        const running: string[] = [];
        const started: string[] = [];
        for (let step = 0; completed.size < dag.size; step += 1) {
          const next = choices[step % choices.length] === true || running.length === 0 ? await claim(store) : undefined;
          if (next !== undefined) {
            for (const dependency of next.dependsOn) expect(completed.has(dependency)).toBe(true);
            running.push(next.id);
            started.push(next.id);
            continue;
          }
          const finishing = running.shift() as string;
          expect((await store.finish(finishing, 'host-a', completedOutcome())).ok).toBe(true);
          completed.add(finishing);
        }
        expect([...started].sort()).toEqual([...ids].sort());
        store.close();
      }),
      { numRuns: 25 },
    );
  });

  it('runs a dependent whose policy is run once its failed dependency has ended', async () => {
    const store = openStore();
    const root = await create(store);
    const anyway = await create(store, { dependsOn: [root.id], dependencyPolicy: 'run' });
    const cancelling = await create(store, { dependsOn: [root.id], dependencyPolicy: 'cancel' });
    expect((await store.get(anyway.id))?.blockedBy).toEqual([root.id]);
    await claim(store);
    await store.finish(root.id, 'host-a', failedOutcome());
    expect(await store.get(cancelling.id)).toMatchObject({
      status: 'cancelled',
      failureReason: 'dependency_failed',
      statusDetail: `dependency ${root.id} failed`,
    });
    expect((await store.get(anyway.id))?.blockedBy).toEqual([]);
    expect((await claim(store))?.id).toBe(anyway.id);
  });

  it('names the task that started a chain of failures', async () => {
    const store = openStore();
    const build = await create(store);
    const test = await create(store, { dependsOn: [build.id] });
    const review = await create(store, { dependsOn: [test.id] });
    await claim(store);
    await store.finish(build.id, 'host-a', failedOutcome());
    expect((await store.get(test.id))?.statusDetail).toBe(`dependency ${build.id} failed`);
    expect((await store.get(review.id))?.statusDetail).toBe(`dependency ${test.id} failed because task ${build.id} failed`);
    // A task submitted after the chain failed names the same root.
    const late = await create(store, { dependsOn: [review.id], dependencyPolicy: 'cancel' });
    expect(late).toMatchObject({
      status: 'cancelled',
      failureReason: 'dependency_failed',
      statusDetail: `dependency ${review.id} failed because task ${build.id} failed`,
    });
  });

  it('fails a new task at once when a dependency already failed, and refuses to retry it before that one', async () => {
    const store = openStore();
    const root = await create(store);
    await claim(store);
    await store.finish(root.id, 'host-a', failedOutcome());
    const late = await create(store, { dependsOn: [root.id] });
    expect(late).toMatchObject({ status: 'failed', failureReason: 'dependency_failed', statusDetail: `dependency ${root.id} failed` });
    const refused = await store.retry(late.id, Date.now());
    expect(refused).toMatchObject({ ok: false, error: { kind: 'dependency_failed', dependency: root.id } });
    if (!refused.ok) expect(refused.error.message).toContain(`retry ${root.id}`);
    expect((await store.retry(root.id, Date.now())).ok).toBe(true);
    expect(await store.get(late.id)).toMatchObject({ status: 'queued', blockedBy: [root.id], failureReason: null });
    const completed = await store.retry(root.id, Date.now());
    expect(completed).toMatchObject({ ok: false, error: { kind: 'illegal_transition' } });
  });

  it('does not re-queue a dependent that also waits on another task that failed on its own', async () => {
    const store = openStore();
    const first = await create(store);
    const second = await create(store);
    const both = await create(store, { dependsOn: [first.id, second.id] });
    await claim(store);
    await claim(store);
    await store.finish(first.id, 'host-a', failedOutcome());
    await store.finish(second.id, 'host-a', failedOutcome());
    expect((await store.get(both.id))?.status).toBe('failed');
    await store.retry(first.id, Date.now());
    expect((await store.get(both.id))?.status).toBe('failed');
    await store.retry(second.id, Date.now());
    expect(await store.get(both.id)).toMatchObject({ status: 'queued', blockedBy: [first.id, second.id].sort() });
  });

  it('adds and removes dependencies of a queued task, and refuses them once it started', async () => {
    const store = openStore();
    const build = await create(store, { priority: 'P2' });
    const lint = await create(store, { priority: 'P2' });
    const test = await create(store, { priority: 'P0' });
    const added = await store.updateDependencies(test.id, { add: [build.id, lint.id] }, Date.now());
    expect(added.ok && added.value).toMatchObject({ dependsOn: [build.id, lint.id].sort(), blockedBy: [build.id, lint.id].sort() });
    const removed = await store.updateDependencies(test.id, { remove: [lint.id] }, Date.now());
    expect(removed.ok && removed.value.blockedBy).toEqual([build.id]);
    expect((await claim(store))?.id).toBe(build.id);
    expect((await claim(store))?.id).toBe(lint.id);
    expect(await claim(store)).toBeUndefined();
    await store.finish(build.id, 'host-a', completedOutcome());
    expect((await claim(store))?.id).toBe(test.id);
    const late = await store.updateDependencies(test.id, { add: [lint.id] }, Date.now());
    expect(late).toMatchObject({ ok: false, error: { kind: 'not_queued', status: 'running' } });
    const unknown = await store.updateDependencies((await create(store)).id, { add: ['aaaaaaaaaa'] }, Date.now());
    expect(unknown).toMatchObject({ ok: false, error: { kind: 'unknown_dependency', ids: ['aaaaaaaaaa'] } });
  });

  it('rolls back every part of a change that is refused half-way', async () => {
    const store = openStore();
    const first = await create(store);
    const second = await create(store, { dependsOn: [first.id] });
    const third = await create(store, { dependsOn: [second.id] });
    // Removing third's edge would go through; the cycle first -> third -> second -> first is refused.
    const refused = await store.updateDependencies(first.id, { add: [third.id] }, Date.now());
    expect(refused).toMatchObject({ ok: false, error: { cycle: [first.id, third.id, second.id, first.id] } });
    const mixed = await store.updateDependencies(third.id, { remove: [second.id], add: [third.id] }, Date.now());
    expect(mixed).toMatchObject({ ok: false, error: { kind: 'dependency_cycle', cycle: [third.id, third.id] } });
    expect((await store.get(third.id))?.dependsOn).toEqual([second.id]);
    expect((await store.get(third.id))?.blockedBy).toEqual([second.id]);
    const notThere = await store.updateDependencies(third.id, { remove: [first.id] }, Date.now());
    expect(notThere).toMatchObject({ ok: false, error: { kind: 'unknown_dependency', ids: [first.id] } });
  });

  it('applies the policy at once when a dependency added later already failed, and carries it on', async () => {
    const store = openStore();
    const broken = await create(store);
    await claim(store);
    await store.finish(broken.id, 'host-a', failedOutcome());
    const task = await create(store);
    const dependent = await create(store, { dependsOn: [task.id] });
    const updated = await store.updateDependencies(task.id, { add: [broken.id] }, Date.now());
    expect(updated.ok && updated.value).toMatchObject({ status: 'failed', failureReason: 'dependency_failed' });
    expect(await store.get(dependent.id)).toMatchObject({
      status: 'failed',
      statusDetail: `dependency ${task.id} failed`,
    });
  });

  it('reads one workflow, the active ones, or the latest, and says when it cut the graph', async () => {
    const store = openStore();
    expect(await store.graph()).toEqual({ tasks: [], truncated: false });
    const a = await create(store);
    const b = await create(store, { dependsOn: [a.id] });
    const c = await create(store, { dependsOn: [a.id] });
    const d = await create(store, { dependsOn: [b.id, c.id] });
    const lone = await create(store);
    const diamond = await store.graph({ taskId: c.id });
    expect(diamond.tasks.map((task) => task.id)).toEqual([a.id, b.id, c.id, d.id]);
    expect(diamond.truncated).toBe(false);
    expect((await store.graph()).tasks.map((task) => task.id)).toEqual([a.id, b.id, c.id, d.id, lone.id]);
    const cut = await store.graph({ taskId: a.id, limit: 2 });
    expect(cut.tasks).toHaveLength(2);
    expect(cut.truncated).toBe(true);
    for (const id of [a.id, b.id, c.id, d.id, lone.id]) await store.requestCancel(id, null, Date.now());
    expect((await store.graph()).tasks.map((task) => task.id)).toEqual([a.id, b.id, c.id, d.id]);
  });

  it('keeps a workflow across a reopen of the database mid-chain', async () => {
    const name = 'restart.db';
    const first = openStore(name);
    const build = await create(first);
    const test = await create(first, { dependsOn: [build.id] });
    const review = await create(first, { dependsOn: [test.id] });
    await claim(first);
    await first.finish(build.id, 'host-a', completedOutcome());
    first.close();
    const second = openStore(name);
    expect((await second.get(review.id))?.blockedBy).toEqual([test.id]);
    expect((await claim(second, 'host-b'))?.id).toBe(test.id);
    await second.finish(test.id, 'host-b', completedOutcome());
    expect((await claim(second, 'host-b'))?.id).toBe(review.id);
  });
});
