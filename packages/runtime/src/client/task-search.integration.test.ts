import type { NewTaskInput, TaskQuery } from '@claudine/core';
import { describe, expect, it } from 'vitest';
import { useHostFixture } from '../host/host-fixture.test-helper.js';
import { searchTasks } from './task-search.js';

const fixture = useHostFixture();

// Twelve tasks; every third one mentions a "needle", one carries it only as a label.
async function seed(): Promise<{ ids: string[]; list: (query: TaskQuery) => ReturnType<ReturnType<typeof fixture.client>['list']> }> {
  const claudine = fixture.client();
  const inputs: NewTaskInput[] = Array.from({ length: 12 }, (_, index) => ({
    prompt: index % 3 === 0 ? `task ${index}: find the Needle` : `task ${index}: nothing here`,
    agent: 'command',
    cwd: fixture.workdir,
    labels: index === 4 ? ['needle-label'] : [],
    priority: index % 2 === 0 ? 'P0' : 'P2',
  }));
  const tasks = await claudine.submitMany(inputs);
  return { ids: tasks.map((task) => task.id), list: (query) => claudine.list(query) };
}

describe('searchTasks', () => {
  it('finds tasks by prompt and label, case-insensitively, newest first, and pages on its last match', async () => {
    const { ids, list } = await seed();
    const expected = [9, 6, 4, 3, 0].map((index) => ids[index]);
    const first = await searchTasks(list, {}, 'NEEDLE', { limit: 2 });
    expect(first.tasks.map((task) => task.id)).toEqual(expected.slice(0, 2));
    expect(first.nextCursor).not.toBeNull();
    const second = await searchTasks(list, { cursor: first.nextCursor as number }, 'needle', { limit: 2 });
    expect(second.tasks.map((task) => task.id)).toEqual(expected.slice(2, 4));
    const third = await searchTasks(list, { cursor: second.nextCursor as number }, 'needle', { limit: 2 });
    expect(third.tasks.map((task) => task.id)).toEqual(expected.slice(4));
    expect(third.nextCursor).toBeNull();
  });

  it('pages the same way in an order that pages by position', async () => {
    const { list } = await seed();
    const all = await searchTasks(list, { order: 'priority' }, 'needle', { limit: 100 });
    expect(all.tasks).toHaveLength(5);
    const seen: string[] = [];
    let cursor: number | null | undefined;
    do {
      const page = await searchTasks(list, { order: 'priority', ...(cursor == null ? {} : { cursor }) }, 'needle', { limit: 2 });
      seen.push(...page.tasks.map((task) => task.id));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual(all.tasks.map((task) => task.id));
  });

  it('stops at the scan limit with a cursor that continues the search', async () => {
    const { ids, list } = await seed();
    const page = await searchTasks(list, {}, 'needle', { limit: 1, scanLimit: 1 });
    // The newest task (11) does not match: one task read, no match yet, more to read.
    expect(page).toMatchObject({ tasks: [], scanned: 1 });
    expect(page.nextCursor).not.toBeNull();
    const next = await searchTasks(list, { cursor: page.nextCursor as number }, 'needle', { limit: 1 });
    expect(next.tasks.map((task) => task.id)).toEqual([ids[9]]);
  });

  it('is a plain list without text', async () => {
    const { ids, list } = await seed();
    const page = await searchTasks(list, { agent: 'command' }, '  ', { limit: 3 });
    expect(page.tasks.map((task) => task.id)).toEqual([ids[11], ids[10], ids[9]]);
  });
});
