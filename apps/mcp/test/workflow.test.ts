import { waitFor } from '@claudine/test-utils';
import { describe, expect, it } from 'vitest';
import { resultText, taskSummary } from './mcp-server.test-helper.js';
import { useMcpSession } from './mcp-session.test-helper.js';

// DelegateWorkflow: a whole workflow in one call, all or nothing, ids by name.

const mcp = useMcpSession();

interface Summary {
  id: string;
  status: string;
  dependsOn: string[];
  result: string | null;
}

const status = (taskId: string): Promise<Summary> => taskSummary<Summary>(mcp.client, taskId);

async function count(): Promise<number> {
  const result = await mcp.call('ListTasks', { limit: 100 });
  return (result.structuredContent as { tasks: unknown[] }).tasks.length;
}

describe('DelegateWorkflow', () => {
  it('stores a workflow wired by names and existing ids in one call, and it runs in order passing results on', async () => {
    const earlier = await mcp.call('DelegateTask', { prompt: 'echo earlier', agent: 'command' });
    const earlierId = (earlier.structuredContent as { taskId: string }).taskId;
    const result = await mcp.call('DelegateWorkflow', {
      tasks: [
        { name: 'build', prompt: 'echo built', agent: 'command' },
        { name: 'test', prompt: 'echo tested', agent: 'command', dependsOn: ['build', earlierId] },
        {
          name: 'review',
          prompt: 'Review [[fake: echo-prompt]]',
          dependsOn: ['test'],
          passDependencyResults: true,
          allowedTools: ['Read'],
        },
      ],
    });
    expect(result.isError, resultText(result)).toBeFalsy();
    const { tasks } = result.structuredContent as { tasks: Array<{ name: string; taskId: string; status: string }> };
    expect(tasks.map((task) => task.name)).toEqual(['build', 'test', 'review']);
    const [build, test, review] = tasks.map((task) => task.taskId) as [string, string, string];
    expect(resultText(result)).toContain(`review: ${review}`);
    expect([...(await status(test)).dependsOn].sort()).toEqual([build, earlierId].sort());
    const reviewed = await waitFor(
      async () => {
        const current = await status(review);
        return current.status === 'completed' || current.status === 'failed' ? current : undefined;
      },
      { description: 'the review to end', timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(reviewed.status).toBe('completed');
    // The review's prompt carried the test's result, so the workflow ran in order.
    expect(reviewed.result).toContain('tested');
    const withPrompt = await mcp.call('TaskStatus', { taskId: review, includePrompt: true });
    const { prompt } = withPrompt.structuredContent as { prompt: string };
    expect(prompt).toContain('Review [[fake: echo-prompt]]');
    expect(prompt).toContain('tested');

    // A failed task runs again with new instructions.
    const failing = await mcp.call('DelegateTask', { prompt: 'exit 4', agent: 'command' });
    const failingId = (failing.structuredContent as { taskId: string }).taskId;
    await waitFor(async () => ((await status(failingId)).status === 'failed' ? true : undefined), {
      description: 'the task to fail',
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    const retried = await mcp.call('RetryTask', { taskId: failingId, prompt: 'echo fixed' });
    expect(retried.isError, resultText(retried)).toBeFalsy();
    const fixed = await waitFor(
      async () => {
        const current = await status(failingId);
        return current.status === 'completed' ? current : undefined;
      },
      { description: 'the retried task to complete', timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(fixed.status).toBe('completed');
  }, 60_000);

  it('stores nothing when one task is invalid or the names form a cycle, and says which', async () => {
    const before = await count();
    const invalid = await mcp.call('DelegateWorkflow', {
      tasks: [
        { name: 'a', prompt: 'true', agent: 'command' },
        { name: 'b', prompt: 'true', agent: 'command', cwd: 'missing/dir', dependsOn: ['a'] },
      ],
    });
    expect(invalid.isError).toBe(true);
    expect(resultText(invalid)).toContain('tasks[1] (b)');
    expect(resultText(invalid)).toContain('does not exist');
    const cycle = await mcp.call('DelegateWorkflow', {
      tasks: [
        { name: 'a', prompt: 'true', agent: 'command', dependsOn: ['b'] },
        { name: 'b', prompt: 'true', agent: 'command', dependsOn: ['a'] },
      ],
    });
    expect(cycle.isError).toBe(true);
    expect(resultText(cycle)).toContain('a → b → a');
    const unknown = await mcp.call('DelegateWorkflow', {
      tasks: [{ prompt: 'true', agent: 'command', dependsOn: ['nothing'] }],
    });
    expect(resultText(unknown)).toContain('tasks[0]: dependsOn: "nothing" is neither a task id nor the name of a task');
    expect(await count()).toBe(before);
  }, 60_000);
});
