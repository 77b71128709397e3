import { TaskSchema } from '@claudine/core';
import { describe, expect, it } from 'vitest';
import { completedOutcomeFixture, newTaskFixture, runningTaskFixture, taskFixture } from './index.js';

describe('task fixtures', () => {
  it('are valid stored tasks, each with its own id and a growing seq', () => {
    const queued = taskFixture();
    const running = runningTaskFixture({ prompt: 'echo hi' });
    expect(TaskSchema.parse(queued)).toEqual(queued);
    expect(TaskSchema.parse(running)).toEqual(running);
    expect(queued).toMatchObject({ status: 'queued', attempt: 0, startedAt: null, owner: null });
    expect(running).toMatchObject({ status: 'running', attempt: 1, owner: 'host', prompt: 'echo hi' });
    expect(running.id).not.toBe(queued.id);
    expect(running.seq).toBeGreaterThan(queued.seq);
  });

  it('take overrides over every default', () => {
    expect(newTaskFixture({ priority: 'P0', labels: ['a'] })).toMatchObject({ priority: 'P0', labels: ['a'], agent: 'command' });
    expect(completedOutcomeFixture(5)).toMatchObject({ status: 'completed', exitCode: 0, finishedAt: 5 });
  });
});
