import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PRIORITIES, priorityRank } from './priority.js';
import { compareQueueOrder, createTaskQueue, type QueueEntry } from './task-queue.js';

const entryArbitrary = fc.record({ priority: fc.constantFrom(...PRIORITIES), seq: fc.integer({ min: 1, max: 1_000_000 }) });

describe('task queue', () => {
  it('hands out higher priorities first and FIFO within a priority', () => {
    fc.assert(
      fc.property(fc.uniqueArray(entryArbitrary, { selector: (entry) => entry.seq, maxLength: 200 }), (raw) => {
        const queue = createTaskQueue();
        const entries: QueueEntry[] = raw.map((entry) => ({ ...entry, id: `t${entry.seq}` }));
        for (const entry of entries) queue.add(entry);
        const popped: QueueEntry[] = [];
        for (let next = queue.pop(); next !== undefined; next = queue.pop()) popped.push(next);
        expect(popped.map((entry) => entry.id)).toEqual([...entries].sort(compareQueueOrder).map((entry) => entry.id));
        for (let index = 1; index < popped.length; index += 1) {
          const before = popped[index - 1] as QueueEntry;
          const after = popped[index] as QueueEntry;
          expect(priorityRank(before.priority) < priorityRank(after.priority) || before.seq < after.seq).toBe(true);
        }
      }),
    );
  });

  it('holds a task until every dependency completed, whatever the order of completions', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(fc.nat(), { minLength: 8, maxLength: 8 }), (dependencyCount, order) => {
        const queue = createTaskQueue();
        const dependencies = Array.from({ length: dependencyCount }, (_, index) => `d${index}`);
        queue.add({ id: 'waiter', priority: 'P0', seq: 1 }, dependencies);
        const completionOrder = [...dependencies].sort(
          (left, right) => (order[Number(left.slice(1))] ?? 0) - (order[Number(right.slice(1))] ?? 0),
        );
        for (const [index, dependency] of completionOrder.entries()) {
          expect(queue.peek()).toBeUndefined();
          expect(queue.waitingOn('waiter').sort()).toEqual(completionOrder.slice(index).sort());
          const ready = queue.complete(dependency);
          expect(ready).toEqual(index === completionOrder.length - 1 ? ['waiter'] : []);
        }
        expect(queue.pop()?.id).toBe('waiter');
      }),
    );
  });

  it('matches a brute-force model under random adds, completions, removals and pops', () => {
    type Operation =
      | { kind: 'add'; priority: (typeof PRIORITIES)[number]; dependsOn: number[] }
      | { kind: 'complete'; target: number }
      | { kind: 'remove'; target: number }
      | { kind: 'pop' };
    const operation: fc.Arbitrary<Operation> = fc.oneof(
      fc.record({
        kind: fc.constant('add' as const),
        priority: fc.constantFrom(...PRIORITIES),
        dependsOn: fc.array(fc.nat({ max: 30 }), { maxLength: 3 }),
      }),
      fc.record({ kind: fc.constant('complete' as const), target: fc.nat({ max: 30 }) }),
      fc.record({ kind: fc.constant('remove' as const), target: fc.nat({ max: 30 }) }),
      fc.record({ kind: fc.constant('pop' as const) }),
    );
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 120 }), (operations) => {
        const queue = createTaskQueue();
        const model = new Map<string, { entry: QueueEntry; waiting: Set<string> }>();
        const completed = new Set<string>();
        let seq = 0;
        for (const step of operations) {
          if (step.kind === 'add') {
            seq += 1;
            const entry = { id: `t${seq}`, priority: step.priority, seq };
            const unmet = step.dependsOn.map((target) => `t${target}`).filter((id) => !completed.has(id) && id !== entry.id);
            queue.add(entry, unmet);
            model.set(entry.id, { entry, waiting: new Set(unmet) });
          } else if (step.kind === 'complete') {
            const id = `t${step.target}`;
            if (model.has(id) || completed.has(id)) continue; // only tasks that left the queue complete
            completed.add(id);
            const expectedReady = [...model.values()]
              .filter((item) => item.waiting.has(id) && item.waiting.size === 1)
              .map((item) => item.entry.id)
              .sort();
            for (const item of model.values()) item.waiting.delete(id);
            expect(queue.complete(id).sort()).toEqual(expectedReady);
          } else if (step.kind === 'remove') {
            const id = `t${step.target}`;
            queue.remove(id);
            model.delete(id);
          } else {
            const ready = [...model.values()].filter((item) => item.waiting.size === 0).map((item) => item.entry);
            const expected = ready.sort(compareQueueOrder)[0];
            const popped = queue.pop();
            expect(popped?.id).toBe(expected?.id);
            if (popped !== undefined) model.delete(popped.id);
          }
          expect(queue.size).toBe(model.size);
          expect(queue.readyCount).toBe([...model.values()].filter((item) => item.waiting.size === 0).length);
          for (const [id, item] of model) {
            expect(queue.has(id)).toBe(true);
            expect(queue.waitingOn(id).sort()).toEqual([...item.waiting].sort());
          }
        }
      }),
    );
  });

  it('refuses a duplicate id', () => {
    const queue = createTaskQueue();
    queue.add({ id: 'a', priority: 'P1', seq: 1 });
    expect(() => queue.add({ id: 'a', priority: 'P1', seq: 2 })).toThrow(/already queued/);
  });
});
