import type { Task } from '@claudine/core';
import { describe, expect, it } from 'vitest';
import { createProgress } from './progress.js';

const base = {
  id: '3k9x2m4qab',
  status: 'queued',
  attempt: 0,
  blockedBy: [],
  notBefore: null,
  startedAt: null,
  warnedAt: null,
} as unknown as Task;
const task = (change: Partial<Task>): Task => ({ ...base, ...change });

describe('createProgress', () => {
  it('prints a plain line for each change of state off a terminal, and nothing else', () => {
    const written: string[] = [];
    const progress = createProgress({
      terminal: { color: false, interactive: false, width: 80 },
      plainLines: true,
      write: (text) => written.push(text),
    });
    progress.update(task({ blockedBy: ['7hq2w0v9xe'] }));
    progress.update(task({ blockedBy: ['7hq2w0v9xe'] }));
    progress.update(task({}));
    progress.update(task({ status: 'running', attempt: 1, startedAt: 0 }));
    progress.update(task({ status: 'running', attempt: 1, startedAt: 0 }));
    progress.update(task({ status: 'queued', attempt: 1, notBefore: Date.now() + 60_000 }));
    progress.update(task({ status: 'running', attempt: 2, startedAt: 0 }));
    let printed = false;
    progress.around(() => {
      printed = true;
    });
    progress.stop();
    expect(printed).toBe(true);
    expect(written).toEqual([
      'claudine: task 3k9x2m4qab is blocked: it waits for 7hq2w0v9xe\n',
      'claudine: task 3k9x2m4qab is queued\n',
      'claudine: task 3k9x2m4qab is running\n',
      'claudine: task 3k9x2m4qab will be retried (attempt 2)\n',
      'claudine: task 3k9x2m4qab is running (attempt 2)\n',
    ]);
  });

  it('draws a status line on a terminal and clears it around output and at the end', async () => {
    const written: string[] = [];
    let now = 10_000;
    const progress = createProgress({
      terminal: { color: false, interactive: true, width: 80 },
      plainLines: true,
      write: (text) => written.push(text),
      now: () => now,
    });
    progress.update(task({ status: 'running', attempt: 1, startedAt: 5_000 }));
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the escape that clears the line is what is checked.
    expect(written.join('')).toMatch(/^\r\u001b\[2K[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] 3k9x2m4qab running · 5 s$/);
    now = 75_000;
    written.length = 0;
    await progress.around(() => {
      written.push('OUTPUT\n');
    });
    expect(written[0]).toBe('\r\u001b[2K');
    expect(written[1]).toBe('OUTPUT\n');
    expect(written[2]).toMatch(/running · 1 min 10 s$/);
    written.length = 0;
    progress.stop();
    expect(written).toEqual(['\r\u001b[2K']);
    progress.update(task({ status: 'completed' }));
    expect(written).toEqual(['\r\u001b[2K']);
  });
});
