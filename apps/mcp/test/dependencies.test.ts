import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { delegateTask, resultText, waitForTaskStatus } from './mcp-server.test-helper.js';
import { useMcpSession } from './mcp-session.test-helper.js';

const mcp = useMcpSession();
const orderLog = (): string => join(mcp.workdir, 'order.log');

interface Summary {
  id: string;
  status: string;
  blockedBy: string[];
  failureReason: string | null;
  detail: string | null;
  result: string | null;
}

const delegate = (args: Record<string, unknown>): Promise<string> => delegateTask(mcp.client, args);
const waitForStatus = (taskId: string, statuses: string[]): Promise<Summary> => waitForTaskStatus<Summary>(mcp.client, taskId, statuses);

const ran = () => (existsSync(orderLog()) ? readFileSync(orderLog(), 'utf8').split('\n').filter(Boolean) : []);

describe('workflows over MCP', () => {
  it('runs a diamond of command tasks in dependency order and shows its graph', async () => {
    const gate = join(mcp.workdir, 'go');
    const build = await delegate({ prompt: `while [ ! -e ${gate} ]; do sleep 0.05; done; echo build >> ${orderLog()}`, agent: 'command' });
    const unit = await delegate({ prompt: `echo unit >> ${orderLog()}`, agent: 'command', dependsOn: [build] });
    const lint = await delegate({ prompt: `echo lint >> ${orderLog()}`, agent: 'command', dependsOn: [build] });
    const review = await delegate({ prompt: `echo review >> ${orderLog()}`, agent: 'command', dependsOn: [unit, lint] });
    const blocked = await mcp.call('TaskStatus', { taskId: review });
    expect((blocked.structuredContent as { tasks: Summary[] }).tasks[0]?.blockedBy).toEqual([unit, lint].sort());
    expect(resultText(blocked)).toContain(`is blocked (waiting for ${[unit, lint].sort().join(', ')})`);

    const graph = await mcp.call('TaskGraph', { taskId: lint });
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
    const marker = join(mcp.workdir, 'ready');
    const root = await delegate({ prompt: `test -d ${marker} && echo root >> ${orderLog()}`, agent: 'command' });
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
    const refused = await mcp.call('RetryTask', { taskId: summary });
    expect(refused.isError).toBe(true);
    expect(resultText(refused)).toContain(`retry ${root} instead`);

    mkdirSync(marker);
    const retried = await mcp.call('RetryTask', { taskId: root });
    expect(retried.structuredContent).toMatchObject({ taskId: root, status: 'queued' });
    const done = await waitForStatus(summary, ['failed', 'completed']);
    expect(done.status).toBe('completed');
    // The root's output tail reached the dependent's prompt.
    expect(done.result).toContain(`## Task ${root} (command, completed)`);
    expect(ran()).toEqual(['root']);
  });

  it('changes what a queued task waits for', async () => {
    const gate = join(mcp.workdir, 'go');
    const first = await delegate({ prompt: `while [ ! -d ${gate} ]; do sleep 0.05; done`, agent: 'command' });
    const second = await delegate({ prompt: `while [ ! -d ${gate} ]; do sleep 0.05; done`, agent: 'command' });
    const third = await delegate({ prompt: 'true', agent: 'command', dependsOn: [second] });
    const self = await mcp.call('UpdateDependencies', { taskId: third, add: [third] });
    expect(self.isError).toBe(true);
    expect(resultText(self)).toContain('cannot depend on itself');
    const changed = await mcp.call('UpdateDependencies', { taskId: third, add: [first], remove: [second] });
    expect(changed.isError, resultText(changed)).toBeFalsy();
    expect((changed.structuredContent as { task: Summary }).task.blockedBy).toEqual([first]);
    const fourth = await delegate({ prompt: 'true', agent: 'command', dependsOn: [third] });
    const cycle = await mcp.call('UpdateDependencies', { taskId: third, add: [fourth] });
    expect(cycle.isError).toBe(true);
    expect(resultText(cycle)).toContain(`${third} → ${fourth} → ${third}`);
    await waitForStatus(first, ['running']);
    const running = await mcp.call('UpdateDependencies', { taskId: first, add: [second] });
    expect(running.isError).toBe(true);
    expect(resultText(running)).toContain('only a queued task');
    mkdirSync(gate);
    expect((await waitForStatus(fourth, ['completed', 'failed'])).status).toBe('completed');
  });
});
