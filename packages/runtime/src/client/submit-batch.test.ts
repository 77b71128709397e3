import type { NewTask, NewTaskInput } from '@claudine/core';
import { describe, expect, it } from 'vitest';
import { claudineErrorOf } from '../claudine-error.test-helper.js';
import { type BatchTaskInput, prepareBatch } from './submit-batch.js';

// A stand-in for prepareTask: ids in order, fields as given.
function preparer(): (input: NewTaskInput) => NewTask {
  let next = 0;
  return (input) => {
    next += 1;
    return {
      id: `${String(next).padStart(2, '0')}aaaaaaaa`,
      prompt: input.prompt,
      agent: 'command',
      agentOptions: {},
      cwd: input.cwd,
      priority: 'P1',
      timeoutMs: 1000,
      labels: [],
      dependsOn: input.dependsOn ?? [],
      dependencyPolicy: 'fail',
      passDependencyResults: false,
      maxRetries: 0,
      createdAt: 0,
    };
  };
}

const entry = (name: string | undefined, dependsOn: string[] = []): BatchTaskInput => ({
  prompt: name ?? 'unnamed',
  cwd: '/',
  dependsOn,
  ...(name === undefined ? {} : { name }),
});

function refusal(work: () => unknown): { code: string; message: string } {
  const { code, message } = claudineErrorOf(work);
  return { code, message };
}

describe('prepareBatch', () => {
  it('resolves names to the ids drawn, keeps real ids, and orders each task after what it waits for', () => {
    const real = '3k9x2m4qab';
    const { tasks, ids } = prepareBatch([entry('review', ['test', real]), entry('build'), entry('test', ['build'])], preparer());
    expect(ids).toEqual(['01aaaaaaaa', '02aaaaaaaa', '03aaaaaaaa']);
    expect(tasks.map((task) => task.prompt)).toEqual(['build', 'test', 'review']);
    expect(tasks.find((task) => task.prompt === 'review')?.dependsOn).toEqual([real, '03aaaaaaaa']);
    expect(tasks.find((task) => task.prompt === 'test')?.dependsOn).toEqual(['02aaaaaaaa']);
  });

  it('keeps a batch that is already in order as it is', () => {
    const { tasks } = prepareBatch([entry('a'), entry(undefined, ['a']), entry('c', ['a']), entry(undefined)], preparer());
    expect(tasks.map((task) => task.prompt)).toEqual(['a', 'unnamed', 'c', 'unnamed']);
  });

  it('names the cycle, and refuses duplicate, id-like and unknown names', () => {
    expect(refusal(() => prepareBatch([entry('a', ['c']), entry('b', ['a']), entry('c', ['b'])], preparer()))).toEqual({
      code: 'dependency_cycle',
      message: expect.stringContaining('a → c → b → a'),
    });
    expect(refusal(() => prepareBatch([entry('a'), entry('a')], preparer())).message).toBe(
      'task 2: name: the name "a" is already the name of task 1',
    );
    expect(refusal(() => prepareBatch([entry('3k9x2m4qab')], preparer())).message).toContain('looks like a task id');
    expect(refusal(() => prepareBatch([{ ...entry(undefined, ['nope']), label: 'line 9' }], preparer())).message).toBe(
      'line 9: dependsOn: "nope" is neither a task id nor the name of a task in this batch',
    );
  });
});
