import { dagArbitrary, dagEdges, policiesArbitrary, type RandomDag, reachability, taskName } from '@claudine/test-utils';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assessDependencies,
  type DependencyEndEffect,
  type DependencyPlanningView,
  dependencyBearing,
  type PlannedTaskState,
  planDependencyEnd,
  planDependencyRetry,
} from './dependency-propagation.js';
import { type DependencyPolicy, type FailureReason, TASK_STATUSES, type TaskStatus } from './task.js';

interface ModelTask {
  status: TaskStatus;
  policy: DependencyPolicy;
  failureReason: FailureReason | null;
  pending: number;
}

/** The edges of a DAG both ways, by task name, as a store's tables give them. */
function adjacency(dag: RandomDag) {
  const dependencies = new Map<string, string[]>();
  const dependents = new Map<string, string[]>();
  for (let index = 0; index < dag.size; index += 1) {
    dependencies.set(taskName(index), (dag.dependsOn[index] ?? []).map(taskName));
    dependents.set(taskName(index), []);
  }
  for (const [id, ids] of dependencies) for (const dependency of ids) dependents.get(dependency)?.push(id);
  return {
    dependenciesOf: (id: string): string[] => dependencies.get(id) ?? [],
    dependentsOf: (id: string): string[] => dependents.get(id) ?? [],
  };
}

/** A tiny in-memory store: the graph, each task's state and pending count, and the plans applied. */
function model(dag: RandomDag, policies: readonly DependencyPolicy[]) {
  const graph = adjacency(dag);
  const tasks = new Map<string, ModelTask>();
  for (let index = 0; index < dag.size; index += 1) {
    const dependsOn = graph.dependenciesOf(taskName(index));
    tasks.set(taskName(index), { status: 'queued', policy: policies[index] ?? 'fail', failureReason: null, pending: dependsOn.length });
  }
  const view: DependencyPlanningView = {
    dependentsOf: (id) => graph.dependentsOf(id),
    dependenciesOf: (id) => graph.dependenciesOf(id),
    stateOf: (id): PlannedTaskState | undefined => tasks.get(id),
  };
  const task = (id: string): ModelTask => tasks.get(id) as ModelTask;
  return {
    graph,
    tasks,
    view,
    end(id: string, status: 'failed' | 'cancelled'): DependencyEndEffect[] {
      const effects = planDependencyEnd(view, { taskId: id, status });
      Object.assign(task(id), { status, failureReason: status === 'failed' ? 'exit_code' : 'cancelled' });
      for (const effect of effects) {
        const target = task(effect.taskId);
        if (effect.kind === 'settle') target.pending -= 1;
        else Object.assign(target, { status: effect.kind === 'fail' ? 'failed' : 'cancelled', failureReason: 'dependency_failed' });
      }
      return effects;
    },
    retry(id: string): string[] {
      const plan = planDependencyRetry(view, id);
      for (const requeued of plan.requeue) Object.assign(task(requeued), { status: 'queued', failureReason: null });
      for (const requeued of plan.requeue) {
        const dependencies = graph.dependenciesOf(requeued).map((dependency) => ({ id: dependency, status: task(dependency).status }));
        task(requeued).pending = assessDependencies(task(requeued).policy, dependencies).pending;
      }
      for (const unsettled of plan.unsettle) task(unsettled).pending += 1;
      return [...plan.requeue];
    },
  };
}

const indices = (size: number) => Array.from({ length: size }, (_, index) => index);

describe('dependency propagation', () => {
  it('tells how a dependency bears on each policy', () => {
    expect(dependencyBearing('fail', 'completed')).toBe('settled');
    expect(dependencyBearing('fail', 'running')).toBe('wait');
    expect(dependencyBearing('fail', 'cancelled')).toBe('fail');
    expect(dependencyBearing('cancel', 'failed')).toBe('cancel');
    expect(dependencyBearing('run', 'failed')).toBe('settled');
    expect(
      assessDependencies('fail', [
        { id: 'a', status: 'completed' },
        { id: 'b', status: 'queued' },
        { id: 'c', status: 'failed' },
      ]),
    ).toEqual({ pending: 1, broken: { id: 'c', status: 'failed' }, waitingFor: ['b'] });
  });

  it('holds a task exactly while a dependency is queued or running, and ends it on a bad one unless its policy is run', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<DependencyPolicy>('fail', 'cancel', 'run'),
        fc.array(fc.constantFrom(...TASK_STATUSES), { maxLength: 8 }),
        (policy, states) => {
          const dependencies = states.map((status, index) => ({ id: `d${index}`, status }));
          const assessment = assessDependencies(policy, dependencies);
          const waiting = dependencies.filter((dependency) => dependency.status === 'queued' || dependency.status === 'running');
          expect(assessment.waitingFor).toEqual(waiting.map((dependency) => dependency.id));
          expect(assessment.pending).toBe(waiting.length);
          const bad = dependencies.find((dependency) => dependency.status === 'failed' || dependency.status === 'cancelled');
          expect(assessment.broken).toEqual(policy === 'run' ? undefined : bad);
          // Ready, the claim's condition: nothing pending and nothing broken.
          const ready = assessment.pending === 0 && assessment.broken === undefined;
          expect(ready).toBe(
            dependencies.every(
              (dependency) =>
                dependency.status === 'completed' ||
                (policy === 'run' && dependency.status !== 'queued' && dependency.status !== 'running'),
            ),
          );
        },
      ),
    );
  });

  it('under the fail policy, fails exactly the transitive dependents, naming the task that failed', () => {
    fc.assert(
      fc.property(dagArbitrary(30), fc.nat(), (dag, rawRoot) => {
        const root = rawRoot % dag.size;
        const workflow = model(dag, new Array(dag.size).fill('fail'));
        const effects = workflow.end(taskName(root), 'failed');
        const reach = reachability(dag.size, dagEdges(dag));
        const expected = indices(dag.size).filter((index) => reach[index]?.[root]);
        expect(effects.map((effect) => effect.taskId).sort()).toEqual(expected.map(taskName).sort());
        for (const effect of effects) {
          if (effect.kind === 'settle') throw new Error('nothing settles under the fail policy');
          expect(effect.kind).toBe('fail');
          expect(effect.root).toBe(taskName(root));
          expect(workflow.graph.dependenciesOf(effect.taskId)).toContain(effect.dependency);
          expect(effect.detail).toContain(`dependency ${effect.dependency} failed`);
          if (effect.dependency !== effect.root) expect(effect.detail).toContain(`because task ${taskName(root)} failed`);
        }
        for (const index of indices(dag.size)) {
          const expectedStatus = index === root ? 'failed' : expected.includes(index) ? 'failed' : 'queued';
          expect(workflow.tasks.get(taskName(index))?.status).toBe(expectedStatus);
        }
      }),
    );
  });

  it('follows each dependent’s own policy: fail and cancel carry on, run settles', () => {
    fc.assert(
      fc.property(
        dagArbitrary(25).chain((dag) => fc.tuple(fc.constant(dag), policiesArbitrary(dag.size), fc.nat({ max: dag.size - 1 }))),
        fc.constantFrom<'failed' | 'cancelled'>('failed', 'cancelled'),
        ([dag, policies, root], rootStatus) => {
          const workflow = model(dag, policies);
          const effects = workflow.end(taskName(root), rootStatus);
          // Oracle: dependents are numbered after their dependencies, so one pass in index order
          // decides every task from decisions already made.
          const ended = new Array<boolean>(dag.size).fill(false);
          ended[root] = true;
          const settledEdges = new Array<number>(dag.size).fill(0);
          for (let index = root + 1; index < dag.size; index += 1) {
            const brokenDependencies = (dag.dependsOn[index] ?? []).filter((dependency) => ended[dependency]).length;
            if (brokenDependencies === 0) continue;
            if (policies[index] === 'run') settledEdges[index] = brokenDependencies;
            else ended[index] = true;
          }
          for (const index of indices(dag.size)) {
            const state = workflow.tasks.get(taskName(index));
            const ownEffects = effects.filter((effect) => effect.taskId === taskName(index));
            if (index === root) continue;
            if (ended[index]) {
              expect(ownEffects).toHaveLength(1);
              expect(ownEffects[0]?.kind).toBe(policies[index] === 'fail' ? 'fail' : 'cancel');
              expect(state?.status).toBe(policies[index] === 'fail' ? 'failed' : 'cancelled');
            } else {
              expect(ownEffects.every((effect) => effect.kind === 'settle')).toBe(true);
              expect(ownEffects).toHaveLength(settledEdges[index] ?? 0);
              expect(state?.status).toBe('queued');
            }
          }
        },
      ),
    );
  });

  it('retrying a failed root undoes everything its failure did, whatever the policies', () => {
    fc.assert(
      fc.property(
        dagArbitrary(25).chain((dag) => fc.tuple(fc.constant(dag), policiesArbitrary(dag.size), fc.nat({ max: dag.size - 1 }))),
        ([dag, policies, root]) => {
          const workflow = model(dag, policies);
          const before = JSON.stringify([...workflow.tasks]);
          workflow.end(taskName(root), 'failed');
          const requeued = workflow.retry(taskName(root));
          expect(requeued[0]).toBe(taskName(root));
          expect(JSON.stringify([...workflow.tasks])).toBe(before);
        },
      ),
    );
  });

  it('retrying one of two failed roots re-queues only what failed because of it alone', () => {
    fc.assert(
      fc.property(dagArbitrary(30), fc.nat(), fc.nat(), (dag, rawFirst, rawSecond) => {
        const first = rawFirst % dag.size;
        const second = rawSecond % dag.size;
        const reach = reachability(dag.size, dagEdges(dag));
        fc.pre(first !== second && !reach[first]?.[second] && !reach[second]?.[first]);
        const workflow = model(dag, new Array(dag.size).fill('fail'));
        workflow.end(taskName(second), 'failed');
        workflow.end(taskName(first), 'failed');
        const requeued = workflow.retry(taskName(first));
        const expected = indices(dag.size).filter((index) => index === first || (reach[index]?.[first] && !reach[index]?.[second]));
        expect([...requeued].sort()).toEqual(expected.map(taskName).sort());
        for (const index of indices(dag.size)) {
          const stillFailed = index === second || reach[index]?.[second] === true;
          expect(workflow.tasks.get(taskName(index))?.status).toBe(stillFailed ? 'failed' : 'queued');
        }
      }),
    );
  });
});
