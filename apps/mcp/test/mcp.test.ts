import { join } from 'node:path';
import { openClaudine } from '@claudine/runtime';
import { describe, expect, it } from 'vitest';
import { resultText, serverEnvironment, waitForTaskStatus } from './mcp-server.test-helper.js';
import { useMcpSession } from './mcp-session.test-helper.js';

const SETTINGS: Record<string, string> = {};
const mcp = useMcpSession({ settings: SETTINGS });

function environment(): Record<string, string> {
  return serverEnvironment(mcp.home, SETTINGS);
}

const call = mcp.call;

async function waitForStatus(taskId: string, statuses: string[]): Promise<Record<string, unknown>> {
  return waitForTaskStatus(mcp.client, taskId, statuses, 20_000);
}

describe('claudine MCP server over stdio', () => {
  it('delegates a command task in the project directory, then reports its status and logs', async () => {
    const delegated = await call('DelegateTask', { prompt: 'echo from mcp; pwd', agent: 'command' });
    expect(delegated.isError).toBeFalsy();
    const { taskId } = delegated.structuredContent as { taskId: string };
    expect(resultText(delegated)).toContain(taskId);
    const task = await waitForStatus(taskId, ['completed', 'failed']);
    expect(task).toMatchObject({ status: 'completed', exitCode: 0, cwd: mcp.workdir });
    const logs = await call('TaskLogs', { taskId, stream: 'stdout' });
    expect(logs.structuredContent).toMatchObject({ taskId, status: 'completed', text: `from mcp\n${mcp.workdir}`, truncated: false });
    // What MCP submitted, the CLI's client reads.
    const claudine = openClaudine({ home: mcp.home, environment: environment(), autoStartHost: false });
    expect((await claudine.get(taskId)).prompt).toBe('echo from mcp; pwd');
    claudine.close();
  });

  it("delegates a claude task and returns the agent's result, session and cost", async () => {
    const delegated = await call('DelegateTask', {
      prompt: 'Fix it [[fake: say Working; succeed Fixed the bug]]',
      model: 'sonnet',
      maxTurns: 3,
    });
    const { taskId } = delegated.structuredContent as { taskId: string };
    const task = await waitForStatus(taskId, ['completed', 'failed']);
    expect(task).toMatchObject({ status: 'completed', result: 'Fixed the bug', agent: 'claude', turns: 2 });
    expect(task.sessionId).toEqual(expect.any(String));
    expect(task.costUsd).toBeGreaterThan(0);
    const logs = await call('TaskLogs', { taskId });
    expect(resultText(logs)).toContain('✓ done');
  });

  it('sees tasks submitted by the CLI, and cancels them', async () => {
    const claudine = openClaudine({ home: mcp.home, environment: environment() });
    const { task } = await claudine.submit({ prompt: 'sleep 30', agent: 'command', cwd: mcp.workdir });
    claudine.close();
    await waitForStatus(task.id, ['running']);
    const listed = await call('TaskStatus', { status: ['running'] });
    expect((listed.structuredContent as { tasks: Array<{ id: string }> }).tasks.map((item) => item.id)).toEqual([task.id]);
    const cancelled = await call('CancelTask', { taskId: task.id, reason: 'superseded' });
    expect(cancelled.structuredContent).toMatchObject({ taskId: task.id, outcome: 'requested' });
    expect(await waitForStatus(task.id, ['cancelled'])).toMatchObject({ detail: 'superseded' });
  });

  it('answers bad calls with tool errors the model can act on, and keeps serving', async () => {
    const unknown = await call('TaskStatus', { taskId: 'aaaaaaaaaa' });
    expect(unknown.isError).toBe(true);
    expect(resultText(unknown)).toContain('No task has id aaaaaaaaaa');
    const badCwd = await call('DelegateTask', { prompt: 'x', cwd: join(mcp.temp.path, 'nowhere') });
    expect(badCwd.isError).toBe(true);
    expect(resultText(badCwd)).toContain('does not exist');
    const empty = await call('DelegateTask', { prompt: '' });
    expect(empty.isError).toBe(true);
    expect(resultText(empty)).toContain('prompt is empty');
    const missing = await call('DelegateTask', {});
    expect(missing.isError).toBe(true);
    const notAnId = await call('CancelTask', { taskId: 42 });
    expect(notAnId.isError).toBe(true);
    const still = await call('TaskStatus', {});
    expect(still.isError).toBeFalsy();
    expect(mcp.session.stderr()).not.toMatch(/TypeError|ReferenceError/);
  });
});
