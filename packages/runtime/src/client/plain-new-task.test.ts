import { MAX_PROMPT_BYTES, NewTaskInputSchema } from '@claudine/core';
import { describe, expect, it } from 'vitest';
import { plainNewTask } from './plain-new-task.js';

const base = { prompt: 'echo hi', cwd: '/tmp', agent: 'command', priority: 'P1', agentOptions: {} };

// Plain submissions: the quick check must take each, and give exactly what the schema gives.
const plain: Record<string, unknown>[] = [
  base,
  { prompt: 'x', cwd: '/' },
  { ...base, agent: 'claude', priority: 'P0', labels: ['a', 'b-c'], timeoutMs: 1000, maxRetries: 0 },
  { ...base, agent: 'codex', priority: 'P2', dependsOn: [], dependencyPolicy: 'run', passDependencyResults: true },
  { ...base, notify: false, worktree: true, base: 'HEAD~1', setup: 'pnpm install', maxRetries: 100 },
  { ...base, labels: Array.from({ length: 50 }, (_, index) => `l${index}`), prompt: ' a ' },
  { ...base, prompt: 'é'.repeat(Math.floor(MAX_PROMPT_BYTES / 3)) },
];

// Not plain, or invalid: the quick check must leave each to the schema.
const other: Record<string, unknown>[] = [
  { ...base, prompt: '   ' },
  { ...base, prompt: 7 },
  { ...base, prompt: 'a'.repeat(MAX_PROMPT_BYTES + 1) },
  { ...base, cwd: 'relative' },
  { ...base, cwd: '' },
  { ...base, agent: 'gpt' },
  { ...base, priority: 'P3' },
  { ...base, agentOptions: { model: 'x' } },
  { ...base, dependsOn: ['3k9x2m4qab'] },
  { ...base, labels: ['has space'] },
  { ...base, labels: ['a,b'] },
  { ...base, labels: [''] },
  { ...base, labels: ['x'.repeat(101)] },
  { ...base, labels: Array.from({ length: 51 }, (_, index) => `l${index}`) },
  { ...base, timeoutMs: 0 },
  { ...base, timeoutMs: 1.5 },
  { ...base, timeoutMs: '10' },
  { ...base, maxRetries: 101 },
  { ...base, maxRetries: -1 },
  { ...base, dependencyPolicy: 'skip' },
  { ...base, passDependencyResults: 'yes' },
  { ...base, notify: 1 },
  { ...base, worktree: 'yes' },
  { ...base, base: '' },
  { ...base, setup: '' },
  { ...base, unknownField: 1 },
  { ...base, labels: undefined },
];

describe('plainNewTask', () => {
  it('gives what the schema gives for a plain submission', () => {
    for (const input of plain) {
      const parsed = NewTaskInputSchema.safeParse(input);
      expect(parsed.success).toBe(true);
      expect(plainNewTask(input)).toStrictEqual(parsed.data);
    }
  });

  it('leaves the rest to the schema', () => {
    for (const input of other) expect(plainNewTask(input), JSON.stringify(input).slice(0, 80)).toBeUndefined();
  });

  it('never takes what the schema refuses', () => {
    for (const input of [...plain, ...other]) {
      if (!NewTaskInputSchema.safeParse(input).success) expect(plainNewTask(input)).toBeUndefined();
    }
  });
});
