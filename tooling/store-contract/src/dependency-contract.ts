import type { DependencyPolicy, NewTask, Task, TaskStore } from '@claudine/core';
import { completedOutcomeFixture, failedOutcomeFixture, newTaskFixture } from '@claudine/task-fixtures';
import { dagArbitrary, dagEdges, offeredEdges, policiesArbitrary, type RandomDag, reachability } from '@claudine/test-utils';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contractHelpers, type TaskStoreContractSubject } from './contract-subject.js';

/** Dependencies: readiness, failure propagation by policy, retries, edge changes, cycles, the graph. */
export function describeDependencies<S extends TaskStore>(subject: TaskStoreContractSubject<S>): void {
  const { withStore, create, claim, problems } = contractHelpers(subject);

  /** Stores a random DAG task by task; task i gets id `ids[i]`. */
  async function storeDag(store: S, dag: RandomDag, policies?: readonly DependencyPolicy[]): Promise<string[]> {
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

  const statuses = (store: S, ids: readonly string[]): Promise<Task[]> => Promise.all(ids.map(async (id) => (await store.get(id)) as Task));

  describe('dependencies', () => {
    it('holds a dependent until its dependency completes', () =>
      withStore(async (store) => {
        const dependency = await create(store, { priority: 'P2' });
        const dependent = await create(store, { priority: 'P0', dependsOn: [dependency.id] });
        expect(dependent).toMatchObject({ dependsOn: [dependency.id], blockedBy: [dependency.id] });
        expect((await claim(store))?.id).toBe(dependency.id);
        expect(await claim(store)).toBeUndefined();
        await store.finish(dependency.id, 'host-a', completedOutcomeFixture());
        expect((await claim(store))?.id).toBe(dependent.id);
      }));

    it('fails exactly the transitive dependents of a cancelled task under the fail policy, naming it', async () => {
      await fc.assert(
        fc.asyncProperty(dagArbitrary(20), fc.nat(), (dag, rawRoot) =>
          withStore(async (store) => {
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
          }),
        ),
        { numRuns: 30 },
      );
    });

    it('applies each dependent’s policy when a running task fails, and a retry restores the workflow exactly', async () => {
      await fc.assert(
        fc.asyncProperty(
          dagArbitrary(16).chain((dag) => fc.tuple(fc.constant(dag), policiesArbitrary(dag.size))),
          ([dag, policies]) =>
            withStore(async (store) => {
              const ids = await storeDag(store, dag, policies);
              const shape = (tasks: Task[]) => tasks.map((task) => [task.status, task.failureReason, task.blockedBy]);
              const before = shape(await statuses(store, ids));
              // t0 has no dependencies and was submitted first, so it is claimed first.
              expect((await claim(store))?.id).toBe(ids[0]);
              expect((await store.finish(ids[0] as string, 'host-a', failedOutcomeFixture())).ok).toBe(true);
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
                  const waiting = (dag.dependsOn[index] ?? [])
                    .filter((dependency) => !ended[dependency])
                    .map((dependency) => ids[dependency]);
                  expect(task.blockedBy).toEqual([...waiting].sort());
                }
              }
              expect(await problems(store)).toEqual([]);
              const retried = await store.retry(ids[0] as string, Date.now());
              expect(retried.ok && retried.value.status).toBe('queued');
              expect(shape(await statuses(store, ids))).toEqual(before);
              expect(await problems(store)).toEqual([]);
            }),
        ),
        { numRuns: 30 },
      );
    });

    it('refuses a random new edge exactly when it would close a cycle, writing nothing', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 8 }),
          fc.array(fc.tuple(fc.nat({ max: 7 }), fc.nat({ max: 7 })), { maxLength: 25 }),
          (size, insertions) =>
            withStore(async (store) => {
              const ids: string[] = [];
              for (let index = 0; index < size; index += 1) ids.push((await create(store)).id);
              const accepted: Array<[number, number]> = [];
              for (const { task, dependency, wouldCycle } of offeredEdges(size, insertions, accepted)) {
                const result = await store.updateDependencies(ids[task] as string, { add: [ids[dependency] as string] }, Date.now());
                if (wouldCycle) {
                  if (result.ok || result.error.kind !== 'dependency_cycle') throw new Error('expected a cycle to be refused');
                  const cycle = result.error.cycle;
                  expect([cycle[0], cycle[1], cycle[cycle.length - 1]]).toEqual([ids[task], ids[dependency], ids[task]]);
                  for (let index = 1; index < cycle.length - 1; index += 1) {
                    expect((await store.get(cycle[index] as string))?.dependsOn).toContain(cycle[index + 1]);
                  }
                  expect(result.error.message).toContain(task === dependency ? 'cannot depend on itself' : cycle.join(' → '));
                } else expect(result.ok).toBe(true);
              }
              for (const [index, id] of ids.entries()) {
                const expected = accepted.filter(([from]) => from === index).map(([, to]) => ids[to]);
                expect((await store.get(id))?.dependsOn).toEqual([...expected].sort());
              }
              expect(await problems(store)).toEqual([]);
            }),
        ),
        { numRuns: 30 },
      );
    });

    it('hands out a random DAG stored in one batch in an order that respects every edge, however completions interleave', async () => {
      await fc.assert(
        fc.asyncProperty(dagArbitrary(20), fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }), (dag, choices) =>
          withStore(async (store) => {
            const batch: NewTask[] = [];
            for (let index = 0; index < dag.size; index += 1) {
              batch.push(newTaskFixture({ dependsOn: (dag.dependsOn[index] ?? []).map((dependency) => batch[dependency]?.id as string) }));
            }
            const created = await store.createMany(batch);
            if (!created.ok) throw new Error(created.error.message);
            for (const [index, task] of created.value.entries()) {
              const dependsOn = (dag.dependsOn[index] ?? []).map((dependency) => batch[dependency]?.id as string).sort();
              expect(task).toMatchObject({ id: batch[index]?.id, status: 'queued', dependsOn, blockedBy: dependsOn });
            }
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
              expect((await store.finish(finishing, 'host-a', completedOutcomeFixture())).ok).toBe(true);
              completed.add(finishing);
            }
            expect([...started].sort()).toEqual(batch.map((task) => task.id).sort());
            expect(await problems(store)).toEqual([]);
          }),
        ),
        { numRuns: 25 },
      );
    });

    it('runs a dependent whose policy is run once its failed dependency has ended', () =>
      withStore(async (store) => {
        const root = await create(store);
        const anyway = await create(store, { dependsOn: [root.id], dependencyPolicy: 'run' });
        const cancelling = await create(store, { dependsOn: [root.id], dependencyPolicy: 'cancel' });
        expect((await store.get(anyway.id))?.blockedBy).toEqual([root.id]);
        await claim(store);
        await store.finish(root.id, 'host-a', failedOutcomeFixture());
        expect(await store.get(cancelling.id)).toMatchObject({
          status: 'cancelled',
          failureReason: 'dependency_failed',
          statusDetail: `dependency ${root.id} failed`,
        });
        expect((await store.get(anyway.id))?.blockedBy).toEqual([]);
        expect((await claim(store))?.id).toBe(anyway.id);
      }));

    it('names the task that started a chain of failures, for tasks submitted after it too, alone or in a batch', () =>
      withStore(async (store) => {
        const build = await create(store);
        const test = await create(store, { dependsOn: [build.id] });
        const review = await create(store, { dependsOn: [test.id] });
        await claim(store);
        await store.finish(build.id, 'host-a', failedOutcomeFixture());
        expect((await store.get(test.id))?.statusDetail).toBe(`dependency ${build.id} failed`);
        expect((await store.get(review.id))?.statusDetail).toBe(`dependency ${test.id} failed because task ${build.id} failed`);
        const late = await create(store, { dependsOn: [review.id], dependencyPolicy: 'cancel' });
        expect(late).toMatchObject({
          status: 'cancelled',
          failureReason: 'dependency_failed',
          statusDetail: `dependency ${review.id} failed because task ${build.id} failed`,
        });
        const first = newTaskFixture({ dependsOn: [test.id] });
        const cancelling = newTaskFixture({ dependsOn: [first.id], dependencyPolicy: 'cancel' });
        const anyway = newTaskFixture({ dependsOn: [first.id], dependencyPolicy: 'run' });
        const batch = await store.createMany([first, cancelling, anyway]);
        if (!batch.ok) throw new Error(batch.error.message);
        expect(batch.value.map((task) => [task.status, task.statusDetail, task.blockedBy])).toEqual([
          ['failed', `dependency ${test.id} failed because task ${build.id} failed`, []],
          ['cancelled', `dependency ${first.id} failed because task ${build.id} failed`, []],
          ['queued', null, []],
        ]);
        expect((await claim(store))?.id).toBe(anyway.id);
        expect(await problems(store)).toEqual([]);
      }));

    it('fails a new task at once when a dependency already failed, and refuses to retry it before that one', () =>
      withStore(async (store) => {
        const root = await create(store);
        await claim(store);
        await store.finish(root.id, 'host-a', failedOutcomeFixture());
        const late = await create(store, { dependsOn: [root.id] });
        expect(late).toMatchObject({ status: 'failed', failureReason: 'dependency_failed', statusDetail: `dependency ${root.id} failed` });
        const refused = await store.retry(late.id, Date.now());
        expect(refused).toMatchObject({ ok: false, error: { kind: 'dependency_failed', dependency: root.id } });
        if (!refused.ok) expect(refused.error.message).toContain(`retry ${root.id}`);
        expect((await store.retry(root.id, Date.now())).ok).toBe(true);
        expect(await store.get(late.id)).toMatchObject({ status: 'queued', blockedBy: [root.id], failureReason: null });
        expect(await store.retry(root.id, Date.now())).toMatchObject({ ok: false, error: { kind: 'illegal_transition' } });
      }));

    it('does not re-queue a dependent that also waits on another task that failed on its own', () =>
      withStore(async (store) => {
        const first = await create(store);
        const second = await create(store);
        const both = await create(store, { dependsOn: [first.id, second.id] });
        await claim(store);
        await claim(store);
        await store.finish(first.id, 'host-a', failedOutcomeFixture());
        await store.finish(second.id, 'host-a', failedOutcomeFixture());
        expect((await store.get(both.id))?.status).toBe('failed');
        await store.retry(first.id, Date.now());
        expect((await store.get(both.id))?.status).toBe('failed');
        await store.retry(second.id, Date.now());
        expect(await store.get(both.id)).toMatchObject({ status: 'queued', blockedBy: [first.id, second.id].sort() });
      }));

    it('adds and removes dependencies of a queued task, and refuses them once it started', () =>
      withStore(async (store) => {
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
        await store.finish(build.id, 'host-a', completedOutcomeFixture());
        expect((await claim(store))?.id).toBe(test.id);
        const late = await store.updateDependencies(test.id, { add: [lint.id] }, Date.now());
        expect(late).toMatchObject({ ok: false, error: { kind: 'not_queued', status: 'running' } });
        const unknown = await store.updateDependencies((await create(store)).id, { add: ['aaaaaaaaaa'] }, Date.now());
        expect(unknown).toMatchObject({ ok: false, error: { kind: 'unknown_dependency', ids: ['aaaaaaaaaa'] } });
      }));

    it('rolls back every part of a change that is refused half-way', () =>
      withStore(async (store) => {
        const first = await create(store);
        const second = await create(store, { dependsOn: [first.id] });
        const third = await create(store, { dependsOn: [second.id] });
        const refused = await store.updateDependencies(first.id, { add: [third.id] }, Date.now());
        expect(refused).toMatchObject({ ok: false, error: { cycle: [first.id, third.id, second.id, first.id] } });
        // Removing third's edge would go through; the self-dependency is refused, so neither happens.
        const mixed = await store.updateDependencies(third.id, { remove: [second.id], add: [third.id] }, Date.now());
        expect(mixed).toMatchObject({ ok: false, error: { kind: 'dependency_cycle', cycle: [third.id, third.id] } });
        expect(await store.get(third.id)).toMatchObject({ dependsOn: [second.id], blockedBy: [second.id] });
        const notThere = await store.updateDependencies(third.id, { remove: [first.id] }, Date.now());
        expect(notThere).toMatchObject({ ok: false, error: { kind: 'unknown_dependency', ids: [first.id] } });
      }));

    it('applies the policy at once when a dependency added later already failed, and carries it on', () =>
      withStore(async (store) => {
        const broken = await create(store);
        await claim(store);
        await store.finish(broken.id, 'host-a', failedOutcomeFixture());
        const task = await create(store);
        const dependent = await create(store, { dependsOn: [task.id] });
        const updated = await store.updateDependencies(task.id, { add: [broken.id] }, Date.now());
        expect(updated.ok && updated.value).toMatchObject({ status: 'failed', failureReason: 'dependency_failed' });
        expect(await store.get(dependent.id)).toMatchObject({ status: 'failed', statusDetail: `dependency ${task.id} failed` });
      }));

    it('reads one workflow, the active ones, or the latest, and says when it cut the graph', () =>
      withStore(async (store) => {
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
        expect(await store.graph({ taskId: 'aaaaaaaaaa' })).toEqual({ tasks: [], truncated: false });
      }));
  });
}
