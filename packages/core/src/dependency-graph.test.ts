import { dagArbitrary, dagEdges, reachability, taskName } from '@claudine/test-utils';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDependencyGraph, type DependencyGraph } from './dependency-graph.js';
import { createTaskQueue } from './task-queue.js';

function graphOf(size: number, dependsOn: readonly (readonly number[])[]): DependencyGraph {
  const graph = createDependencyGraph();
  for (let index = 0; index < size; index += 1) {
    const added = graph.addTask(taskName(index), (dependsOn[index] ?? []).map(taskName));
    expect(added.ok).toBe(true);
  }
  return graph;
}

function expectRespectsEdges(order: readonly string[], graph: DependencyGraph): void {
  const position = new Map(order.map((id, index) => [id, index]));
  for (const id of order) {
    for (const dependency of graph.dependenciesOf(id)) {
      expect(position.get(dependency) ?? Number.POSITIVE_INFINITY).toBeLessThan(position.get(id) ?? -1);
    }
  }
}

describe('dependency graph', () => {
  it('refuses a self-dependency, naming the one-task cycle', () => {
    const graph = createDependencyGraph();
    graph.addTask('a');
    const refused = graph.addDependency('a', 'a');
    expect(refused).toMatchObject({ ok: false, error: { kind: 'dependency_cycle', cycle: ['a', 'a'] } });
    if (!refused.ok) expect(refused.error.message).toContain('cannot depend on itself');
    expect(graph.edgeCount).toBe(0);
  });

  it('refuses an edge that closes a cycle and names the whole cycle in waiting order', () => {
    const graph = createDependencyGraph();
    graph.addTask('build');
    graph.addTask('test', ['build']);
    graph.addTask('review', ['test']);
    const refused = graph.addDependency('build', 'review');
    expect(refused).toMatchObject({ ok: false, error: { kind: 'dependency_cycle', cycle: ['build', 'review', 'test', 'build'] } });
    if (!refused.ok) expect(refused.error.message).toContain('build → review → test → build');
    expect(graph.dependenciesOf('build')).toEqual([]);
  });

  it('refuses unknown tasks and duplicate ids, and ignores an edge added twice', () => {
    const graph = createDependencyGraph();
    expect(graph.addTask('a', ['nope'])).toMatchObject({ ok: false, error: { kind: 'unknown_task', ids: ['nope'] } });
    expect(graph.has('a')).toBe(false);
    expect(graph.addTask('a').ok).toBe(true);
    expect(graph.addTask('a')).toMatchObject({ ok: false, error: { kind: 'duplicate_task' } });
    expect(graph.addTask('b', ['a', 'a']).ok).toBe(true);
    expect(graph.edgeCount).toBe(1);
    expect(graph.addDependency('b', 'a')).toEqual({ ok: true, value: false });
    expect(graph.addDependency('b', 'zzz')).toMatchObject({ ok: false, error: { kind: 'unknown_task', ids: ['zzz'] } });
    expect(graph.removeDependency('b', 'a')).toBe(true);
    expect(graph.removeDependency('b', 'a')).toBe(false);
    expect(graph.dependentsOf('a')).toEqual([]);
    expect(graph.edgeCount).toBe(0);
  });

  it('orders every random DAG topologically', () => {
    fc.assert(
      fc.property(dagArbitrary(40), (dag) => {
        const graph = graphOf(dag.size, dag.dependsOn);
        const order = graph.topologicalOrder();
        expect([...order].sort()).toEqual(Array.from({ length: dag.size }, (_, index) => taskName(index)).sort());
        expectRespectsEdges(order, graph);
      }),
    );
  });

  it('refuses a random edge exactly when it would close a cycle, and names a real cycle', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.tuple(fc.nat({ max: 11 }), fc.nat({ max: 11 })), { maxLength: 60 }),
        (size, insertions) => {
          const graph = graphOf(size, []);
          const accepted: Array<[number, number]> = [];
          for (const [rawTask, rawDependency] of insertions) {
            const task = rawTask % size;
            const dependency = rawDependency % size;
            const reach = reachability(size, accepted);
            const wouldCycle = task === dependency || reach[dependency]?.[task] === true;
            const already = accepted.some(([from, to]) => from === task && to === dependency);
            const result = graph.addDependency(taskName(task), taskName(dependency));
            if (wouldCycle) {
              expect(result.ok).toBe(false);
              if (result.ok || result.error.kind !== 'dependency_cycle') throw new Error('expected a cycle');
              const cycle = result.error.cycle;
              expect(cycle[0]).toBe(taskName(task));
              expect(cycle[1]).toBe(taskName(dependency));
              expect(cycle[cycle.length - 1]).toBe(taskName(task));
              // Every step after the refused edge is an edge that exists.
              for (let index = 1; index < cycle.length - 1; index += 1) {
                expect(graph.dependenciesOf(cycle[index] as string)).toContain(cycle[index + 1]);
              }
            } else {
              expect(result).toEqual({ ok: true, value: !already });
              if (!already) accepted.push([task, dependency]);
            }
          }
          expect(graph.edgeCount).toBe(accepted.length);
          expect(graph.topologicalOrder()).toHaveLength(size);
          expectRespectsEdges(graph.topologicalOrder(), graph);
        },
      ),
    );
  });

  it('finds exactly the transitive dependents and dependencies, and real paths', () => {
    fc.assert(
      fc.property(dagArbitrary(30), fc.nat(), fc.nat(), (dag, rawFrom, rawTo) => {
        const graph = graphOf(dag.size, dag.dependsOn);
        const reach = reachability(dag.size, dagEdges(dag));
        const from = rawFrom % dag.size;
        const to = rawTo % dag.size;
        const expectedDependents = Array.from({ length: dag.size }, (_, index) => index).filter((index) => reach[index]?.[from]);
        expect(graph.transitiveDependents(taskName(from)).sort()).toEqual(expectedDependents.map(taskName).sort());
        const expectedDependencies = Array.from({ length: dag.size }, (_, index) => index).filter((index) => reach[from]?.[index]);
        expect(graph.transitiveDependencies(taskName(from)).sort()).toEqual(expectedDependencies.map(taskName).sort());
        const path = graph.findPath(taskName(from), taskName(to));
        if (from !== to && reach[from]?.[to] !== true) expect(path).toBeUndefined();
        else {
          expect(path?.[0]).toBe(taskName(from));
          expect(path?.[path.length - 1]).toBe(taskName(to));
          for (let index = 0; index + 1 < (path?.length ?? 0); index += 1) {
            expect(graph.dependenciesOf(path?.[index] as string)).toContain(path?.[index + 1]);
          }
        }
      }),
    );
  });

  it('runs a random DAG through the queue in an order that respects every edge, whatever the interleaving', () => {
    fc.assert(
      fc.property(dagArbitrary(30), fc.array(fc.boolean(), { minLength: 60, maxLength: 60 }), (dag, choices) => {
        const graph = graphOf(dag.size, dag.dependsOn);
        const queue = createTaskQueue();
        for (const [seq, id] of graph.topologicalOrder().entries()) {
          queue.add({ id, priority: seq % 3 === 0 ? 'P0' : 'P1', seq: seq + 1 }, graph.dependenciesOf(id));
        }
        const completed = new Set<string>();
        const running: string[] = [];
        const started: string[] = [];
        let step = 0;
        while (completed.size < dag.size) {
          // Start a task or finish one, as the random choices say (finishing when nothing is ready).
          const next = choices[step % choices.length] === true || running.length === 0 ? queue.pop() : undefined;
          step += 1;
          if (next !== undefined) {
            for (const dependency of graph.dependenciesOf(next.id)) expect(completed.has(dependency)).toBe(true);
            running.push(next.id);
            started.push(next.id);
            continue;
          }
          const finishing = running.shift();
          expect(finishing).toBeDefined();
          completed.add(finishing as string);
          queue.complete(finishing as string);
        }
        expect(started).toHaveLength(dag.size);
        expectRespectsEdges(started, graph);
      }),
    );
  });
});
