import { taskFixture } from '@claudine/task-fixtures';
import { describe, expect, it } from 'vitest';
import { failedTask } from './notification.test-helper.js';
import { taskEndEvent, type WorkflowCounts, workflowEndEvent } from './notification-event.js';
import { shouldNotify } from './notification-filter.js';

const ALL = ['completed', 'failed', 'timed_out', 'cancelled', 'workflow'] as const;

function workflow(overrides: Partial<WorkflowCounts> = {}): WorkflowCounts {
  return {
    firstTaskId: 'aaaaaaaaaa',
    tasks: 3,
    counts: { queued: 0, running: 0, completed: 3, failed: 0, cancelled: 0 },
    lastFinishedAt: 5000,
    notifyOn: 0,
    notifyOff: 0,
    ...overrides,
  };
}

describe('task end events', () => {
  it('tell a timeout from another failure, and have none for a task that has not ended', () => {
    expect(taskEndEvent(failedTask(), 0)?.kind).toBe('failed');
    expect(taskEndEvent(failedTask({ failureReason: 'timeout' }), 0)?.kind).toBe('timed_out');
    expect(taskEndEvent(taskFixture({ status: 'completed', finishedAt: 7 }), 0)).toMatchObject({ kind: 'completed', at: 7 });
    expect(taskEndEvent(taskFixture({ status: 'cancelled', failureReason: 'cancelled' }), 0)?.kind).toBe('cancelled');
    expect(taskEndEvent(taskFixture({ status: 'running' }), 0)).toBeUndefined();
  });
});

describe('workflow end events', () => {
  it('come only once no task of a workflow of two or more is queued or running, and say how it ended', () => {
    const task = failedTask();
    expect(workflowEndEvent(task, workflow(), 0)?.workflow.outcome).toBe('completed');
    expect(
      workflowEndEvent(task, workflow({ counts: { queued: 0, running: 0, completed: 1, failed: 1, cancelled: 1 } }), 0)?.workflow.outcome,
    ).toBe('failed');
    expect(
      workflowEndEvent(task, workflow({ counts: { queued: 0, running: 0, completed: 2, failed: 0, cancelled: 1 } }), 0)?.workflow.outcome,
    ).toBe('cancelled');
    expect(
      workflowEndEvent(task, workflow({ counts: { queued: 1, running: 0, completed: 2, failed: 0, cancelled: 0 } }), 0),
    ).toBeUndefined();
    expect(
      workflowEndEvent(task, workflow({ counts: { queued: 0, running: 1, completed: 2, failed: 0, cancelled: 0 } }), 0),
    ).toBeUndefined();
    expect(
      workflowEndEvent(task, workflow({ tasks: 1, counts: { queued: 0, running: 0, completed: 1, failed: 0, cancelled: 0 } }), 0),
    ).toBeUndefined();
  });
});

describe('shouldNotify', () => {
  it("follows the channel's events for a task that says nothing", () => {
    const event = taskEndEvent(failedTask(), 0);
    if (event === undefined) throw new Error('no event');
    expect(shouldNotify(event, ALL)).toBe(true);
    expect(shouldNotify(event, ['completed', 'workflow'])).toBe(false);
    expect(shouldNotify(event, [])).toBe(false);
  });

  it('sends a --notify task whatever the events, and never a --no-notify one', () => {
    const forced = taskEndEvent(failedTask({ notify: true }), 0);
    const refused = taskEndEvent(failedTask({ notify: false }), 0);
    if (forced === undefined || refused === undefined) throw new Error('no event');
    expect(shouldNotify(forced, [])).toBe(true);
    expect(shouldNotify(refused, ALL)).toBe(false);
  });

  it('sends a workflow end when one of its tasks asked, never when every one refused, else by the events', () => {
    const task = failedTask();
    const event = (counts: Partial<WorkflowCounts>) => {
      const made = workflowEndEvent(task, workflow(counts), 0);
      if (made === undefined) throw new Error('no event');
      return made;
    };
    expect(shouldNotify(event({}), ['workflow'])).toBe(true);
    expect(shouldNotify(event({}), ['failed'])).toBe(false);
    expect(shouldNotify(event({ notifyOn: 1, notifyOff: 2 }), [])).toBe(true);
    expect(shouldNotify(event({ notifyOff: 3 }), ALL)).toBe(false);
    expect(shouldNotify(event({ notifyOff: 2 }), ['workflow'])).toBe(true);
  });
});
