import { describe, expect, it } from 'vitest';
import { runningTask } from '../runs.test-helper.js';
import { createCodexAgent } from './codex-agent.js';

describe('the codex agent', () => {
  it('passes the model, the sandbox and raw arguments before the prompt on stdin', () => {
    const task = runningTask({
      agent: 'codex',
      cwd: '/',
      prompt: 'Fix it',
      agentOptions: { model: 'gpt-5-codex', sandbox: 'workspace-write', agentArgs: ['-c', 'model_reasoning_effort=high'] },
    });
    const invocation = createCodexAgent({ command: 'codex' }).invocation(task, {});
    expect(invocation.args).toEqual([
      'exec',
      '--json',
      '--skip-git-repo-check',
      '--model',
      'gpt-5-codex',
      '--sandbox',
      'workspace-write',
      '-c',
      'model_reasoning_effort=high',
      '-',
    ]);
    expect(invocation.stdin).toBe('Fix it');
  });
});
