import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openClaudine } from '@claudine/runtime';
import { waitFor } from '@claudine/test-utils';
import type { CallToolResult, Progress } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { delegateTask, resultText, serverEnvironment, type TransportKind } from './mcp-server.test-helper.js';
import { useMcpSession } from './mcp-session.test-helper.js';

// Every tool, its happy path and its errors, through the SDK's own client over real stdio and
// over Streamable HTTP; plus the log resources, subscriptions and notifications.

const SETTINGS = { CLAUDINE_MCP_PROGRESS_INTERVAL: '250ms', CLAUDINE_TIMEOUT_WARN_AT: '0.5' };

interface Summary {
  id: string;
  status: string;
  result: string | null;
  sessionId: string | null;
  blockedBy: string[];
  failureReason: string | null;
}

interface WaitResult {
  done: boolean;
  timedOut: boolean;
  finished: string[];
  pending: string[];
  tasks: Summary[];
}

describe.each<TransportKind>(['stdio', 'http'])('the MCP server over %s', (kind) => {
  const mcp = useMcpSession({ kind, settings: SETTINGS });
  const { call } = mcp;

  const delegate = (args: Record<string, unknown>): Promise<string> => delegateTask(mcp.client, args);

  async function wait(taskIds: string[], extra: Record<string, unknown> = {}): Promise<WaitResult> {
    const result = await call('WaitForTasks', { taskIds, timeoutSeconds: 30, ...extra });
    expect(result.isError, resultText(result)).toBeFalsy();
    return result.structuredContent as unknown as WaitResult;
  }

  it('lists every tool with schemas, annotations and a description for the model, and the log resource template', async () => {
    const { tools } = await mcp.client.listTools();
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
      expect(tool.inputSchema.type, tool.name).toBe('object');
      expect(tool.outputSchema?.type, tool.name).toBe('object');
      expect(tool.description?.length, tool.name).toBeGreaterThan(100);
      expect(tool.annotations?.readOnlyHint, tool.name).toEqual(expect.any(Boolean));
    }
    const byName = Object.fromEntries(tools.map((tool) => [tool.name, tool]));
    for (const name of ['TaskStatus', 'ListTasks', 'TaskLogs', 'WaitForTasks', 'TaskGraph', 'TaskMetrics', 'SystemMetrics', 'TaskDiff']) {
      expect(byName[name]?.annotations?.readOnlyHint, name).toBe(true);
    }
    for (const name of ['DelegateTask', 'DelegateWorkflow', 'CancelTask', 'RetryTask', 'ResumeTask', 'UpdateDependencies', 'MergeTask']) {
      expect(byName[name]?.annotations?.readOnlyHint, name).toBe(false);
    }
    expect(byName.CancelTask?.annotations?.destructiveHint).toBe(true);
    expect(byName.MergeTask?.annotations?.destructiveHint).toBe(true);
    expect(byName.DelegateTask?.annotations?.destructiveHint).toBe(false);
    const { resourceTemplates } = await mcp.client.listResourceTemplates();
    expect(resourceTemplates).toEqual([expect.objectContaining({ uriTemplate: 'claudine://tasks/{id}/log', mimeType: 'text/plain' })]);
    expect(mcp.client.getServerCapabilities()).toMatchObject({ logging: {}, resources: { subscribe: true } });
  });

  it('delegates, waits, and tells the session when its task is done; shows status, logs (with a resource link), the log resource and metrics', async () => {
    const taskId = await delegate({ prompt: 'echo from mcp; pwd', agent: 'command', labels: ['smoke'] });
    const waited = await wait([taskId]);
    expect(waited).toMatchObject({ done: true, timedOut: false, finished: [taskId], pending: [] });
    expect(waited.tasks[0]).toMatchObject({ id: taskId, status: 'completed' });
    // The session that delegated the task hears that it finished, by name.
    const notice = await waitFor(() => mcp.session.messages.find((message) => String(message.data).includes(taskId)), {
      description: 'a log notification naming the task',
    });
    expect(notice).toMatchObject({ level: 'notice', logger: 'claudine' });
    expect(String(notice.data)).toContain(`Task ${taskId} completed`);

    const status = await call('TaskStatus', { taskId });
    expect((status.structuredContent as { tasks: Summary[] }).tasks[0]).toMatchObject({
      id: taskId,
      status: 'completed',
      labels: ['smoke'],
    });

    const logs = await call('TaskLogs', { taskId, stream: 'stdout' });
    expect(logs.structuredContent).toMatchObject({
      taskId,
      text: `from mcp\n${mcp.workdir}`,
      resourceUri: `claudine://tasks/${taskId}/log`,
    });
    const link = logs.content.find((part) => part.type === 'resource_link');
    expect(link).toMatchObject({ type: 'resource_link', uri: `claudine://tasks/${taskId}/log`, mimeType: 'text/plain' });

    const resource = await mcp.client.readResource({ uri: `claudine://tasks/${taskId}/log` });
    const content = resource.contents[0] as { text: string; uri: string };
    expect(content.uri).toBe(`claudine://tasks/${taskId}/log`);
    expect(content.text).toContain(`Task ${taskId} is completed (command)`);
    expect(content.text).toContain(`from mcp\n${mcp.workdir}`);
    const { resources } = await mcp.client.listResources();
    expect(resources.map((item) => item.uri)).toContain(`claudine://tasks/${taskId}/log`);

    const metrics = await call('TaskMetrics', { taskId });
    expect(metrics.isError, resultText(metrics)).toBeFalsy();
    expect((metrics.structuredContent as { attempts: unknown[] }).attempts.length).toBeGreaterThanOrEqual(1);
    const system = await call('SystemMetrics', { historyMinutes: 0 });
    expect(system.isError, resultText(system)).toBeFalsy();
    expect((system.structuredContent as { snapshot: { completed: number } }).snapshot.completed).toBe(1);
  });

  it('keeps a long wait alive with progress notifications past the client timeout, and returns early with the state at its own', async () => {
    const gate = join(mcp.workdir, 'gate');
    const taskId = await delegate({ prompt: `while [ ! -e ${gate} ]; do sleep 0.05; done; echo through`, agent: 'command' });
    const progress: Progress[] = [];
    // The client gives up after 2.5 s without progress; the wait lasts 4 s.
    const early = (await mcp.client.callTool({ name: 'WaitForTasks', arguments: { taskIds: [taskId], timeoutSeconds: 4 } }, undefined, {
      timeout: 2500,
      resetTimeoutOnProgress: true,
      onprogress: (update) => progress.push(update),
    })) as CallToolResult;
    expect(early.isError, resultText(early)).toBeFalsy();
    expect(early.structuredContent).toMatchObject({ done: false, timedOut: true, finished: [], pending: [taskId] });
    expect(resultText(early)).toContain('Call WaitForTasks again');
    expect(progress.length).toBeGreaterThanOrEqual(4);
    for (let index = 1; index < progress.length; index += 1) {
      expect(progress[index]?.progress).toBeGreaterThan(progress[index - 1]?.progress ?? 0);
    }
    expect(progress[0]).toMatchObject({ total: 4, message: expect.stringContaining('0 of 1 tasks finished') });

    mkdirSync(gate);
    const done = await wait([taskId]);
    expect(done).toMatchObject({ done: true, finished: [taskId] });
  });

  it('waits for any of several tasks, or for all of them', async () => {
    const gate = join(mcp.workdir, 'gate');
    const slow = await delegate({ prompt: `while [ ! -e ${gate} ]; do sleep 0.05; done`, agent: 'command' });
    const fast = await delegate({ prompt: 'exit 3', agent: 'command' });
    const any = await wait([slow, fast, fast], { mode: 'any' });
    expect(any).toMatchObject({ done: true, finished: [fast], pending: [slow] });
    expect(any.tasks.map((task) => task.id)).toEqual([slow, fast]);
    expect(any.tasks[1]).toMatchObject({ status: 'failed', failureReason: 'exit_code' });
    const failure = await waitFor(() => mcp.session.messages.find((message) => String(message.data).includes(fast)), {
      description: 'the failure notice',
    });
    expect(failure.level).toBe('error');
    expect(String(failure.data)).toContain('RetryTask');
    mkdirSync(gate);
    expect(await wait([slow, fast])).toMatchObject({ done: true, finished: [slow, fast], pending: [] });
  });

  it('lists tasks by state, agent, label and time, a page at a time', async () => {
    const gate = join(mcp.workdir, 'gate');
    const first = await delegate({ prompt: `while [ ! -e ${gate} ]; do sleep 0.05; done`, agent: 'command', labels: ['batch'] });
    const second = await delegate({ prompt: 'true', agent: 'command', labels: ['batch'], dependsOn: [first] });
    const third = await delegate({ prompt: 'true', agent: 'command', labels: ['batch', 'other'] });
    await wait([third]);
    const page = await call('ListTasks', { label: 'batch', limit: 2 });
    const content = page.structuredContent as { tasks: Array<{ id: string; state: string }>; nextCursor: number | null };
    expect(content.tasks.map((task) => task.id)).toEqual([third, second]);
    expect(content.nextCursor).not.toBeNull();
    expect(resultText(page)).toContain(`cursor=${content.nextCursor}`);
    const rest = await call('ListTasks', { label: 'batch', limit: 2, cursor: content.nextCursor });
    expect(rest.structuredContent).toMatchObject({ tasks: [{ id: first }], nextCursor: null });
    // Ordered before paging: the running gate task comes first by state, though it is the oldest.
    expect((await call('ListTasks', { label: 'batch', order: 'status', limit: 1 })).structuredContent).toMatchObject({
      tasks: [{ id: first }],
    });
    // A list of labels: tasks with every one of them.
    expect((await call('ListTasks', { label: ['other', 'batch'] })).structuredContent).toMatchObject({
      tasks: [{ id: third }],
      nextCursor: null,
    });
    const blocked = await call('ListTasks', { status: ['blocked'] });
    expect((blocked.structuredContent as { tasks: Array<{ id: string; state: string }> }).tasks).toEqual([
      expect.objectContaining({ id: second, state: 'blocked' }),
    ]);
    expect(
      (await call('ListTasks', { status: ['completed'], agent: 'command' })).structuredContent as { tasks: Array<{ id: string }> },
    ).toMatchObject({ tasks: [{ id: third }] });
    expect((await call('ListTasks', { agent: 'claude' })).structuredContent).toMatchObject({ tasks: [] });
    expect((await call('ListTasks', { createdAfter: new Date(Date.now() + 60_000).toISOString() })).structuredContent).toMatchObject({
      tasks: [],
    });
    // The status tool users know still lists.
    const listed = await call('TaskStatus', { status: ['completed'] });
    expect((listed.structuredContent as { tasks: Summary[] }).tasks.map((task) => task.id)).toEqual([third]);

    const waiting = await mcp.client.readResource({ uri: `claudine://tasks/${second}/log` });
    expect((waiting.contents[0] as { text: string }).text).toMatch(
      new RegExp(`^\\[claudine\\] Task ${second} is blocked \\(command\\)\\. No output yet\\.`),
    );
    const graph = await call('TaskGraph', { taskId: second });
    expect((graph.structuredContent as { edges: unknown[] }).edges).toEqual([{ from: first, to: second }]);
    const changed = await call('UpdateDependencies', { taskId: second, remove: [first] });
    expect((changed.structuredContent as { task: Summary }).task.blockedBy).toEqual([]);
    mkdirSync(gate);
    expect(await wait([first, second])).toMatchObject({ done: true });
  });

  it("resumes a claude task's session with new instructions, and cancels and retries tasks", async () => {
    const original = await delegate({ prompt: 'Fix it [[fake: say Working; succeed Fixed the bug]]' });
    const [done] = (await wait([original])).tasks;
    expect(done).toMatchObject({ status: 'completed', result: 'Fixed the bug' });
    const resumed = await call('ResumeTask', { taskId: original, instructions: 'Now add a test [[fake: echo-prompt]]' });
    expect(resumed.isError, resultText(resumed)).toBeFalsy();
    const resumedTask = resumed.structuredContent as { taskId: string; resumedFrom: string; sessionId: string };
    expect(resumedTask).toMatchObject({ resumedFrom: original, sessionId: done?.sessionId });
    const [continued] = (await wait([resumedTask.taskId])).tasks;
    expect(continued).toMatchObject({ status: 'completed', sessionId: done?.sessionId, result: 'Now add a test [[fake: echo-prompt]]' });

    const sleeper = await delegate({ prompt: 'sleep 30', agent: 'command' });
    const cancelled = await call('CancelTask', { taskId: sleeper, reason: 'not needed' });
    expect(cancelled.structuredContent).toMatchObject({ taskId: sleeper, outcome: expect.stringMatching(/^(cancelled|requested)$/) });
    const [stopped] = (await wait([sleeper])).tasks;
    expect(stopped).toMatchObject({ status: 'cancelled' });
    const again = await call('CancelTask', { taskId: sleeper });
    expect(again.isError).toBe(true);
    expect(resultText(again)).toContain('already cancelled');

    const marker = join(mcp.workdir, 'ready');
    const flaky = await delegate({ prompt: `test -d ${marker}`, agent: 'command' });
    expect((await wait([flaky])).tasks[0]).toMatchObject({ status: 'failed' });
    mkdirSync(marker);
    const retried = await call('RetryTask', { taskId: flaky });
    expect(retried.structuredContent).toMatchObject({ taskId: flaky, status: 'queued' });
    expect((await wait([flaky])).tasks[0]).toMatchObject({ status: 'completed' });
    // The retried task is followed again: its completion is announced too.
    await waitFor(() => mcp.session.messages.some((message) => String(message.data).includes(`Task ${flaky} completed`)), {
      description: 'the completion notice of the retried task',
    });
  });

  it('answers bad calls with tool errors the model can act on, and keeps serving', async () => {
    const unknown = 'aaaaaaaaaa';
    for (const [name, args] of [
      ['TaskStatus', { taskId: unknown }],
      ['TaskLogs', { taskId: unknown }],
      ['CancelTask', { taskId: unknown }],
      ['RetryTask', { taskId: unknown }],
      ['ResumeTask', { taskId: unknown, instructions: 'go on' }],
      ['WaitForTasks', { taskIds: [unknown] }],
      ['TaskGraph', { taskId: unknown }],
      ['UpdateDependencies', { taskId: unknown, add: [] }],
      ['TaskMetrics', { taskId: unknown }],
    ] as const) {
      const result = await call(name, args);
      expect(result.isError, name).toBe(true);
      expect(resultText(result), name).toContain(`No task has id ${unknown}`);
      expect(resultText(result), name).not.toContain('claudine status');
    }
    const notAnId = await call('TaskStatus', { taskId: 'nope' });
    expect(resultText(notAnId)).toContain('"nope" is not a task id');
    expect(resultText(notAnId)).toContain('ListTasks');

    const empty = await call('DelegateTask', { prompt: '   ' });
    expect(resultText(empty)).toContain('prompt is empty');
    const huge = await call('DelegateTask', { prompt: 'x'.repeat(1024 * 1024 + 1), agent: 'command' });
    expect(huge.isError).toBe(true);
    expect(resultText(huge)).toContain('put the material in a file');
    const badCwd = await call('DelegateTask', { prompt: 'true', agent: 'command', cwd: 'missing/dir' });
    expect(resultText(badCwd)).toContain(`${join(mcp.workdir, 'missing/dir')} does not exist`);
    const wrongAgentOption = await call('DelegateTask', { prompt: 'true', agent: 'command', maxTurns: 3 });
    expect(resultText(wrongAgentOption)).toContain('does not take maxTurns');
    const tooLong = await call('DelegateTask', { prompt: 'true', agent: 'command', timeoutSeconds: 100_000 });
    expect(resultText(tooLong)).toContain('longer than the maximum');
    const unknownDependency = await call('DelegateTask', { prompt: 'true', agent: 'command', dependsOn: [unknown] });
    expect(unknownDependency.isError).toBe(true);
    expect(resultText(unknownDependency)).toContain(unknown);

    const gate = join(mcp.workdir, 'gate');
    const first = await delegate({ prompt: `while [ ! -e ${gate} ]; do sleep 0.05; done`, agent: 'command' });
    const second = await delegate({ prompt: 'true', agent: 'command', dependsOn: [first] });
    const third = await delegate({ prompt: 'true', agent: 'command', dependsOn: [second] });
    const cycle = await call('UpdateDependencies', { taskId: second, add: [third] });
    expect(cycle.isError).toBe(true);
    expect(resultText(cycle)).toContain(`${second} → ${third} → ${second}`);
    const command = await call('ResumeTask', { taskId: first, instructions: 'more' });
    expect(resultText(command)).toContain('only claude tasks have a session to resume');
    const completed = await delegate({ prompt: 'true', agent: 'command' });
    await wait([completed]);
    const retryCompleted = await call('RetryTask', { taskId: completed });
    expect(resultText(retryCompleted)).toContain('only a failed or cancelled task can be retried');
    mkdirSync(gate);
    expect(await wait([third])).toMatchObject({ done: true });

    for (const [name, args] of [
      ['DelegateTask', {}],
      ['CancelTask', { taskId: 42 }],
      ['WaitForTasks', { taskIds: [] }],
      ['WaitForTasks', { taskIds: [completed], timeoutSeconds: 0 }],
      ['ListTasks', { createdAfter: 'yesterday' }],
      ['ListTasks', { status: ['done'] }],
      ['TaskLogs', { taskId: completed, lines: 10_000 }],
      ['SystemMetrics', { historyMinutes: -1 }],
    ] as const) {
      const result = await call(name, args as Record<string, unknown>);
      expect(result.isError, name).toBe(true);
      expect(resultText(result), name).toMatch(/Input validation error|invalid/i);
    }
    await expect(mcp.client.readResource({ uri: `claudine://tasks/${unknown}/log` })).rejects.toThrow(`No task has id ${unknown}`);
    await expect(mcp.client.subscribeResource({ uri: 'claudine://elsewhere' })).rejects.toThrow('Only task logs');
    expect((await call('TaskStatus', {})).isError).toBeFalsy();
    expect(mcp.session.stderr()).not.toMatch(/unexpected error|TypeError|ReferenceError/);
  });

  it('notifies a subscriber when a log grows or its task changes state', async () => {
    const gate = join(mcp.workdir, 'gate');
    const finish = join(mcp.workdir, 'finish');
    const taskId = await delegate({
      prompt: `echo first; while [ ! -e ${gate} ]; do sleep 0.05; done; echo second; while [ ! -e ${finish} ]; do sleep 0.05; done`,
      agent: 'command',
    });
    const uri = `claudine://tasks/${taskId}/log`;
    await mcp.client.subscribeResource({ uri });
    const read = async (): Promise<string> => ((await mcp.client.readResource({ uri })).contents[0] as { text: string }).text;
    await waitFor(async () => (await read()).includes('first'), { description: 'the first line', timeoutMs: 20_000 });
    // Updates for what happened so far are over once a quiet second passes without any.
    const settled = await waitFor(
      async () => {
        const count = mcp.session.updated.length;
        await new Promise((resolve) => setTimeout(resolve, 1200));
        return mcp.session.updated.length === count ? count : undefined;
      },
      { description: 'updates to settle', timeoutMs: 20_000 },
    );
    mkdirSync(gate);
    // The task prints while still running: the log alone changed.
    await waitFor(() => mcp.session.updated.length > settled, { description: 'an update for new output', timeoutMs: 20_000 });
    const text = await read();
    expect(text).toContain('second');
    expect(text).toContain('is running');
    expect(mcp.session.updated.every((updated) => updated === uri)).toBe(true);
    const beforeEnd = mcp.session.updated.length;
    mkdirSync(finish);
    await waitFor(() => mcp.session.updated.length > beforeEnd, { description: 'an update when the task ends', timeoutMs: 20_000 });
    await waitFor(async () => (await read()).includes('is completed'), { description: 'the log to show the end', timeoutMs: 20_000 });
    await mcp.client.unsubscribeResource({ uri });
  });

  it('warns the session when its task nears its timeout, and tells it when it timed out', async () => {
    const taskId = await delegate({ prompt: 'sleep 30', agent: 'command', timeoutSeconds: 2 });
    const warning = await waitFor(() => mcp.session.messages.find((message) => String(message.data).includes('nears its timeout')), {
      description: 'the timeout warning',
      timeoutMs: 20_000,
    });
    expect(warning.level).toBe('warning');
    expect(String(warning.data)).toContain(`Task ${taskId}`);
    const failed = await waitFor(() => mcp.session.messages.find((message) => String(message.data).includes(`Task ${taskId} failed`)), {
      description: 'the timeout notice',
      timeoutMs: 20_000,
    });
    expect(failed).toMatchObject({ level: 'error', data: expect.stringContaining('timed out after 2 s') });
    const status = await call('TaskStatus', { taskId });
    expect((status.structuredContent as { tasks: Array<{ warnedAt: string | null }> }).tasks[0]?.warnedAt).toEqual(expect.any(String));
  });

  it('announces only the tasks this session handed off', async () => {
    const claudine = openClaudine({ home: mcp.home, environment: serverEnvironment(mcp.home) });
    const { task: elsewhere } = await claudine.submit({ prompt: 'true', agent: 'command', cwd: mcp.workdir });
    claudine.close();
    const mine = await delegate({ prompt: 'true', agent: 'command', dependsOn: [elsewhere.id] });
    await wait([mine]);
    await waitFor(() => mcp.session.messages.some((message) => String(message.data).includes(`Task ${mine} completed`)), {
      description: 'the notice of the delegated task',
    });
    // The other task finished before the delegated one started: a notice for it would be here.
    expect(mcp.session.messages.filter((message) => String(message.data).includes(elsewhere.id))).toEqual([]);
    expect(existsSync(join(mcp.home, 'claudine.db'))).toBe(true);
  });
});
