import { offeredEdges, taskName } from '@claudine/test-utils';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DependentsView, findDependencyCycle } from './dependency-cycle.js';

/** A graph of `size` tasks whose edges are `[dependent, dependency]` index pairs. */
function viewOf(edges: ReadonlyArray<readonly [number, number]>): DependentsView {
  return {
    dependentsOf: (id) => edges.filter(([, to]) => taskName(to) === id).map(([from]) => taskName(from)),
  };
}

describe('dependency cycles', () => {
  it('refuses a self-dependency, naming the one-task cycle', () => {
    const refused = findDependencyCycle(viewOf([]), 'a', 'a');
    expect(refused).toMatchObject({ kind: 'dependency_cycle', cycle: ['a', 'a'] });
    expect(refused?.message).toContain('cannot depend on itself');
  });

  it('names the whole cycle in waiting order', () => {
    // t1 (test) waits for t0 (build), t2 (review) for t1: build waiting for review closes a cycle.
    const refused = findDependencyCycle(
      viewOf([
        [1, 0],
        [2, 1],
      ]),
      't0',
      't2',
    );
    expect(refused).toMatchObject({ taskId: 't0', dependsOn: 't2', cycle: ['t0', 't2', 't1', 't0'] });
    expect(refused?.message).toContain('t0 → t2 → t1 → t0');
    expect(findDependencyCycle(viewOf([[1, 0]]), 't1', 't0')).toBeUndefined();
  });

  it('follows a long chain to its end', () => {
    const chain = Array.from({ length: 9 }, (_, index): [number, number] => [index + 1, index]);
    expect(findDependencyCycle(viewOf(chain), 't0', 't9')?.cycle).toEqual([
      't0',
      ...Array.from({ length: 10 }, (_, index) => taskName(9 - index)),
    ]);
    expect(findDependencyCycle(viewOf(chain), 't9', 't0')).toBeUndefined();
  });

  it('refuses a random edge exactly when it would close a cycle, and names a real, shortest one', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.tuple(fc.nat({ max: 11 }), fc.nat({ max: 11 })), { maxLength: 60 }),
        (size, insertions) => {
          const accepted: Array<[number, number]> = [];
          for (const { task, dependency, wouldCycle } of offeredEdges(size, insertions, accepted)) {
            const refused = findDependencyCycle(viewOf(accepted), taskName(task), taskName(dependency));
            if (!wouldCycle) {
              expect(refused).toBeUndefined();
              continue;
            }
            if (refused === undefined) throw new Error('expected a cycle');
            const cycle = refused.cycle;
            expect([cycle[0], cycle[1], cycle[cycle.length - 1]]).toEqual([taskName(task), taskName(dependency), taskName(task)]);
            // Every step after the refused edge is an edge that exists.
            for (let index = 1; index < cycle.length - 1; index += 1) {
              expect(accepted.some(([from, to]) => taskName(from) === cycle[index] && taskName(to) === cycle[index + 1])).toBe(true);
            }
            // Shortest: no chain of fewer steps leads from the dependency back to the task.
            if (task !== dependency) {
              const steps = cycle.length - 2;
              let frontier = new Set([dependency]);
              for (let step = 1; step < steps; step += 1) {
                frontier = new Set(accepted.filter(([from]) => frontier.has(from)).map(([, to]) => to));
                expect(frontier.has(task)).toBe(false);
              }
            }
          }
        },
      ),
    );
  });
});
