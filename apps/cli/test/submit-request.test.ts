import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Task } from '@claudine/core';
import { jsonRpcAnswer, MCP_INITIALIZE, waitFor } from '@claudine/test-utils';
import { describe, expect, it } from 'vitest';
import { startCli } from './cli.test-helper.js';
import { useCliSession } from './session.test-helper.js';

// `claudine run` and MCP's DelegateTask build the task through the same submit request: the
// same options through either door store the same task.

const session = useCliSession();

// What a submission decides of a task (not its state, ids or times).
function submitted(task: Task) {
  const { prompt, agent, agentOptions, cwd, priority, timeoutMs, labels, dependsOn, dependencyPolicy } = task;
  return { prompt, agent, agentOptions, cwd, priority, timeoutMs, labels, dependsOn, dependencyPolicy, ...rest(task) };
}
function rest(task: Task) {
  return { passDependencyResults: task.passDependencyResults, maxRetries: task.maxRetries, notify: task.notify };
}

// One DelegateTask call through `claudine mcp`, spoken as raw JSON-RPC over its stdio.
async function delegate(cwd: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const server = startCli(['mcp'], { cwd, env: session.env });
  const send = (message: unknown): void => server.writeLine(JSON.stringify(message));
  const answer = (id: number) => jsonRpcAnswer(server.stdout(), id);
  try {
    send(MCP_INITIALIZE);
    await waitFor(() => answer(1), { description: 'the initialize answer', timeoutMs: 20_000 });
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'DelegateTask', arguments: args } });
    const called = await waitFor(() => answer(2), { description: 'the DelegateTask answer', timeoutMs: 20_000 });
    return called.result ?? {};
  } finally {
    server.child.stdin.end();
    await server.exited;
  }
}

describe('one submit request', () => {
  it('stores the same task for the same options through claudine run and DelegateTask', async () => {
    const sub = join(session.workdir, 'sub');
    mkdirSync(sub);
    const dependency = await session.submit('true');
    const run = await session.cli([
      'run',
      '--cwd',
      'sub',
      '-p',
      'P0',
      '-t',
      '10m',
      '-m',
      'opus',
      '--max-turns',
      '7',
      '--permission-mode',
      'plan',
      '--append-system-prompt',
      'Be brief.',
      '--system-prompt',
      'You review code.',
      '--max-budget-usd',
      '1.5',
      '--allowed-tools',
      'Read,Bash(pnpm test:*)',
      '--disallowed-tools',
      'WebFetch',
      '--add-dir',
      '/tmp',
      '--mcp-config',
      '{"mcpServers":{}}',
      '--settings',
      '{"model":"opus"}',
      '--effort',
      'high',
      '--fallback-model',
      'sonnet',
      '--agent-arg=--verbose',
      '-l',
      'review',
      '-e',
      'CI=1',
      '--retries',
      '1',
      '-d',
      dependency,
      '--on-dependency-failure',
      'run',
      '--pass-results',
      '--no-notify',
      'Review the change [[fake: succeed]]',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const fromCli = await session.task(run.stdout.trim());

    const result = await delegate(session.workdir, {
      prompt: 'Review the change [[fake: succeed]]',
      cwd: 'sub',
      priority: 'P0',
      timeoutSeconds: 600,
      model: 'opus',
      maxTurns: 7,
      permissionMode: 'plan',
      appendSystemPrompt: 'Be brief.',
      systemPrompt: 'You review code.',
      maxBudgetUsd: 1.5,
      allowedTools: ['Read', 'Bash(pnpm test:*)'],
      disallowedTools: ['WebFetch'],
      addDirs: ['/tmp'],
      mcpConfig: ['{"mcpServers":{}}'],
      settings: '{"model":"opus"}',
      effort: 'high',
      fallbackModel: 'sonnet',
      agentArgs: ['--verbose'],
      labels: ['review'],
      env: { CI: '1' },
      maxRetries: 1,
      dependsOn: [dependency],
      dependencyPolicy: 'run',
      passDependencyResults: true,
      notify: false,
    });
    expect(result.isError).not.toBe(true);
    const fromMcp = await session.task((result.structuredContent as { taskId: string }).taskId);

    expect(submitted(fromMcp)).toEqual(submitted(fromCli));
    expect(fromCli.agentOptions).toMatchObject({ allowedTools: ['Read', 'Bash(pnpm test:*)'], env: { CI: '1' }, effort: 'high' });
    expect(fromCli.cwd).toBe(sub);
  });
});
