import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTempDir, type TempDir, waitFor } from '@claudine/test-utils';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callTool, connectServer, resultText, stopHost } from './mcp-server.test-helper.js';

let temp: TempDir;
let home: string;
let workdir: string;
let log: string;
let client: Client;

beforeEach(async () => {
  temp = createTempDir();
  home = join(temp.path, 'home');
  workdir = join(temp.path, 'work');
  log = join(workdir, 'order.log');
  mkdirSync(workdir);
  client = await connectServer(home, workdir);
});

afterEach(async () => {
  await client.close();
  await stopHost(home);
  temp.remove();
});

interface Summary {
  id: string;
  status: string;
  blockedBy: string[];
  failureReason: string | null;
  detail: string | null;
  result: string | null;
}

async function delegate(args: Record<string, unknown>): Promise<string> {
  const result = await callTool(client, 'DelegateTask', args);
  expect(result.isError, resultText(result)).toBeFalsy();
  return (result.structuredContent as { taskId: string }).taskId;
}

async function status(taskId: string): Promise<Summary> {
  const result = await callTool(client, 'TaskStatus', { taskId });
  return (result.structuredContent as { tasks: Summary[] }).tasks[0] as Summary;
}

async function waitForStatus(taskId: string, statuses: string[]): Promise<Summary> {
  return waitFor(
    async () => {
      const task = await status(taskId);
      return statuses.includes(task.status) ? task : undefined;
    },
    { description: `task ${taskId} to be ${statuses.join(' or ')}`, timeoutMs: 30_000, intervalMs: 100 },
  );
}

const ran = () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []);

describe('workflows over MCP', () => {
  it('runs a diamond of command tasks in dependency order and shows its graph', async () => {
    const gate = join(workdir, 'go');
    const build = await delegate({ prompt: `while [ ! -e ${gate} ]; do sleep 0.05; done; echo build >> ${log}`, agent: 'command' });
    const unit = await delegate({ prompt: `echo unit >> ${log}`, agent: 'command', dependsOn: [build] });
    const lint = await delegate({ prompt: `echo lint >> ${log}`, agent: 'command', dependsOn: [build] });
    const review = await delegate({ prompt: `echo review >> ${log}`, agent: 'command', dependsOn: [unit, lint] });
    const blocked = await callTool(client, 'TaskStatus', { taskId: review });
    expect((blocked.structuredContent as { tasks: Summary[] }).tasks[0]?.blockedBy).toEqual([unit, lint].sort());
    expect(resultText(blocked)).toContain(`is blocked (waiting for ${[unit, lint].sort().join(', ')})`);

    const graph = await callTool(client, 'TaskGraph', { taskId: lint });
    const content = graph.structuredContent as { nodes: Array<{ id: string; state: string }>; edges: unknown[]; mermaid: string };
    expect(content.nodes.map((node) => [node.id, node.state])).toEqual([
      [build, expect.stringMatching(/^(queued|running)$/)],
      [unit, 'blocked'],
      [lint, 'blocked'],
      [review, 'blocked'],
    ]);
    expect(content.edges).toHaveLength(4);
    expect(content.mermaid).toContain(`t_${unit} --> t_${review}`);
    expect(resultText(graph)).toContain(`- ${review} blocked after ${[unit, lint].sort().join(', ')}`);

    mkdirSync(gate);
    expect((await waitForStatus(review, ['completed', 'failed'])).status).toBe('completed');
    const order = ran();
    expect([order[0], order[3]]).toEqual(['build', 'review']);
    expect(order.slice(1, 3).sort()).toEqual(['lint', 'unit']);
  });

  it('fails the dependents of a failing root, and re-runs the workflow on retry, passing results on', async () => {
    const marker = join(workdir, 'ready');
    const root = await delegate({ prompt: `test -d ${marker} && echo root >> ${log}`, agent: 'command' });
    const summary = await delegate({
      prompt: 'Summarise [[fake: echo-prompt]]',
      dependsOn: [root],
      passDependencyResults: true,
    });
    expect(await waitForStatus(summary, ['failed', 'completed'])).toMatchObject({
      status: 'failed',
      failureReason: 'dependency_failed',
      detail: `dependency ${root} failed`,
    });
    const refused = await callTool(client, 'RetryTask', { taskId: summary });
    expect(refused.isError).toBe(true);
    expect(resultText(refused)).toContain(`retry ${root} instead`);

    mkdirSync(marker);
    const retried = await callTool(client, 'RetryTask', { taskId: root });
    expect(retried.structuredContent).toMatchObject({ taskId: root, status: 'queued' });
    const done = await waitForStatus(summary, ['failed', 'completed']);
    expect(done.status).toBe('completed');
    // The root's output tail reached the dependent's prompt.
    expect(done.result).toContain(`## Task ${root} (command, completed)`);
    expect(ran()).toEqual(['root']);
  });

  it('changes what a queued task waits for', async () => {
    const gate = join(workdir, 'go');
    const first = await delegate({ prompt: `while [ ! -d ${gate} ]; do sleep 0.05; done`, agent: 'command' });
    const second = await delegate({ prompt: `while [ ! -d ${gate} ]; do sleep 0.05; done`, agent: 'command' });
    const third = await delegate({ prompt: 'true', agent: 'command', dependsOn: [second] });
    const self = await callTool(client, 'UpdateDependencies', { taskId: third, add: [third] });
    expect(self.isError).toBe(true);
    expect(resultText(self)).toContain('cannot depend on itself');
    const changed = await callTool(client, 'UpdateDependencies', { taskId: third, add: [first], remove: [second] });
    expect(changed.isError, resultText(changed)).toBeFalsy();
    expect((changed.structuredContent as { task: Summary }).task.blockedBy).toEqual([first]);
    const fourth = await delegate({ prompt: 'true', agent: 'command', dependsOn: [third] });
    const cycle = await callTool(client, 'UpdateDependencies', { taskId: third, add: [fourth] });
    expect(cycle.isError).toBe(true);
    expect(resultText(cycle)).toContain(`${third} → ${fourth} → ${third}`);
    await waitForStatus(first, ['running']);
    const running = await callTool(client, 'UpdateDependencies', { taskId: first, add: [second] });
    expect(running.isError).toBe(true);
    expect(resultText(running)).toContain('only a queued task');
    mkdirSync(gate);
    expect((await waitForStatus(fourth, ['completed', 'failed'])).status).toBe('completed');
  });
});
