import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTempDir, type TempDir, waitFor } from '@claudine/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DataLayout, ensureDataDirectory } from '../config/data-directory.js';
import { watchTaskLog } from './watch-task-log.js';

let temp: TempDir;
let layout: DataLayout;

beforeEach(() => {
  temp = createTempDir();
  layout = ensureDataDirectory(join(temp.path, 'home'));
});

afterEach(() => temp.remove());

describe('watchTaskLog', () => {
  it('sees writes to a log that did not exist when watching began, with no retry', async () => {
    let calls = 0;
    const watcher = watchTaskLog(layout, '3k9x2m4qab', () => {
      calls += 1;
    });
    // Another task's log appearing is none of its business.
    mkdirSync(join(layout.logs, 'aaaaaaaaaa'));
    writeFileSync(join(layout.logs, 'aaaaaaaaaa', 'segment'), 'other');
    mkdirSync(join(layout.logs, '3k9x2m4qab'));
    await waitFor(() => calls > 0, { description: 'the log directory to be seen', timeoutMs: 5000 });
    const seen = calls;
    writeFileSync(join(layout.logs, '3k9x2m4qab', 'segment'), 'output');
    await waitFor(() => calls > seen, { description: 'a write to be seen', timeoutMs: 5000 });
    watcher.close();
  });

  it('watches an existing log at once', async () => {
    mkdirSync(join(layout.logs, '3k9x2m4qab'));
    let calls = 0;
    const watcher = watchTaskLog(layout, '3k9x2m4qab', () => {
      calls += 1;
    });
    expect(calls).toBe(0);
    writeFileSync(join(layout.logs, '3k9x2m4qab', 'segment'), 'output');
    await waitFor(() => calls > 0, { description: 'a write to be seen', timeoutMs: 5000 });
    watcher.close();
  });
});
