import { describe, expect, it } from 'vitest';
import { claudineErrorOf } from '../claudine-error.test-helper.js';
import { loadConfig } from '../config/config.js';
import { withAgentDefaults } from './agent-defaults.js';
import { parseBatchTask, parseSubmitRequest, toNewTaskInput } from './submit-request.js';

function refusal(work: () => unknown): { message: string; field: unknown } {
  const { message, details } = claudineErrorOf(work);
  return { message, field: details.field };
}

describe('the submit request', () => {
  it('turns every field into the task input, relative paths against the directory given', () => {
    const input = toNewTaskInput(
      {
        prompt: 'Fix it',
        cwd: 'sub',
        timeout: '10m',
        retries: '1',
        maxTurns: '4',
        maxBudgetUsd: '2.5',
        passResults: true,
        allowedTools: ['Read'],
        agentArgs: [],
        env: { CI: '1' },
        sandbox: 'read-only',
        agent: 'codex',
      },
      { directory: '/work/project' },
    );
    expect(input).toEqual({
      prompt: 'Fix it',
      cwd: '/work/project/sub',
      agent: 'codex',
      timeoutMs: 600_000,
      maxRetries: 1,
      passDependencyResults: true,
      agentOptions: { maxTurns: 4, maxBudgetUsd: 2.5, allowedTools: ['Read'], env: { CI: '1' }, sandbox: 'read-only' },
    });
    expect(toNewTaskInput({ prompt: 'x', cwd: '/abs', timeoutSeconds: 90, maxRetries: 0 }, { directory: '/else' })).toMatchObject({
      cwd: '/abs',
      timeoutMs: 90_000,
      maxRetries: 0,
    });
    expect(toNewTaskInput({ prompt: 'x' }, { directory: '/here' }).cwd).toBe('/here');
  });

  it('refuses what no agent can take, naming the field', () => {
    expect(refusal(() => toNewTaskInput({ prompt: 'x', timeout: '5' }, { directory: '/' }))).toEqual({
      message: expect.stringContaining('timeout "5" has no unit'),
      field: 'timeout',
    });
    expect(refusal(() => toNewTaskInput({ prompt: 'x', maxTurns: 1.5 }, { directory: '/' })).field).toBe('maxTurns');
    expect(refusal(() => toNewTaskInput({ prompt: 'x', retries: -1 }, { directory: '/' })).field).toBe('retries');
    expect(refusal(() => toNewTaskInput({ prompt: 'x', maxBudgetUsd: 0 }, { directory: '/' })).field).toBe('maxBudgetUsd');
    expect(refusal(() => toNewTaskInput({ prompt: 'x', timeout: 0 }, { directory: '/' })).field).toBe('timeout');
    expect(refusal(() => toNewTaskInput({ prompt: 'x', retries: 1, maxRetries: 2 }, { directory: '/' })).message).toContain(
      'retries and maxRetries are the same setting',
    );
    expect(refusal(() => parseSubmitRequest({ prompt: 'x', agnet: 'codex' }))).toEqual({
      message: expect.stringContaining('agnet: not a task field'),
      field: 'agnet',
    });
    expect(refusal(() => parseSubmitRequest({ prompt: 'x', effort: 'huge' })).field).toBe('effort');
    expect(refusal(() => parseSubmitRequest({ agent: 'command' })).field).toBe('prompt');
  });

  it('reads a batch task with its name and the batch defaults, naming its label in errors', () => {
    const task = parseBatchTask(
      { name: 'build', prompt: 'make', dependsOn: ['test'] },
      { directory: '/w', label: 'line 2', defaults: { agent: 'command', priority: 'P0' } },
    );
    expect(task).toMatchObject({ name: 'build', label: 'line 2', agent: 'command', priority: 'P0', dependsOn: ['test'] });
    expect(refusal(() => parseBatchTask([1], { directory: '/w', label: 'line 3' })).message).toMatch(/^line 3: a task is a JSON object/);
    expect(refusal(() => parseBatchTask({ prompt: 'x', name: 7 }, { directory: '/w', label: 'line 4' })).message).toMatch(/^line 4: name:/);
  });
});

describe('agent defaults from the configuration', () => {
  it('adds the configured lists before the task own, and fills single values the task leaves out', () => {
    const { config } = loadConfig({
      file: '/nonexistent/config.json',
      environment: {
        CLAUDINE_AGENTS_CLAUDE_ALLOWED_TOOLS: 'Read, Bash(pnpm test:*)',
        CLAUDINE_AGENTS_CLAUDE_AGENT_ARGS: '--strict-mcp-config  --verbose',
        CLAUDINE_AGENTS_CLAUDE_EFFORT: 'high',
        CLAUDINE_AGENTS_CODEX_SANDBOX: 'workspace-write',
      },
    });
    expect(config.agents.claude.allowedTools).toEqual(['Read', 'Bash(pnpm test:*)']);
    expect(withAgentDefaults('claude', { allowedTools: ['Read', 'Edit'], effort: 'low' }, config)).toEqual({
      permissionMode: 'acceptEdits',
      allowedTools: ['Read', 'Bash(pnpm test:*)', 'Edit'],
      agentArgs: ['--strict-mcp-config', '--verbose'],
      effort: 'low',
    });
    expect(withAgentDefaults('codex', {}, config)).toEqual({ sandbox: 'workspace-write' });
    expect(withAgentDefaults('command', { env: { A: '1' } }, config)).toEqual({ env: { A: '1' } });
  });
});
