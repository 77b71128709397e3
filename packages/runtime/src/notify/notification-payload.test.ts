import { taskFixture } from '@claudine/task-fixtures';
import { describe, expect, it } from 'vitest';
import { failedTask } from './notification.test-helper.js';
import { taskEndEvent, workflowEndEvent } from './notification-event.js';
import { notificationPayload } from './notification-payload.js';

describe('notification payloads', () => {
  it('carry a line for people for each kind of end', () => {
    const text = (task: Parameters<typeof taskEndEvent>[0]) => {
      const event = taskEndEvent(task, 0);
      if (event === undefined) throw new Error('no event');
      return notificationPayload(event).text;
    };
    const base = { id: '3k9x2m4qab', prompt: 'Fix   the\nflaky test', startedAt: 0, finishedAt: 125_000, timeoutMs: 1_800_000 };
    expect(text(taskFixture({ ...base, status: 'completed' }))).toBe(
      'Claudine: task 3k9x2m4qab completed in 2 min 5 s: Fix the flaky test',
    );
    expect(text(failedTask(base))).toBe('Claudine: task 3k9x2m4qab failed (exited with code 1) after 2 min 5 s: Fix the flaky test');
    expect(text(failedTask({ ...base, failureReason: 'timeout', statusDetail: 'timed out' }))).toBe(
      'Claudine: task 3k9x2m4qab timed out after 30 min: Fix the flaky test',
    );
    expect(text(taskFixture({ ...base, status: 'cancelled', statusDetail: 'no longer needed' }))).toBe(
      'Claudine: task 3k9x2m4qab was cancelled (no longer needed): Fix the flaky test',
    );
  });

  it('say how a workflow ended, by the number of tasks in each state', () => {
    const event = workflowEndEvent(
      failedTask({ id: '7hq2w0v9xe', prompt: 'Review' }),
      {
        firstTaskId: '3k9x2m4qab',
        tasks: 4,
        counts: { queued: 0, running: 0, completed: 2, failed: 1, cancelled: 1 },
        lastFinishedAt: 0,
        notifyOn: 0,
        notifyOff: 0,
      },
      0,
    );
    if (event === undefined) throw new Error('no event');
    const payload = notificationPayload(event);
    expect(payload).toMatchObject({
      event: 'workflow',
      title: 'Claudine: workflow 3k9x2m4qab failed',
      text: 'Claudine: workflow 3k9x2m4qab failed: 4 tasks (2 completed, 1 failed, 1 cancelled); the last, 7hq2w0v9xe, failed: Review',
      workflow: { id: '3k9x2m4qab', outcome: 'failed', tasks: 4 },
      task: { id: '7hq2w0v9xe' },
    });
    expect(payload.workflow).not.toHaveProperty('notifyOn');
  });

  it('name environment variables without their values, and cut long prompts and results', () => {
    const report = {
      sessionId: 's',
      resultText: 'r'.repeat(10_000),
      isError: false,
      errorKind: null,
      transient: false,
      turns: 1,
      costUsd: 0.01,
      model: 'm',
      usage: null,
    };
    const event = taskEndEvent(
      taskFixture({
        status: 'completed',
        prompt: 'p'.repeat(10_000),
        agentOptions: { model: 'opus', env: { TOKEN: 'secret-value', A: 'b' } },
        report,
      }),
      0,
    );
    if (event === undefined) throw new Error('no event');
    const payload = notificationPayload(event);
    expect(JSON.stringify(payload)).not.toContain('secret-value');
    expect(payload.task).toMatchObject({
      agentOptions: { model: 'opus' },
      environmentNames: ['A', 'TOKEN'],
      promptTruncated: true,
      resultTruncated: true,
    });
    expect(payload.task.agentOptions).not.toHaveProperty('env');
    expect(payload.task.prompt.length).toBeLessThan(10_000);
    expect(payload.task.report?.resultText?.length).toBeLessThan(10_000);
    expect(JSON.stringify(payload).length).toBeLessThan(20_000);
  });
});
