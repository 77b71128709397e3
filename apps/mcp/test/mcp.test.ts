import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openClaudine } from '@claudine/runtime';
import { createTempDir, type TempDir, waitFor } from '@claudine/test-utils';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callTool, openSession, serverEnvironment, stopHost, type TestSession } from './mcp-server.test-helper.js';

let temp: TempDir;
let home: string;
let workdir: string;
let session: TestSession;
const SETTINGS: Record<string, string> = {};

function environment(): Record<string, string> {
  return serverEnvironment(home, SETTINGS);
}

beforeEach(async () => {
  temp = createTempDir();
  home = join(temp.path, 'home');
  workdir = join(temp.path, 'work');
  mkdirSync(workdir);
  session = await openSession('stdio', home, workdir, SETTINGS);
});

afterEach(async () => {
  await session.close();
  await stopHost(home);
  temp.remove();
});

async function call(name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return callTool(session.client, name, args);
}

function text(result: CallToolResult): string {
  return result.content.map((part) => (part.type === 'text' ? part.text : '')).join('\n');
}

async function waitForStatus(taskId: string, statuses: string[]): Promise<Record<string, unknown>> {
  return waitFor(
    async () => {
      const result = await call('TaskStatus', { taskId });
      const task = (result.structuredContent as { tasks: Array<Record<string, unknown>> }).tasks[0];
      return task !== undefined && statuses.includes(String(task.status)) ? task : undefined;
    },
    { description: `task ${taskId} to be ${statuses.join(' or ')}`, timeoutMs: 20_000, intervalMs: 100 },
  );
}

describe('claudine MCP server over stdio', () => {
  it('lists its tools with schemas and annotations', async () => {
    const { tools } = await session.client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual([
      'CancelTask',
      'DelegateTask',
      'DelegateWorkflow',
      'ListTasks',
      'MergeTask',
      'ResumeTask',
      'RetryTask',
      'SystemMetrics',
      'TaskDiff',
      'TaskGraph',
      'TaskLogs',
      'TaskMetrics',
      'TaskStatus',
      'UpdateDependencies',
      'WaitForTasks',
    ]);
    for (const tool of tools) {
      expect(tool.outputSchema?.type).toBe('object');
      expect(tool.description?.length).toBeGreaterThan(60);
    }
    const byName = Object.fromEntries(tools.map((tool) => [tool.name, tool]));
    expect(byName.TaskStatus?.annotations?.readOnlyHint).toBe(true);
    expect(byName.TaskLogs?.annotations?.readOnlyHint).toBe(true);
    expect(byName.TaskGraph?.annotations?.readOnlyHint).toBe(true);
    expect(byName.TaskMetrics?.annotations?.readOnlyHint).toBe(true);
    expect(byName.SystemMetrics?.annotations?.readOnlyHint).toBe(true);
    expect(byName.CancelTask?.annotations?.destructiveHint).toBe(true);
    expect(byName.MergeTask?.annotations?.destructiveHint).toBe(true);
    expect(byName.DelegateTask?.annotations?.readOnlyHint).toBe(false);
  });

  it('delegates a command task in the project directory, then reports its status and logs', async () => {
    const delegated = await call('DelegateTask', { prompt: 'echo from mcp; pwd', agent: 'command' });
    expect(delegated.isError).toBeFalsy();
    const { taskId } = delegated.structuredContent as { taskId: string };
    expect(text(delegated)).toContain(taskId);
    const task = await waitForStatus(taskId, ['completed', 'failed']);
    expect(task).toMatchObject({ status: 'completed', exitCode: 0, cwd: workdir });
    const logs = await call('TaskLogs', { taskId, stream: 'stdout' });
    expect(logs.structuredContent).toMatchObject({ taskId, status: 'completed', text: `from mcp\n${workdir}`, truncated: false });
    // What MCP submitted, the CLI's client reads.
    const claudine = openClaudine({ home, environment: environment(), autoStartHost: false });
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
    expect(text(logs)).toContain('✓ done');
  });

  it('sees tasks submitted by the CLI, and cancels them', async () => {
    const claudine = openClaudine({ home, environment: environment() });
    const { task } = await claudine.submit({ prompt: 'sleep 30', agent: 'command', cwd: workdir });
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
    expect(text(unknown)).toContain('No task has id aaaaaaaaaa');
    const badCwd = await call('DelegateTask', { prompt: 'x', cwd: join(temp.path, 'nowhere') });
    expect(badCwd.isError).toBe(true);
    expect(text(badCwd)).toContain('does not exist');
    const empty = await call('DelegateTask', { prompt: '' });
    expect(empty.isError).toBe(true);
    expect(text(empty)).toContain('prompt is empty');
    const missing = await call('DelegateTask', {});
    expect(missing.isError).toBe(true);
    const notAnId = await call('CancelTask', { taskId: 42 });
    expect(notAnId.isError).toBe(true);
    const still = await call('TaskStatus', {});
    expect(still.isError).toBeFalsy();
    expect(session.stderr()).not.toMatch(/TypeError|ReferenceError/);
  });
});
