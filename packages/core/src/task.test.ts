import { describe, expect, it } from 'vitest';
import { MAX_PROMPT_BYTES, NewTaskInputSchema, unsupportedAgentOptions } from './task.js';
import { formatTaskId, isTaskId } from './task-id.js';

describe('new task validation', () => {
  const valid = { prompt: 'do it', cwd: '/tmp' };

  it('fills in defaults', () => {
    const parsed = NewTaskInputSchema.parse(valid);
    expect(parsed).toMatchObject({ agent: 'claude', priority: 'P1', labels: [], dependsOn: [], dependencyPolicy: 'fail' });
  });

  it.each([
    [{ ...valid, prompt: '   ' }, 'the prompt is empty'],
    [{ ...valid, prompt: 'x'.repeat(MAX_PROMPT_BYTES + 1) }, 'larger than'],
    [{ ...valid, prompt: 'é'.repeat(MAX_PROMPT_BYTES / 2 + 1) }, 'larger than'],
    [{ ...valid, cwd: 'relative/dir' }, 'absolute path'],
    [{ ...valid, priority: 'P9' }, 'priority'],
    [{ ...valid, dependsOn: ['nope'] }, 'a task id is 10 characters'],
    [{ ...valid, agentOptions: { maxTurns: 0 } }, 'maxTurns'],
    [{ ...valid, agentOptions: { colour: 'red' } }, 'colour'],
  ])('refuses %j with a message that says why', (input, fragment) => {
    const parsed = NewTaskInputSchema.safeParse(input);
    expect(parsed.success).toBe(false);
    if (!parsed.success) {
      const text = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('\n');
      expect(text).toContain(fragment);
    }
  });

  it('names options the agent does not understand', () => {
    expect(unsupportedAgentOptions('command', { model: 'x', env: { A: '1' } })).toEqual(['model']);
    expect(unsupportedAgentOptions('codex', { model: 'x', maxTurns: 3 })).toEqual(['maxTurns']);
    expect(unsupportedAgentOptions('claude', { model: 'x', maxTurns: 3 })).toEqual([]);
    expect(unsupportedAgentOptions('claude', { sandbox: 'read-only', effort: 'high' })).toEqual(['sandbox']);
    expect(unsupportedAgentOptions('codex', { sandbox: 'read-only', agentArgs: ['-c', 'x=1'], addDirs: ['/tmp'] })).toEqual(['addDirs']);
    expect(unsupportedAgentOptions('command', { agentArgs: ['-x'] })).toEqual(['agentArgs']);
  });
});

describe('task ids', () => {
  it('formats 10 unambiguous characters from random bytes', () => {
    const id = formatTaskId(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
    expect(id).toHaveLength(10);
    expect(isTaskId(id)).toBe(true);
    expect(formatTaskId(new Uint8Array([255, 255, 255, 255, 255, 255, 255]))).toMatch(/^[0-9a-z]{10}$/);
    expect(isTaskId('ILOU000000')).toBe(false);
  });
});
